// The test_run writer's two programs, each forced with `program:` on this
// kernel, through the real Runner: the SEC("syscall") + bpf_loop writer and
// its XDP fallback for Linux 5.10 (bpf/legacy_writer.bpf.c). Every test runs
// the same scenario and the same assertions for both, so the fallback is
// held to exactly what the syscall writer shows the readers: a quiet map
// reads clean, hash replace makes dumps repeat and skip keys, a seqlock
// writer is never torn for validated mmap reads while plain copies tear,
// and locked values are never torn for BPF_F_LOCK reads.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/bpf/writer_program.h"
#include "tests/integration/reader_guarantees.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::cell;
using testing::describe_counts;
using testing::expect_locked_reads_never_tear_while_naive_does;
using testing::expect_seqlock_validated_reads_never_tear_while_plain_copies_do;
using testing::run_yaml;

class TestRunProgramsTest : public testing::PrivilegedTest,
                            public ::testing::WithParamInterface<WriterProgram> {
 protected:
  std::string program() const { return std::string(to_string(GetParam())); }
  // The report says which program ran.
  void expect_program(const CellResult& c) const {
    ASSERT_TRUE(c.details.contains("writer")) << c.reader << "/" << c.mode;
    EXPECT_EQ(c.details["writer"].value("program", ""), program()) << c.details["writer"].dump();
  }
};

TEST_P(TestRunProgramsTest, QuietMapReadsCleanForNaiveAndBatched) {
  MAPSLA_REQUIRE_WRITER_PROGRAM(GetParam());
  MAPSLA_REQUIRE_FEATURE(batch_ops);
  // A writer that rewrites 500 of 65536 keys a second: a reader copies a
  // given key for a few nanoseconds every few milliseconds, so a copy
  // overlaps one of these writes about once in 10^5 windows. Every record
  // the program writes must validate, and every version it publishes must
  // be in the map by then (no torn, no stale), and a hash that is only
  // written in place never loses, repeats or skips a key.
  const auto cells = run_yaml(fmt::format(R"(
map: {{kind: hash, entries: 65536, value_size: 64}}
writer: {{driver: test_run, program: {}, pattern: inplace, cpus: [1], rate: 500}}
readers:
  - {{reader: naive, mode: keys, cpus: [0]}}
  - {{reader: naive, mode: dump, cpus: [0]}}
  - {{reader: batched, batch_size: 4096, cpus: [0]}}
run: {{warmup: 0s, duration: 500ms}}
)",
                                          program()));
  ASSERT_EQ(cells.size(), 3u);
  for (const CellResult& c : cells) {
    ASSERT_EQ(c.status, CellStatus::ok) << c.reader << "/" << c.mode << ": " << c.reason;
    expect_program(c);
    const RepetitionResult r = c.pooled();
    EXPECT_GT(r.writer_updates, 0u) << c.reader << "/" << c.mode;
    EXPECT_GE(r.passes, 1u) << c.reader << "/" << c.mode;
    EXPECT_EQ(r.anomalies.total(), 0u) << c.reader << "/" << c.mode << ": " << describe_counts(r);
  }
}

TEST_P(TestRunProgramsTest, HashReplaceMakesNaiveDumpsRepeatAndSkipKeys) {
  MAPSLA_REQUIRE_WRITER_PROGRAM(GetParam());
  // As NaiveReaderTest.ReplaceWriterMakesDumpsRepeatAndSkipKeys, and the
  // lookups of hash-replace.yaml alongside.
  const auto cells = run_yaml(fmt::format(R"(
map: {{kind: hash, entries: 4096, value_size: 64}}
writer: {{driver: test_run, program: {}, pattern: replace, cpus: [1]}}
readers:
  - {{reader: naive, mode: dump, cpus: [0]}}
run: {{warmup: 0s, duration: 1s}}
)",
                                          program()));
  const CellResult& c = cell(cells, "naive", "dump");
  ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
  expect_program(c);
  const RepetitionResult r = c.pooled();
  RecordProperty("naive_dump", describe_counts(r));
  EXPECT_GT(r.writer_updates, 0u);
  EXPECT_GT(r.anomalies.duplicate + r.anomalies.skipped, 0u) << describe_counts(r);
  EXPECT_EQ(r.anomalies.error_total(), 0u) << describe_counts(r);
}

TEST_P(TestRunProgramsTest, SeqlockValidationNeverTearsWhilePlainCopiesDo) {
  MAPSLA_REQUIRE_WRITER_PROGRAM(GetParam());
  MAPSLA_REQUIRE_FEATURE(mmapable_array);
  // As MmapReaderTest.SeqlockValidationNeverTearsWhilePlainCopiesDo: 64 keys
  // of 1 KiB rewritten flat out; rounds are added (at most three) until the
  // plain copies have torn, and the validated reads of every round count.
  expect_seqlock_validated_reads_never_tear_while_plain_copies_do(
      fmt::format(R"(
map: {{kind: array, entries: 64, value_size: 1024}}
writer: {{driver: test_run, program: {}, pattern: seqlock, cpus: [1], keys_per_run: 64}}
readers:
  - {{reader: mmap, mode: seqlock, cpus: [0]}}
  - {{reader: mmap, mode: none, cpus: [0]}}
run: {{warmup: 0s, duration: 400ms}}
)",
                  program()),
      [&](const std::vector<CellResult>& cells) {
        expect_program(cell(cells, "mmap", "seqlock"));
      });
}

TEST_P(TestRunProgramsTest, LockedReadsNeverTearWhilePlainLookupsDo) {
  MAPSLA_REQUIRE_WRITER_PROGRAM(GetParam());
  MAPSLA_REQUIRE_FEATURE(map_lock);
  if (GetParam() == WriterProgram::xdp) MAPSLA_REQUIRE_FEATURE(locked_writer_xdp);
  // As LockedReaderTest.LockedReadsNeverTearWhilePlainLookupsDo (hash).
  expect_locked_reads_never_tear_while_naive_does(
      fmt::format(R"(
map: {{kind: hash, entries: 64, value_size: 1024}}
writer: {{driver: test_run, program: {}, pattern: locked, cpus: [1], keys_per_run: 64}}
readers:
  - {{reader: locked, cpus: [0]}}
  - {{reader: naive, mode: keys, cpus: [0]}}
run: {{warmup: 0s, duration: 400ms}}
)",
                  program()),
      [&](const std::vector<CellResult>& cells) { expect_program(cell(cells, "locked", "keys")); });
}

TEST_P(TestRunProgramsTest, PercpuSlotsNameTheCpuThatWroteThem) {
  MAPSLA_REQUIRE_WRITER_PROGRAM(GetParam());
  // Each writer thread writes its own CPU's slot: the oracle checks that
  // every slot's record names the slot's CPU (no error, nothing backwards).
  const auto cells = run_yaml(fmt::format(R"(
map: {{kind: percpu_hash, entries: 1024, value_size: 64}}
writer: {{driver: test_run, program: {}, pattern: percpu, cpus: [1]}}
readers:
  - {{reader: percpu, mode: keys, cpus: [0]}}
run: {{warmup: 0s, duration: 300ms}}
)",
                                          program()));
  const CellResult& c = cell(cells, "percpu", "keys");
  ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
  expect_program(c);
  const RepetitionResult r = c.pooled();
  EXPECT_GT(r.writer_updates, 0u);
  EXPECT_EQ(r.anomalies.error_total(), 0u) << describe_counts(r);
  EXPECT_EQ(r.anomalies.non_monotonic + r.anomalies.stale, 0u) << describe_counts(r);
  EXPECT_EQ(r.anomalies.missing + r.anomalies.skipped + r.anomalies.duplicate, 0u)
      << describe_counts(r);
}

INSTANTIATE_TEST_SUITE_P(Programs, TestRunProgramsTest,
                         ::testing::Values(WriterProgram::syscall, WriterProgram::xdp),
                         [](const ::testing::TestParamInfo<WriterProgram>& info) {
                           return std::string(to_string(info.param));
                         });

}  // namespace
}  // namespace mapsla
