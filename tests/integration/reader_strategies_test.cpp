// retry, snapshot and batched against the real kernel: each must deliver the
// guarantee its header states, measured by the oracle next to naive in the
// same run, and none may report anomalies on a quiet map.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "core/bpf/error.h"
#include "harness/oracle.h"
#include "harness/target_map.h"
#include "readers/batched_reader.h"
#include "reports/json_report.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::cell;
using testing::run_yaml;

class ReaderStrategiesTest : public testing::PrivilegedTest {};

std::string describe(const RepetitionResult& r) {
  const AnomalyCounts& a = r.anomalies;
  return "passes " + std::to_string(r.passes) + " reads " + std::to_string(r.reads) + " torn " +
         std::to_string(a.torn) + " missing " + std::to_string(a.missing) + " skipped " +
         std::to_string(a.skipped) + " dup " + std::to_string(a.duplicate) + " errors " +
         std::to_string(a.error_total());
}

double per_million(uint64_t n, uint64_t reads) {
  return reads ? 1e6 * static_cast<double>(n) / static_cast<double>(reads) : 0.0;
}

TEST_F(ReaderStrategiesTest, RetryMissesFewerKeysThanNaiveUnderChurn) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  // 64 keys rewritten by one program run each: every key is deleted and
  // re-inserted every few microseconds, so plain lookups often land in the gap.
  const auto cells = run_yaml(R"(
map: {kind: hash, entries: 64, value_size: 64}
writer: {driver: test_run, pattern: churn, cpus: [1], keys_per_run: 64}
readers:
  - {reader: naive, mode: keys, cpus: [0]}
  - {reader: retry, mode: keys, cpus: [0]}
run: {warmup: 0s, duration: 700ms}
)");
  const CellResult& naive = cell(cells, "naive", "keys");
  const CellResult& retry = cell(cells, "retry", "keys");
  ASSERT_EQ(naive.status, CellStatus::ok) << naive.reason;
  ASSERT_EQ(retry.status, CellStatus::ok) << retry.reason;
  const RepetitionResult n = naive.pooled();
  const RepetitionResult r = retry.pooled();
  ASSERT_GT(n.writer_updates, 0u);
  ASSERT_GT(r.writer_updates, 0u);
  ASSERT_GT(n.anomalies.missing, 0u)
      << "the churn writer made no key go missing for naive: " << describe(n);
  EXPECT_LT(r.anomalies.missing, n.anomalies.missing)
      << "naive: " << describe(n) << "\nretry: " << describe(r);
  EXPECT_LT(per_million(r.anomalies.missing, r.reads), per_million(n.anomalies.missing, n.reads));
  // The retries show in the report.
  const nlohmann::json summary = to_json(retry)["summary"];
  EXPECT_GT(summary["attempts"]["mean"].get<double>(), 1.0) << summary["attempts"];
  EXPECT_GT(summary["attempts"]["max"].get<uint64_t>(), 1u) << summary["attempts"];
  EXPECT_DOUBLE_EQ(to_json(naive)["summary"]["attempts"]["mean"].get<double>(), 1.0);
  std::cout << "[ numbers  ] churn, 64 keys: naive missing " << n.anomalies.missing << " in "
            << n.reads << " reads; retry missing " << r.anomalies.missing << " in " << r.reads
            << " reads, attempts mean " << summary["attempts"]["mean"] << " max "
            << summary["attempts"]["max"] << "\n";
}

TEST_F(ReaderStrategiesTest, SnapshotValueTearsLessThanNaiveUnderInPlaceWriter) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  // As NaiveReaderTest.InPlaceWriterTearsKeyLookups: few keys, 1 KiB values.
  const auto cells = run_yaml(R"(
map: {kind: array, entries: 256, value_size: 1024}
writer: {driver: test_run, pattern: inplace, cpus: [1], keys_per_run: 256}
readers:
  - {reader: naive, mode: keys, cpus: [0]}
  - {reader: snapshot, mode: value, cpus: [0]}
run: {warmup: 0s, duration: 800ms}
)");
  const CellResult& naive = cell(cells, "naive", "keys");
  const CellResult& snapshot = cell(cells, "snapshot", "value");
  ASSERT_EQ(naive.status, CellStatus::ok) << naive.reason;
  ASSERT_EQ(snapshot.status, CellStatus::ok) << snapshot.reason;
  const RepetitionResult n = naive.pooled();
  const RepetitionResult s = snapshot.pooled();
  ASSERT_GT(n.anomalies.torn, 0u) << "the in-place writer tore nothing for naive: " << describe(n);
  EXPECT_LT(s.anomalies.torn, n.anomalies.torn)
      << "naive: " << describe(n) << "\nsnapshot: " << describe(s);
  EXPECT_LT(per_million(s.anomalies.torn, s.reads), per_million(n.anomalies.torn, n.reads));
  EXPECT_GT(s.max_attempts, 1u) << "no copy pair ever disagreed under an in-place writer";
  EXPECT_EQ(s.anomalies.missing, 0u);
  std::cout << "[ numbers  ] inplace, 256 x 1 KiB: naive torn " << n.anomalies.torn << " in "
            << n.reads << " reads; snapshot torn " << s.anomalies.torn << " in " << s.reads
            << " reads, max attempts " << s.max_attempts << "\n";
}

TEST_F(ReaderStrategiesTest, RetryRetriesTornValuesOnlyWhenToldValuesCarryACheck) {
  // The default retry decides from errno alone, as an agent whose values
  // carry no integrity check must: it tears like naive. With retry_torn it
  // re-reads values whose check fails, and its cell says so.
  const auto cells = run_yaml(R"(
map: {kind: array, entries: 256, value_size: 1024}
writer: {driver: test_run, pattern: inplace, cpus: [1], keys_per_run: 256}
readers:
  - {reader: retry, mode: keys, cpus: [0]}
  - {reader: retry, mode: keys, cpus: [0], retry_torn: true}
run: {warmup: 0s, duration: 800ms}
)");
  ASSERT_EQ(cells.size(), 2u);
  const CellResult& plain = cells[0];
  const CellResult& checked = cells[1];
  ASSERT_EQ(plain.status, CellStatus::ok) << plain.reason;
  ASSERT_EQ(checked.status, CellStatus::ok) << checked.reason;
  auto setting = [](const CellResult& c, const std::string& name) {
    for (const auto& [k, v] : c.settings)
      if (k == name) return v;
    return std::string("(absent)");
  };
  EXPECT_EQ(setting(plain, "retry_on"), "errno");
  EXPECT_EQ(setting(checked, "retry_on"), "errno+integrity");
  const RepetitionResult p = plain.pooled();
  const RepetitionResult c = checked.pooled();
  ASSERT_GT(p.anomalies.torn, 0u) << "errno-only retry read nothing torn: " << describe(p);
  EXPECT_EQ(p.attempts, p.reads) << "errno-only retry retried on an array that never says ENOENT";
  EXPECT_LT(per_million(c.anomalies.torn, c.reads), per_million(p.anomalies.torn, p.reads))
      << "errno only: " << describe(p) << "\nerrno+integrity: " << describe(c);
  EXPECT_GT(c.attempts, c.reads) << "retry_torn never retried a torn value";
  std::cout << "[ numbers  ] inplace, 256 x 1 KiB: retry (errno) torn " << p.anomalies.torn
            << " in " << p.reads << " reads; retry (errno+integrity) torn " << c.anomalies.torn
            << " in " << c.reads << " reads\n";
}

TEST_F(ReaderStrategiesTest, QuietMapReadsCleanForEveryNewStrategy) {
  const auto cells = run_yaml(R"(
map: {kind: hash, entries: 5000, value_size: 256}
writer: {driver: none}
readers:
  - {reader: retry, mode: keys}
  - {reader: retry, mode: dump}
  - {reader: snapshot, mode: value}
  - {reader: snapshot, mode: pass}
run: {warmup: 0s, duration: 150ms}
)");
  ASSERT_EQ(cells.size(), 4u);
  for (const CellResult& c : cells) {
    ASSERT_EQ(c.status, CellStatus::ok) << c.reader << "/" << c.mode << ": " << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GE(r.passes, 1u) << c.reader << "/" << c.mode;
    EXPECT_EQ(r.reads, r.passes * 5000) << c.reader << "/" << c.mode;
    EXPECT_EQ(r.anomalies.total(), 0u) << c.reader << "/" << c.mode << ": " << describe(r);
    EXPECT_EQ(r.attempts, r.reads) << c.reader << "/" << c.mode << ": retried on a quiet map";
  }
}

// Every key exactly once per pass, whatever the batch size relative to the
// map and its buckets (1: one entry per call; 7: batches straddle buckets;
// 4096: a partial second batch; max_entries: the whole map in one call).
TEST_F(ReaderStrategiesTest, BatchedReturnsEveryKeyOnceForEveryBatchSize) {
  MAPSLA_REQUIRE_FEATURE(batch_ops);
  constexpr uint64_t kKeys = 5000;  // above 4096, so that size takes two calls
  for (const char* kind : {"hash", "array"}) {
    const auto cells = run_yaml(std::string("map: {kind: ") + kind +
                                R"(, entries: 5000, value_size: 64}
writer: {driver: none}
readers:
  - {reader: batched, batch_size: 1}
  - {reader: batched, batch_size: 7}
  - {reader: batched, batch_size: 64}
  - {reader: batched, batch_size: 4096, max_batch_size: 4096}
  - {reader: batched, batch_size: 5000}
run: {warmup: 0s, duration: 60ms}
)");
    ASSERT_EQ(cells.size(), 5u);
    for (const CellResult& c : cells) {
      std::string batch;
      for (const auto& [k, v] : c.settings)
        if (k == "batch_size") batch = v;
      const std::string where = std::string(kind) + ", batch_size " + batch;
      ASSERT_EQ(c.status, CellStatus::ok) << where << ": " << c.reason;
      const RepetitionResult r = c.pooled();
      EXPECT_GE(r.passes, 1u) << where;
      EXPECT_EQ(r.reads, r.passes * kKeys) << where << ": " << describe(r);
      EXPECT_EQ(r.anomalies.total(), 0u) << where << ": " << describe(r);
      // One op per batch call, at most `batch` entries each. An array fills
      // every batch (plus a last, empty ENOENT call when the size divides
      // evenly); a hash batch stops early when the next bucket does not fit,
      // and an ENOSPC grows the batch, up to the largest batch reported.
      const uint64_t b = std::stoul(batch);
      const uint64_t largest = c.details["reader"].value("largest_batch", uint64_t{0});
      ASSERT_GE(largest, b) << where;
      const uint64_t calls = (kKeys + largest - 1) / largest;
      EXPECT_GE(r.ops, r.passes * calls) << where;
      if (std::string(kind) == "array") {
        EXPECT_EQ(largest, b) << where << ": an array never answers ENOSPC";
        EXPECT_LE(r.ops, r.passes * (calls + 1)) << where;
      }
    }
  }
}

// A hash whose 64 keys live in 64 buckets (n_buckets = max_entries rounded up
// to a power of two) always has buckets holding several keys; with a batch of
// one entry, such a bucket answers ENOSPC until the batch has grown to fit it.
TEST_F(ReaderStrategiesTest, BatchedGrowsPastEnospcOnACrowdedBucket) {
  MAPSLA_REQUIRE_FEATURE(batch_ops);
  const MapSpec spec{MapKind::hash, 64, 64, 64, {}};
  TargetMap map(spec, "itest_enospc");
  VersionBoard board(spec.keys);
  map.prefill(board);
  const ReadTarget target{map.view(), spec.keys, WriterPattern::inplace, ""};

  BatchedReader reader({.batch_size = 1, .max_batch_size = 0});
  reader.attach(target);
  Oracle oracle(target, board, reader.entries_per_block());
  constexpr int kPasses = 3;
  for (int pass = 0; pass < kPasses; ++pass) {
    oracle.begin_pass();
    reader.read_pass(oracle);
    oracle.end_pass();
  }
  const RepetitionResult& r = oracle.results();
  EXPECT_GT(reader.enospc_count(), 0u) << "no ENOSPC: no bucket held two keys?";
  EXPECT_GT(reader.largest_batch(), 1u);
  EXPECT_EQ(r.reads, kPasses * 64u) << describe(r);
  EXPECT_EQ(r.anomalies.total(), 0u) << describe(r);
  std::cout << "[ numbers  ] 64-key hash, batch_size 1: " << reader.enospc_count() << " ENOSPC in "
            << kPasses << " passes, batch grew to " << reader.largest_batch() << "\n";

  // With no room to grow, the same bucket is a clear error, not a short pass.
  BatchedReader capped({.batch_size = 1, .max_batch_size = 1});
  capped.attach(target);
  Oracle capped_oracle(target, board, capped.entries_per_block());
  capped_oracle.begin_pass();
  try {
    capped.read_pass(capped_oracle);
    ADD_FAILURE() << "a crowded bucket with max_batch_size 1 did not fail";
  } catch (const BpfError& e) {
    EXPECT_EQ(e.error_number(), ENOSPC);
    EXPECT_NE(std::string(e.what()).find("max_batch_size 1"), std::string::npos) << e.what();
  }
}

TEST_F(ReaderStrategiesTest, BatchedReadsPerCpuAndLruKinds) {
  MAPSLA_REQUIRE_FEATURE(batch_ops);
  // The LRU map has room to spare so that the prefill evicts nothing.
  for (const char* map : {"{kind: lru_hash, entries: 4096, keys: 2000, value_size: 256}",
                          "{kind: percpu_hash, entries: 2000, value_size: 256}",
                          "{kind: percpu_array, entries: 2000, value_size: 256}"}) {
    const std::string kind = map;
    const auto cells = run_yaml("map: " + kind + R"(
writer: {driver: none}
readers:
  - {reader: batched, batch_size: 100}
run: {warmup: 0s, duration: 50ms}
)");
    const CellResult& c = cell(cells, "batched", "batch");
    ASSERT_EQ(c.status, CellStatus::ok) << kind << ": " << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GE(r.passes, 1u) << kind;
    EXPECT_EQ(r.reads, r.passes * 2000) << kind << ": " << describe(r);
    EXPECT_EQ(r.anomalies.total(), 0u) << kind << ": " << describe(r);
  }
}

}  // namespace
}  // namespace mapsla
