// The mmap reader against the real kernel: seqlock validation is what makes
// direct reads of a shared array safe. Under the seqlock writer, validated
// reads must never be torn while plain copies of the same array are; on a
// quiet array every mode reads every key clean.
#include <gtest/gtest.h>

#include "tests/integration/reader_guarantees.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::cell;
using testing::describe_counts;
using testing::expect_seqlock_validated_reads_never_tear_while_plain_copies_do;
using testing::run_yaml;

class MmapReaderTest : public testing::PrivilegedTest {};

TEST_F(MmapReaderTest, QuietArrayReadsCleanInEveryMode) {
  MAPSLA_REQUIRE_FEATURE(mmapable_array);
  const auto cells = run_yaml(R"(
map: {kind: array, entries: 4096, value_size: 256}
writer: {driver: none}
readers:
  - {reader: mmap, mode: seqlock}
  - {reader: mmap, mode: double_read}
  - {reader: mmap, mode: none, entries_per_op: 7}
run: {warmup: 0s, duration: 150ms}
)");
  for (const char* mode : {"seqlock", "double_read", "none"}) {
    const CellResult& c = cell(cells, "mmap", mode);
    ASSERT_EQ(c.status, CellStatus::ok) << mode << ": " << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GE(r.passes, 1u) << mode;
    EXPECT_EQ(r.reads, r.passes * 4096) << mode;
    EXPECT_EQ(r.anomalies.total(), 0u) << mode << ": " << describe_counts(r);
    EXPECT_EQ(r.attempts, r.reads) << mode << ": a quiet map needs no second copy";
  }
  // 4096 keys in groups of 7: 585 full groups and one of 1 per pass.
  const RepetitionResult none = cell(cells, "mmap", "none").pooled();
  EXPECT_EQ(none.ops, none.passes * 586);
}

TEST_F(MmapReaderTest, SeqlockValidationNeverTearsWhilePlainCopiesDo) {
  MAPSLA_REQUIRE_FEATURE(mmapable_array);
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  // 64 keys of 1 KiB rewritten flat out: a write takes long enough, and comes
  // round to each key often enough, that plain copies overlap writes. On a
  // busy machine the writer and reader do not always run at the same moment,
  // so rounds are added (at most three) until the plain copies have torn;
  // the validated reads of every round count.
  // The double_read copies run beside them, for the record only.
  RepetitionResult double_read;
  expect_seqlock_validated_reads_never_tear_while_plain_copies_do(
      R"(
map: {kind: array, entries: 64, value_size: 1024}
writer: {driver: test_run, pattern: seqlock, cpus: [1], keys_per_run: 64}
readers:
  - {reader: mmap, mode: seqlock, cpus: [0]}
  - {reader: mmap, mode: none, cpus: [0]}
  - {reader: mmap, mode: double_read, cpus: [0]}
run: {warmup: 0s, duration: 400ms}
)",
      [&](const std::vector<CellResult>& cells) {
        double_read.merge(cell(cells, "mmap", "double_read").pooled());
      });
  RecordProperty("double_read", describe_counts(double_read));
}

TEST_F(MmapReaderTest, NotApplicableWithTheReason) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  const auto on_hash = run_yaml(R"(
map: {kind: hash, entries: 64, value_size: 64}
writer: {driver: none}
readers: [{reader: mmap, mode: double_read}]
run: {warmup: 0s, duration: 20ms}
)");
  EXPECT_EQ(on_hash[0].status, CellStatus::not_applicable);
  EXPECT_NE(on_hash[0].reason.find("a hash cannot be mapped"), std::string::npos)
      << on_hash[0].reason;
  const auto inplace = run_yaml(R"(
map: {kind: array, entries: 64, value_size: 64}
writer: {driver: test_run, pattern: inplace}
readers: [{reader: mmap, mode: seqlock}, {reader: mmap, mode: double_read}]
run: {warmup: 0s, duration: 20ms}
)");
  EXPECT_EQ(cell(inplace, "mmap", "seqlock").status, CellStatus::not_applicable);
  EXPECT_NE(cell(inplace, "mmap", "seqlock").reason.find("seqlock writer pattern"),
            std::string::npos);
  EXPECT_EQ(cell(inplace, "mmap", "double_read").status, CellStatus::ok)
      << cell(inplace, "mmap", "double_read").reason;
}

}  // namespace
}  // namespace mapsla
