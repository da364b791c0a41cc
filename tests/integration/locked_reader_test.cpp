// The locked pattern against the real kernel: a writer that holds each
// value's bpf_spin_lock while it writes, and a reader that copies with
// BPF_F_LOCK. Locked reads must never be torn; plain lookups of the same
// values (no BPF_F_LOCK) must be, or the lock proves nothing here.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <thread>

#include "core/bpf/oracle_record.h"
#include "core/util/affinity.h"
#include "harness/target_map.h"
#include "harness/writers/test_run_writer.h"
#include "tests/integration/reader_guarantees.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using namespace std::chrono_literals;
using testing::expect_locked_reads_never_tear_while_naive_does;

class LockedReaderTest : public testing::PrivilegedTest,
                         public ::testing::WithParamInterface<const char*> {};

TEST_P(LockedReaderTest, LockedReadsNeverTearWhilePlainLookupsDo) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  MAPSLA_REQUIRE_FEATURE(map_lock);
  // 64 keys of 1 KiB rewritten flat out, each write long enough for a plain
  // copy to overlap it. On a busy machine the writer and the readers are not
  // always running at the same moment, so rounds are added (at most four)
  // until the plain lookups have torn; the locked reads of every round count.
  expect_locked_reads_never_tear_while_naive_does(fmt::format(R"(
map: {{kind: {}, entries: 64, value_size: 1024}}
writer: {{driver: test_run, pattern: locked, cpus: [1], keys_per_run: 64}}
readers:
  - {{reader: locked, cpus: [0]}}
  - {{reader: naive, mode: keys, cpus: [0]}}
run: {{warmup: 0s, duration: 400ms}}
)",
                                                              GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Kinds, LockedReaderTest, ::testing::Values("hash", "array"));

class LockedWriterTest : public testing::PrivilegedTest {};

// The locked writer's records sit after the lock header, validate with the
// C++ oracle, and match what it published.
TEST_F(LockedWriterTest, RecordsAfterTheLockHeaderMatchWhatWasPublished) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  MAPSLA_REQUIRE_FEATURE(map_lock);
  constexpr uint32_t kKeys = 512;
  for (MapKind kind : {MapKind::hash, MapKind::array}) {
    SCOPED_TRACE(std::string(to_string(kind)));
    Scenario s;
    s.map = {kind, kKeys, kKeys, 256, std::nullopt, true};
    s.writer.pattern = WriterPattern::locked;
    s.writer.cpus = {online_cpus() > 1 ? 1 : 0};
    TargetMap target(s.map, "itest_locked");
    EXPECT_FALSE(target.mmapable()) << "an mmapable array cannot hold a spin lock";
    VersionBoard board(kKeys);
    target.prefill(board);
    {
      TestRunWriter writer({s, target, board, testing::kernel_features(), "test"});
      writer.start();
      std::this_thread::sleep_for(100ms);
      writer.stop();
      ASSERT_EQ(writer.failure(), "");
      EXPECT_EQ(writer.stats()["failed_updates"], 0);
    }
    EXPECT_GT(board.updates_made(), kKeys);
    std::vector<std::byte> value(256);
    for (uint32_t key = 0; key < kKeys; ++key) {
      ASSERT_EQ(target.view().lookup_flags(&key, value.data(), BPF_F_LOCK), 0) << key;
      const RecordFacts facts =
          validate_record(std::span(value).subspan(MAPSLA_LOCK_HEADER_BYTES), key);
      ASSERT_EQ(facts.check, RecordCheck::ok) << "key " << key;
      EXPECT_EQ(facts.version, board.committed(key)) << "key " << key;
    }
  }
}

}  // namespace
}  // namespace mapsla
