// A fixed Report for renderer tests (golden files): two conditions with a
// baseline, two readers, anomalies of several classes, a not-applicable
// cell and a failed one. Everything is deterministic.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "reports/result.h"

namespace mapsla::testing {

inline RepetitionResult sample_repetition(int index, uint64_t base_ns, uint64_t reads) {
  RepetitionResult r;
  r.index = index;
  r.wall_s = 1.0;
  r.reads = reads;
  r.ops = reads;
  r.passes = reads / 1000;
  r.read_time_ns = reads * (base_ns + 50);
  r.writer_updates = 5000 + static_cast<uint64_t>(index);
  for (uint64_t i = 0; i < 1000; ++i)
    r.op_latency.record_n(base_ns + i / 10, reads / 1000);  // 1000 distinct latencies
  r.op_latency.record(base_ns * 40);                        // one slow op
  r.pass_latency.record(30'000'000);
  return r;
}

inline Report sample_report() {
  Report report;
  report.run_id = "abcd1234";
  report.started_at = "2026-11-22T01:50:01Z";
  report.finished_at = "2026-11-22T01:50:18Z";
  report.command = {"mapsla", "run", "scenarios/default.yaml"};
  Environment& env = report.environment;
  env.kernel = "6.18.0-test";
  env.cpu_model = "Test CPU @ 3.0GHz";
  env.cores = 2;
  env.numa_nodes = 1;
  env.virtualization = "vm (Test Hypervisor)";
  env.hostname = "testhost";
  env.mapsla_version = "0.1.0";
  env.git_sha = "0123456789ab";
  env.features = {{"bpf_loop", true, "helper available"},
                  {"batch_ops", true, "BPF_MAP_LOOKUP_BATCH works"},
                  {"sch_netem", false, "module sch_netem not found"}};

  CellResult base{"baseline", "naive", "keys"};
  base.repetitions = {sample_repetition(0, 1000, 100'000), sample_repetition(1, 1100, 100'000),
                      sample_repetition(2, 1050, 100'000)};
  report.cells.push_back(base);

  CellResult replace_keys{"hash-replace", "naive", "keys"};
  replace_keys.repetitions = {sample_repetition(0, 1500, 200'000),
                              sample_repetition(1, 1600, 200'000),
                              sample_repetition(2, 1550, 200'000)};
  replace_keys.repetitions[0].anomalies.missing = 3;
  replace_keys.repetitions[1].anomalies.torn = 1;
  report.cells.push_back(replace_keys);

  CellResult replace_dump{"hash-replace", "naive", "dump"};
  replace_dump.repetitions = {sample_repetition(0, 2500, 150'000),
                              sample_repetition(1, 2400, 150'000),
                              sample_repetition(2, 2600, 150'000)};
  replace_dump.repetitions[0].anomalies.duplicate = 60;
  replace_dump.repetitions[0].anomalies.skipped = 45;
  replace_dump.repetitions[2].anomalies.errors["E2BIG"] = 2;
  report.cells.push_back(replace_dump);

  CellResult na{"baseline", "mmap", "seqlock"};
  na.status = CellStatus::not_applicable;
  na.reason = "mmap needs an array | with BPF_F_MMAPABLE";
  report.cells.push_back(na);

  CellResult failed{"hash-replace", "batched", "batch"};
  failed.status = CellStatus::failed;
  failed.reason = "read: BPF_MAP_LOOKUP_BATCH on mapsla_target: Invalid argument (EINVAL)";
  report.cells.push_back(failed);
  for (auto& cell : report.cells)
    if (cell.scenario == "hash-replace") cell.condition = "replace";
  return report;
}

// The sample with a fault scenario whose cells carry before/during/after
// phases and recovery figures.
inline Report sample_report_with_phases() {
  Report report = sample_report();
  CellResult loss{"loss-5pct", "naive", "keys"};
  loss.condition = "loss-5pct";
  loss.phases["before"] = {sample_repetition(0, 1000, 100'000)};
  loss.phases["during"] = {sample_repetition(0, 3000, 100'000)};
  loss.phases["after"] = {sample_repetition(0, 1100, 100'000)};
  loss.repetitions = loss.phases["during"];
  Recovery recovery;
  recovery.recovered = true;
  recovery.recovery_ns = 30'000'000;
  loss.recovery = {recovery};
  report.cells.push_back(loss);
  return report;
}

// Compares `actual` with tests/unit/golden/NAME; MAPSLA_UPDATE_GOLDEN=1
// rewrites the file instead (then review the diff).
inline std::string golden(const std::string& name, const std::string& actual) {
  const std::filesystem::path path =
      std::filesystem::path(MAPSLA_SOURCE_DIR) / "tests/unit/golden" / name;
  if (const char* update = std::getenv("MAPSLA_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    return actual;
  }
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace mapsla::testing
