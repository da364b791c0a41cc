// Per-CPU maps against the real kernel: the percpu writer writes the slot of
// the CPU it runs on, the percpu reader reads every possible CPU's slot, the
// oracle validates each slot (and that it holds that CPU's record), and the
// reader's per-CPU version sums reconcile exactly with what the writer
// threads published once they have stopped.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <thread>

#include "core/util/affinity.h"
#include "core/util/clock.h"
#include "harness/oracle.h"
#include "harness/target_map.h"
#include "harness/writers/test_run_writer.h"
#include "readers/percpu_reader.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using namespace std::chrono_literals;

struct PercpuCase {
  MapKind kind;
  PercpuReader::Mode mode;
};

std::string case_name(const ::testing::TestParamInfo<PercpuCase>& info) {
  return std::string(to_string(info.param.kind)) +
         (info.param.mode == PercpuReader::Mode::keys ? "_keys" : "_batch");
}

class PercpuReaderTest : public testing::PrivilegedTest,
                         public ::testing::WithParamInterface<PercpuCase> {};

std::string counts(const RepetitionResult& r) {
  return fmt::format(
      "{} reads, torn {}, missing {}, skipped {}, dup {}, stale {}, non-mono {}, "
      "errors {}",
      r.reads, r.anomalies.torn, r.anomalies.missing, r.anomalies.skipped, r.anomalies.duplicate,
      r.anomalies.stale, r.anomalies.non_monotonic, r.anomalies.error_total());
}

TEST_P(PercpuReaderTest, EverySlotValidatesAndSumsReconcileWithThePublishedVersions) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  if (GetParam().mode == PercpuReader::Mode::batch) MAPSLA_REQUIRE_FEATURE(batch_ops);
  constexpr uint32_t kKeys = 1024;
  Scenario s;
  s.map = {GetParam().kind, kKeys, kKeys, 64, std::nullopt};
  s.writer.pattern = WriterPattern::percpu;
  s.writer.cpus = online_cpus() > 1 ? std::vector<int>{0, 1} : std::vector<int>{0};
  TargetMap target(s.map, "itest_percpu");
  VersionBoard board(kKeys);
  target.prefill(board);
  const ReadTarget read_target{target.view(), kKeys, WriterPattern::percpu, ""};
  PercpuReader reader(GetParam().mode, {.batch_size = 100});
  reader.attach(read_target);
  Oracle oracle(read_target, board, reader.entries_per_block());

  // Reads while both writer threads write their own CPU's slots.
  TestRunWriter writer({s, target, board, testing::kernel_features(), "test"});
  writer.start();
  const uint64_t end = now_ns() + 300'000'000;
  while (now_ns() < end) {
    oracle.begin_pass();
    reader.read_pass(oracle);
    oracle.end_pass();
  }
  writer.stop();
  ASSERT_EQ(writer.failure(), "");
  EXPECT_EQ(writer.stats()["failed_updates"], 0);
  const RepetitionResult during = oracle.take_results();
  RecordProperty("during_writes", counts(during));
  EXPECT_GT(board.updates_made(), kKeys);
  EXPECT_GT(during.passes, 1u);
  // In-place writes of a slot can tear a concurrent copy of it; nothing else
  // may go wrong: no slot holds another CPU's record, nothing goes backwards.
  EXPECT_EQ(during.anomalies.error_total(), 0u) << counts(during);
  EXPECT_EQ(during.anomalies.non_monotonic, 0u) << counts(during);
  EXPECT_EQ(during.anomalies.stale, 0u) << counts(during);
  EXPECT_EQ(during.anomalies.missing + during.anomalies.skipped + during.anomalies.duplicate, 0u)
      << counts(during);

  // Writers stopped: one pass, every CPU's record of every key validates.
  oracle.begin_pass();
  reader.read_pass(oracle);
  oracle.end_pass();
  const RepetitionResult quiet = oracle.take_results();
  EXPECT_EQ(quiet.reads, kKeys);
  EXPECT_EQ(quiet.anomalies.total(), 0u) << counts(quiet);

  // Each writer thread owns a contiguous share of the keys and writes only
  // its CPU's slot; every other slot keeps the prefill's version 1.
  const uint32_t cpus = possible_cpus();
  std::vector<uint64_t> expected(cpus, 0);
  const size_t threads = s.writer.cpus.size();
  for (uint32_t key = 0; key < kKeys; ++key) {
    const size_t owner = static_cast<size_t>(uint64_t{key} * threads / kKeys);
    const int owner_cpu = s.writer.cpus[std::min(owner, threads - 1)];
    for (uint32_t cpu = 0; cpu < cpus; ++cpu)
      expected[cpu] += static_cast<int>(cpu) == owner_cpu ? board.committed(key) : 1;
  }
  EXPECT_EQ(reader.last_pass_keys(), kKeys);
  ASSERT_EQ(reader.last_pass_cpu_sums().size(), cpus);
  for (uint32_t cpu = 0; cpu < cpus; ++cpu)
    EXPECT_EQ(reader.last_pass_cpu_sums()[cpu], expected[cpu]) << "CPU " << cpu;
  for (int cpu : s.writer.cpus)
    EXPECT_GT(reader.last_pass_cpu_sums()[cpu], kKeys) << "CPU " << cpu << "'s writes not seen";
  reader.detach();
}

INSTANTIATE_TEST_SUITE_P(
    KindsAndModes, PercpuReaderTest,
    ::testing::Values(PercpuCase{MapKind::percpu_hash, PercpuReader::Mode::keys},
                      PercpuCase{MapKind::percpu_hash, PercpuReader::Mode::batch},
                      PercpuCase{MapKind::percpu_array, PercpuReader::Mode::keys},
                      PercpuCase{MapKind::percpu_array, PercpuReader::Mode::batch}),
    case_name);

class PercpuScenarioTest : public testing::PrivilegedTest {};

TEST_F(PercpuScenarioTest, FiguresReachTheReportAndSharedMapsAreNotApplicable) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  const auto cells = testing::run_yaml(R"(
map: {kind: percpu_array, entries: 512, value_size: 256}
writer: {driver: test_run, pattern: percpu, cpus: [1]}
readers:
  - {reader: percpu, mode: keys}
  - {reader: naive, mode: keys}
run: {warmup: 0s, duration: 100ms}
)");
  const CellResult& percpu = testing::cell(cells, "percpu", "keys");
  ASSERT_EQ(percpu.status, CellStatus::ok) << percpu.reason;
  const nlohmann::json& figures = percpu.details["reader"];
  EXPECT_EQ(figures["possible_cpus"], possible_cpus());
  EXPECT_EQ(figures["keys_summed"], 512);
  EXPECT_GT(figures["version_sum"].get<uint64_t>(), 512u * possible_cpus()) << figures.dump();
  for (const auto& c : cells) {
    EXPECT_EQ(c.pooled().anomalies.error_total(), 0u) << c.reader;
    EXPECT_EQ(c.pooled().anomalies.non_monotonic, 0u) << c.reader;
  }

  const auto shared = testing::run_yaml(R"(
map: {kind: hash, entries: 64, value_size: 64}
writer: {driver: none}
readers: [{reader: percpu, mode: keys}]
run: {warmup: 0s, duration: 20ms}
)");
  EXPECT_EQ(shared[0].status, CellStatus::not_applicable);
  EXPECT_NE(shared[0].reason.find("per-CPU"), std::string::npos) << shared[0].reason;
}

}  // namespace
}  // namespace mapsla
