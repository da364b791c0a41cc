// Small, exact result models for the statistics, SLA, compare and JUnit
// tests: every latency and count is chosen by the test, so expected figures
// can be computed by hand.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "reports/result.h"

namespace mapsla::testing {

// A repetition whose op latencies are `samples` copies of `op_ns` (plus one
// op of `tail_ns` when non-zero), reading `reads` entries in `read_time_ns`.
inline RepetitionResult repetition(int index, uint64_t op_ns, uint64_t samples, uint64_t reads,
                                   uint64_t read_time_ns, uint64_t tail_ns = 0) {
  RepetitionResult r;
  r.index = index;
  r.wall_s = 1.0;
  r.passes = 10;
  r.reads = reads;
  r.ops = samples + (tail_ns ? 1 : 0);
  r.read_time_ns = read_time_ns;
  r.op_latency.record_n(op_ns, samples);
  if (tail_ns) r.op_latency.record(tail_ns);
  for (int i = 0; i < 10; ++i)
    r.pass_latency.record(op_ns * 1000 + static_cast<uint64_t>(i));
  return r;
}

inline CellResult cell(const std::string& scenario, const std::string& reader,
                       const std::string& mode, std::vector<RepetitionResult> reps,
                       CellStatus status = CellStatus::ok, const std::string& reason = "") {
  CellResult c{scenario, reader, mode};
  c.status = status;
  c.reason = reason;
  c.repetitions = std::move(reps);
  return c;
}

inline Report report(std::vector<CellResult> cells, const std::string& run_id = "r1") {
  Report r;
  r.run_id = run_id;
  r.started_at = "2026-11-22T02:00:00Z";
  r.finished_at = "2026-11-22T02:00:10Z";
  r.command = {"mapsla", "run", "s.yaml"};
  r.environment.kernel = "6.18.0-test";
  r.environment.cpu_model = "Test CPU";
  r.environment.cores = 2;
  r.environment.numa_nodes = 1;
  r.environment.virtualization = "none";
  r.environment.hostname = "testhost";
  r.environment.mapsla_version = "0.1.0";
  r.environment.git_sha = "0123456789ab";
  r.environment.features = {{"bpf_loop", true, "ok"}};
  r.cells = std::move(cells);
  return r;
}

// Compares with tests/unit/golden/NAME; MAPSLA_UPDATE_GOLDEN=1 rewrites it.
inline std::string golden_file(const std::string& name, const std::string& actual) {
  const auto path = std::filesystem::path(MAPSLA_SOURCE_DIR) / "tests/unit/golden" / name;
  if (const char* update = std::getenv("MAPSLA_UPDATE_GOLDEN"); update && *update == '1')
    std::ofstream(path, std::ios::binary) << actual;
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace mapsla::testing
