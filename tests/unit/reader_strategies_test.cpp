// The retry, snapshot and batched strategies without a kernel: the retry
// backoff arithmetic (bounds, full jitter, the error-rate window) and the
// strict reading of every strategy's scenario options.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/scenario_parser.h"
#include "readers/batched_reader.h"
#include "readers/retry_backoff.h"
#include "readers/retry_reader.h"
#include "readers/snapshot_reader.h"
#include "tests/unit/scenario_errors.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

RetryBackoffConfig config(uint64_t base, uint64_t max, uint32_t window = 16, double widen = 8) {
  return {base, max, window, widen};
}

TEST(RetryBackoff, CapDoublesFromBaseAndSaturatesAtMax) {
  const RetryBackoff b(config(1'000, 100'000));
  EXPECT_EQ(b.cap_ns(1), 1'000u);
  EXPECT_EQ(b.cap_ns(2), 2'000u);
  EXPECT_EQ(b.cap_ns(3), 4'000u);
  EXPECT_EQ(b.cap_ns(7), 64'000u);
  EXPECT_EQ(b.cap_ns(8), 100'000u);
  EXPECT_EQ(b.cap_ns(64), 100'000u);  // no shift overflow
  EXPECT_EQ(b.cap_ns(1000), 100'000u);
  EXPECT_EQ(b.cap_ns(0), 0u);
}

TEST(RetryBackoff, CapIsMonotonicAndNeverAboveMax) {
  const RetryBackoff b(config(3, 1'000'000'007));
  uint64_t previous = 0;
  for (uint32_t retry = 1; retry < 200; ++retry) {
    const uint64_t cap = b.cap_ns(retry);
    EXPECT_GE(cap, previous) << retry;
    EXPECT_LE(cap, 1'000'000'007u) << retry;
    previous = cap;
  }
  EXPECT_EQ(previous, 1'000'000'007u);
}

TEST(RetryBackoff, ZeroBaseMeansNoWait) {
  const RetryBackoff b(config(0, 0));
  for (uint32_t retry = 1; retry < 10; ++retry)
    EXPECT_EQ(b.delay_ns(retry, UINT64_MAX), 0u);
}

TEST(RetryBackoff, FullJitterSpansZeroToCap) {
  const RetryBackoff b(config(1'000, 100'000));
  for (uint32_t retry = 1; retry <= 10; ++retry) {
    const uint64_t cap = b.cap_ns(retry);
    EXPECT_EQ(b.delay_ns(retry, 0), 0u);
    EXPECT_EQ(b.delay_ns(retry, UINT64_MAX), cap);
    EXPECT_NEAR(static_cast<double>(b.delay_ns(retry, UINT64_MAX / 2)), cap / 2.0, 1.0);
  }
}

TEST(RetryBackoff, JitterFromARandomSourceStaysInRangeAndIsSpread) {
  const RetryBackoff b(config(1'000, 100'000));
  SplitMix64 rng(42);
  for (uint32_t retry = 1; retry <= 8; ++retry) {
    const uint64_t cap = b.cap_ns(retry);
    uint64_t lo = UINT64_MAX, hi = 0;
    double sum = 0;
    constexpr int kDraws = 20000;
    for (int i = 0; i < kDraws; ++i) {
      const uint64_t d = b.delay_ns(retry, rng.next());
      ASSERT_LE(d, cap);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      sum += static_cast<double>(d);
    }
    // Uniform on [0, cap]: extremes near both ends, mean near cap / 2.
    EXPECT_LT(lo, cap / 50 + 1) << retry;
    EXPECT_GT(hi, cap - cap / 50 - 1) << retry;
    EXPECT_NEAR(sum / kDraws, cap / 2.0, cap * 0.02) << retry;
  }
}

TEST(RetryBackoff, WindowWidensTheBaseWhileErrorsAreFrequent) {
  RetryBackoff b(config(1'000, 1'000'000, /*window=*/16, /*widen=*/8));
  EXPECT_DOUBLE_EQ(b.error_rate(), 0.0);
  EXPECT_EQ(b.effective_base_ns(), 1'000u);
  for (int i = 0; i < 200; ++i)
    b.record(true);
  EXPECT_GT(b.error_rate(), 0.99);
  // At a ~100% error rate the base is ~widen × base.
  EXPECT_GT(b.effective_base_ns(), 7'900u);
  EXPECT_LE(b.effective_base_ns(), 8'000u);
  EXPECT_GT(b.cap_ns(3), 31'600u);
  // Calm again: about `window` successes bring it most of the way back.
  for (int i = 0; i < 48; ++i)
    b.record(false);
  EXPECT_LT(b.error_rate(), 0.01);
  EXPECT_LT(b.effective_base_ns(), 1'100u);
}

TEST(RetryBackoff, WindowLengthSetsHowFastTheRateMoves) {
  RetryBackoff short_window(config(1'000, 1'000'000, 4));
  RetryBackoff long_window(config(1'000, 1'000'000, 256));
  for (int i = 0; i < 4; ++i) {
    short_window.record(true);
    long_window.record(true);
  }
  EXPECT_GT(short_window.error_rate(), 0.8);
  EXPECT_LT(long_window.error_rate(), 0.05);
  EXPECT_GT(short_window.effective_base_ns(), long_window.effective_base_ns());
}

TEST(RetryBackoff, WidenedBaseNeverExceedsMax) {
  RetryBackoff b(config(10'000, 20'000, 1, 1000));
  b.record(true);
  EXPECT_EQ(b.effective_base_ns(), 20'000u);
  EXPECT_EQ(b.cap_ns(1), 20'000u);
}

// --- option parsing -------------------------------------------------------

std::string scenario_with(const std::string& reader_entry, const std::string& map = "") {
  return "map: {kind: hash, entries: 1024" + map +
         "}\n"
         "writer: {driver: none}\n"
         "readers:\n"
         "  - " +
         reader_entry + "\n";
}

std::string error_of(const std::string& text) {
  return testing::scenario_parse_error(text, "r.yaml");
}

std::unique_ptr<Reader> create(const std::string& text) {
  const auto scenarios = parse_scenarios(text, "r.yaml");
  const ReaderSpec& spec = scenarios.at(0).readers.at(0);
  return builtin_readers().find(spec.reader)->create(spec.mode, *spec.options);
}

std::string setting(const Reader& reader, const std::string& key) {
  for (const auto& [k, v] : reader.settings())
    if (k == key) return v;
  return "(absent)";
}

TEST(ReaderOptions, NewStrategiesAreRegisteredWithTheirModes) {
  const ReaderRegistry& r = builtin_readers();
  ASSERT_NE(r.find("retry"), nullptr);
  ASSERT_NE(r.find("snapshot"), nullptr);
  ASSERT_NE(r.find("batched"), nullptr);
  EXPECT_EQ(r.find("retry")->modes, (std::vector<std::string>{"keys", "dump"}));
  EXPECT_EQ(r.find("snapshot")->modes, (std::vector<std::string>{"value", "pass"}));
  EXPECT_EQ(r.find("batched")->modes, (std::vector<std::string>{"batch"}));
}

TEST(ReaderOptions, RetryDefaultsAndSettingsEcho) {
  const auto reader = create(scenario_with("{reader: retry}"));
  EXPECT_EQ(reader->mode(), "keys");
  EXPECT_EQ(setting(*reader, "max_attempts"), "8");
  EXPECT_EQ(setting(*reader, "base_backoff"), "1us");
  EXPECT_EQ(setting(*reader, "max_backoff"), "100us");
  EXPECT_EQ(setting(*reader, "pass_deadline"), "1s");
  EXPECT_EQ(setting(*reader, "window"), "64");
  EXPECT_EQ(setting(*reader, "widen"), "8");
}

TEST(ReaderOptions, RetryReadsEveryOption) {
  const auto reader =
      create(scenario_with("{reader: retry, mode: dump, max_attempts: 5, base_backoff: 2us, "
                           "max_backoff: 3ms, pass_deadline: 250ms, window: 32, widen: 4}"));
  EXPECT_EQ(reader->mode(), "dump");
  EXPECT_EQ(setting(*reader, "max_attempts"), "5");
  EXPECT_EQ(setting(*reader, "base_backoff"), "2us");
  EXPECT_EQ(setting(*reader, "max_backoff"), "3ms");
  EXPECT_EQ(setting(*reader, "pass_deadline"), "250ms");
  EXPECT_EQ(setting(*reader, "window"), "32");
  EXPECT_EQ(setting(*reader, "widen"), "4");
  const auto& backoff = dynamic_cast<const RetryReader&>(*reader).backoff();
  EXPECT_EQ(backoff.config().base_ns, 2'000u);
  EXPECT_EQ(backoff.config().max_ns, 3'000'000u);
}

TEST(ReaderOptions, RetryRejectsBadOptionsWithFileLineField) {
  EXPECT_EQ(error_of(scenario_with("{reader: retry, max_attempts: 0}")),
            "r.yaml:4: field 'readers[0].max_attempts': 0 is out of range [1, 1000]");
  EXPECT_THAT(error_of(scenario_with("{reader: retry, max_attemps: 3}")),
              HasSubstr("r.yaml:4: field 'readers[0].max_attemps': unknown field"));
  EXPECT_THAT(error_of(scenario_with("{reader: retry, base_backoff: soon}")),
              HasSubstr("r.yaml:4: field 'readers[0].base_backoff': 'soon' is not a duration"));
  EXPECT_THAT(error_of(scenario_with("{reader: retry, base_backoff: 2us, max_backoff: 1us}")),
              HasSubstr("field 'readers[0].max_backoff': 1us is below base_backoff 2us"));
  EXPECT_THAT(error_of(scenario_with("{reader: retry, pass_deadline: 0s}")),
              HasSubstr("field 'readers[0].pass_deadline': 0s is out of range"));
  EXPECT_THAT(error_of(scenario_with("{reader: retry, widen: 0.5}")),
              HasSubstr("field 'readers[0].widen': 0.5 is out of range"));
  EXPECT_THAT(error_of(scenario_with("{reader: retry, window: 0}")),
              HasSubstr("field 'readers[0].window': 0 is out of range"));
  EXPECT_THAT(error_of(scenario_with("{reader: retry, mode: value}")),
              HasSubstr("field 'readers[0].mode': 'value' is not one of: keys, dump"));
}

TEST(ReaderOptions, SnapshotModesAndBudget) {
  const auto value = create(scenario_with("{reader: snapshot}"));
  EXPECT_EQ(value->mode(), "value");
  EXPECT_EQ(setting(*value, "max_attempts"), "8");
  EXPECT_THAT(setting(*value, "crc32c"), ::testing::AnyOf("sse4.2", "table"));
  const auto pass = create(scenario_with("{reader: snapshot, mode: pass, max_attempts: 3}"));
  EXPECT_EQ(pass->mode(), "pass");
  EXPECT_EQ(setting(*pass, "max_attempts"), "3");
  EXPECT_THAT(error_of(scenario_with("{reader: snapshot, mode: keys}")),
              HasSubstr("r.yaml:4: field 'readers[0].mode': 'keys' is not one of: value, pass"));
  EXPECT_EQ(error_of(scenario_with("{reader: snapshot, max_attempts: 1001}")),
            "r.yaml:4: field 'readers[0].max_attempts': 1001 is out of range [1, 1000]");
  EXPECT_THAT(error_of(scenario_with("{reader: snapshot, batch_size: 4}")),
              HasSubstr("field 'readers[0].batch_size': unknown field"));
}

TEST(ReaderOptions, SnapshotPassDoesNotApplyToHugeMaps) {
  const auto pass = create(scenario_with("{reader: snapshot, mode: pass}"));
  TargetSpec big{MapKind::hash, 1024, 1u << 20};
  EXPECT_FALSE(pass->applies_to(big).applicable);
  EXPECT_THAT(pass->applies_to(big).reason, HasSubstr("use mode value"));
  TargetSpec small{MapKind::hash, 64, 65536};
  EXPECT_TRUE(pass->applies_to(small).applicable);
}

TEST(ReaderOptions, BatchedDefaultsAndSettings) {
  const auto reader = create(scenario_with("{reader: batched}"));
  EXPECT_EQ(reader->mode(), "batch");
  EXPECT_EQ(setting(*reader, "batch_size"), "4096");
  const auto& batched = dynamic_cast<const BatchedReader&>(*reader);
  EXPECT_EQ(batched.batch_size(), 4096u);
  const auto sized = create(scenario_with("{reader: batched, batch_size: 7, max_batch_size: 64}"));
  EXPECT_EQ(setting(*sized, "batch_size"), "7");
  EXPECT_EQ(setting(*sized, "max_batch_size"), "64");
}

TEST(ReaderOptions, BatchedBatchSizesAreValidated) {
  // A batch larger than the map is legal: the kernel returns it all with ENOENT.
  EXPECT_NO_THROW(create(scenario_with("{reader: batched, batch_size: 4096}")));
  EXPECT_EQ(error_of(scenario_with("{reader: batched, batch_size: 16777217}")),
            "r.yaml:4: field 'readers[0].batch_size': 16777217 is out of range [1, 16777216]");
  EXPECT_EQ(error_of(scenario_with("{reader: batched, batch_size: 0}")),
            "r.yaml:4: field 'readers[0].batch_size': 0 is out of range [1, 16777216]");
  EXPECT_EQ(error_of(scenario_with("{reader: batched, batch_size: 8, max_batch_size: 4}")),
            "r.yaml:4: field 'readers[0].max_batch_size': 4 is below batch_size 8");
  EXPECT_NO_THROW(create(scenario_with("{reader: batched, max_batch_size: 2048}")));
  EXPECT_THAT(error_of(scenario_with("{reader: batched, batch: 4}")),
              HasSubstr("field 'readers[0].batch': unknown field"));
  EXPECT_THAT(error_of(scenario_with("{reader: batched, mode: dump}")),
              HasSubstr("field 'readers[0].mode': 'dump' is not one of: batch"));
}

TEST(ReaderOptions, BatchedIsNotApplicableWithoutKernelBatchOps) {
  const auto reader = create(scenario_with("{reader: batched}"));
  KernelFeatures features;
  features.batch_ops = {false, "BPF_MAP_LOOKUP_BATCH: EINVAL"};
  TargetSpec target{MapKind::hash, 64, 1024};
  target.features = &features;
  const Applicability a = reader->applies_to(target);
  EXPECT_FALSE(a.applicable);
  EXPECT_THAT(a.reason, HasSubstr("BPF_MAP_LOOKUP_BATCH"));
  features.batch_ops = {true, "ok"};
  EXPECT_TRUE(reader->applies_to(target).applicable);
}

}  // namespace
}  // namespace mapsla
