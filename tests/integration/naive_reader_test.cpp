// Known positives and known negatives for the naive reader, against the real
// kernel. A testbed that reports zero anomalies under these writers is
// broken, and one that reports anomalies on a quiet map is lying.
#include <gtest/gtest.h>

#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::cell;
using testing::run_yaml;

class NaiveReaderTest : public testing::PrivilegedTest {};

TEST_F(NaiveReaderTest, QuietMapReportsZeroInEveryClass) {
  const auto cells = run_yaml(R"(
name: quiet
map: {kind: hash, entries: 65536, value_size: 64}
writer: {driver: none}
readers:
  - {reader: naive, mode: keys}
  - {reader: naive, mode: dump}
run: {warmup: 0s, duration: 400ms}
)");
  for (const char* mode : {"keys", "dump"}) {
    const CellResult& c = cell(cells, "naive", mode);
    ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GE(r.passes, 1u) << mode;
    EXPECT_GE(r.reads, 65536u) << mode;
    EXPECT_EQ(r.anomalies.total(), 0u)
        << mode << ": torn " << r.anomalies.torn << " missing " << r.anomalies.missing
        << " skipped " << r.anomalies.skipped << " dup " << r.anomalies.duplicate << " stale "
        << r.anomalies.stale;
    EXPECT_EQ(r.writer_updates, 0u);
    EXPECT_GT(r.op_latency.count(), 0u);
  }
}

// A dump that stops at its step bound (E2BIG, the iteration-cap path) on a
// real map: one error per pass; the keys past the bound are unreached, never
// skipped.
TEST_F(NaiveReaderTest, DumpEndedAtItsStepBoundCountsUnreachedNotSkipped) {
  const auto cells = run_yaml(R"(
map: {kind: hash, entries: 1024, value_size: 64}
writer: {driver: none}
readers: [{reader: naive, mode: dump, max_steps: 100}]
run: {warmup: 0s, duration: 300ms}
)");
  const CellResult& c = cell(cells, "naive", "dump");
  ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
  const RepetitionResult r = c.pooled();
  ASSERT_GT(r.passes, 0u);
  EXPECT_EQ(r.anomalies.skipped, 0u);
  EXPECT_EQ(r.reads, r.passes * 100);
  EXPECT_EQ(r.early_ended_passes.at("E2BIG"), r.passes);
  EXPECT_EQ(r.anomalies.errors.at("E2BIG"), r.passes);
  EXPECT_EQ(r.unreached, r.passes * (1024 - 100));
}

TEST_F(NaiveReaderTest, QuietArrayOfLargeValuesReportsZero) {
  const auto cells = run_yaml(R"(
map: {kind: array, entries: 4096, value_size: 1024}
writer: {driver: none}
readers: [{reader: naive, mode: keys}, {reader: naive, mode: dump}]
run: {warmup: 0s, duration: 200ms}
)");
  for (const auto& c : cells) {
    ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
    EXPECT_EQ(c.pooled().anomalies.total(), 0u) << c.mode;
    EXPECT_GT(c.pooled().reads, 0u);
  }
}

TEST_F(NaiveReaderTest, InPlaceWriterTearsKeyLookups) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  // Few keys and large values: each key is rewritten every few microseconds
  // and a write takes long enough for a concurrent copy to straddle it.
  const auto cells = run_yaml(R"(
map: {kind: array, entries: 256, value_size: 1024}
writer: {driver: test_run, pattern: inplace, cpus: [1], keys_per_run: 256}
readers: [{reader: naive, mode: keys, cpus: [0]}]
run: {warmup: 0s, duration: 1s}
)");
  const CellResult& c = cell(cells, "naive", "keys");
  ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
  const RepetitionResult r = c.pooled();
  EXPECT_GT(r.writer_updates, 0u);
  EXPECT_GT(r.anomalies.torn, 0u) << "no torn read in " << r.reads << " reads";
  EXPECT_EQ(r.anomalies.missing, 0u) << "an array never loses a key";
}

TEST_F(NaiveReaderTest, ReplaceWriterMakesDumpsRepeatAndSkipKeys) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  const auto cells = run_yaml(R"(
map: {kind: hash, entries: 4096, value_size: 64}
writer: {driver: test_run, pattern: replace, cpus: [1]}
readers: [{reader: naive, mode: dump, cpus: [0]}]
run: {warmup: 0s, duration: 1s}
)");
  const CellResult& c = cell(cells, "naive", "dump");
  ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
  const RepetitionResult r = c.pooled();
  EXPECT_GT(r.anomalies.duplicate + r.anomalies.skipped, 0u)
      << r.passes << " passes, " << r.reads << " reads";
}

TEST_F(NaiveReaderTest, ChurnWriterMakesKeysGoMissing) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  const auto cells = run_yaml(R"(
map: {kind: hash, entries: 1024, value_size: 64}
writer: {driver: test_run, pattern: churn, cpus: [1]}
readers: [{reader: naive, mode: keys, cpus: [0]}]
run: {warmup: 0s, duration: 1s}
)");
  const RepetitionResult r = cell(cells, "naive", "keys").pooled();
  EXPECT_GT(r.anomalies.missing, 0u) << r.reads << " reads";
}

}  // namespace
}  // namespace mapsla
