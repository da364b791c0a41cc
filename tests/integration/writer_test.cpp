// The test_run writer against the real kernel, with each of its programs
// (SEC("syscall") + bpf_loop, and the XDP fallback for 5.10): versions
// advance, every record it writes validates with the C++ oracle (so the BPF
// and C++ record math agree), and what it publishes as committed is exactly
// what the map holds.
#include <gtest/gtest.h>

#include <thread>

#include "core/bpf/oracle_record.h"
#include "core/util/affinity.h"
#include "harness/target_map.h"
#include "harness/writers/test_run_writer.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

using namespace std::chrono_literals;

struct WriterCase {
  MapKind kind;
  WriterPattern pattern;
  uint32_t value_size;
  WriterProgram program = WriterProgram::syscall;
  uint32_t repeat = 0;  // xdp: test_run repetitions per call (0: auto)
};

void PrintTo(const WriterCase& c, std::ostream* os) {
  *os << to_string(c.program) << "/" << to_string(c.kind) << "/" << to_string(c.pattern) << "/"
      << c.value_size << (c.repeat ? "/repeat" + std::to_string(c.repeat) : "");
}

std::string case_name(const ::testing::TestParamInfo<WriterCase>& info) {
  return std::string(to_string(info.param.program)) + "_" +
         std::string(to_string(info.param.kind)) + "_" +
         std::string(to_string(info.param.pattern)) + "_" + std::to_string(info.param.value_size) +
         (info.param.repeat ? "_repeat" + std::to_string(info.param.repeat) : "");
}

Scenario writer_scenario(const WriterCase& c, uint32_t keys) {
  Scenario s;
  s.name = "writer_test";
  s.map = {c.kind, keys, keys, c.value_size, std::nullopt};
  s.writer.driver = "test_run";
  s.writer.pattern = c.pattern;
  s.writer.cpus = {online_cpus() > 1 ? 1 : 0};
  auto options = std::make_shared<TestRunWriter::Options>();
  options->keys_per_run = 64;
  options->program = c.program;
  options->repeat = c.repeat;
  s.writer.options = options;
  return s;
}

class WriterTest : public testing::PrivilegedTest,
                   public ::testing::WithParamInterface<WriterCase> {};

TEST_P(WriterTest, VersionsAdvanceAndEveryRecordMatchesWhatWasPublished) {
  MAPSLA_REQUIRE_WRITER_PROGRAM(GetParam().program);
  constexpr uint32_t kKeys = 1024;
  const Scenario scenario = writer_scenario(GetParam(), kKeys);
  TargetMap target(scenario.map, "writer_test");
  VersionBoard board(kKeys);
  target.prefill(board);
  const KernelFeatures& features = testing::kernel_features();
  {
    TestRunWriter writer({scenario, target, board, features, "test"});
    writer.start();
    std::this_thread::sleep_for(200ms);
    writer.stop();
    ASSERT_EQ(writer.failure(), "");
    const nlohmann::json stats = writer.stats();
    EXPECT_EQ(stats["failed_updates"], 0);
    EXPECT_EQ(stats["program"], to_string(GetParam().program));
    // keys_per_run 64: one call per run, or 64 / (32, 16 or 8) for the XDP program.
    const uint64_t per_call =
        GetParam().program == WriterProgram::xdp ? legacy_writer_keys(GetParam().value_size) : 64;
    EXPECT_EQ(stats["keys_per_test_run"], per_call);
    const uint64_t runs = stats["runs"].get<uint64_t>();
    const uint64_t test_runs = stats["test_runs"].get<uint64_t>();
    if (GetParam().repeat > 1) {
      // Every call ran `repeat` repetitions of one slice each.
      EXPECT_EQ(stats["repeat"], GetParam().repeat);
      EXPECT_EQ(runs, test_runs * GetParam().repeat);
    } else if (GetParam().program == WriterProgram::xdp) {
      // auto: one slice per call while calls are cheap, more once they are dear.
      if (stats["repeat"] == 1) {
        EXPECT_EQ(runs, test_runs);
      } else {
        EXPECT_GT(runs, test_runs);
      }
    } else if (GetParam().program == WriterProgram::syscall) {
      EXPECT_EQ(test_runs, runs * (64 / per_call));
    }
  }
  EXPECT_GT(board.updates_made(), kKeys);
  std::vector<std::byte> value(target.view().value_buffer_size());
  for (uint32_t key = 0; key < kKeys; ++key) {
    ASSERT_EQ(target.view().lookup(&key, value.data()), 0) << "key " << key;
    const RecordFacts facts = validate_record(value, key);
    ASSERT_EQ(facts.check, RecordCheck::ok) << "key " << key;
    EXPECT_GT(facts.version, 1u) << "key " << key << " was never rewritten";
    EXPECT_EQ(facts.version, board.committed(key)) << "key " << key;
    if (GetParam().pattern == WriterPattern::seqlock) {
      EXPECT_EQ(facts.seq % 2, 0u) << "seqlock left odd";
      EXPECT_GT(facts.seq, 0u) << "seqlock writer never bumped seq";
    }
  }
}

std::vector<WriterCase> writer_cases() {
  std::vector<WriterCase> cases;
  for (uint32_t size : kValueSizes) {
    for (MapKind kind : {MapKind::hash, MapKind::array}) {
      for (WriterPattern p : {WriterPattern::inplace, WriterPattern::replace, WriterPattern::churn,
                              WriterPattern::seqlock}) {
        if (p == WriterPattern::churn && is_array(kind)) continue;
        for (WriterProgram program : {WriterProgram::syscall, WriterProgram::xdp})
          cases.push_back({kind, p, size, program});
        // Many repetitions per BPF_PROG_TEST_RUN, as 5.10 runs it: 100 slices
        // of one call wrap around the 1024 keys (32 keys each: 3 passes).
        cases.push_back({kind, p, size, WriterProgram::xdp, 100});
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Patterns, WriterTest, ::testing::ValuesIn(writer_cases()), case_name);

class RateLimitTest : public testing::PrivilegedTest {};

TEST_F(RateLimitTest, RateCapsUpdatesPerSecond) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  Scenario scenario = writer_scenario({MapKind::array, WriterPattern::inplace, 64}, 4096);
  scenario.writer.rate = 100'000;
  TargetMap target(scenario.map, "rate_test");
  VersionBoard board(4096);
  target.prefill(board);
  TestRunWriter writer({scenario, target, board, testing::kernel_features(), "test"});
  writer.start();
  std::this_thread::sleep_for(500ms);
  writer.stop();
  // 100k/s for 0.5 s is 50k updates; pacing may lag but must never burst past.
  EXPECT_GT(board.updates_made(), 25'000u);
  EXPECT_LT(board.updates_made(), 60'000u);
}

}  // namespace
}  // namespace mapsla
