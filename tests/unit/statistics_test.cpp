#include "reports/statistics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/unit/gate_fixtures.h"

namespace mapsla {
namespace {

using testing::cell;
using ::testing::HasSubstr;
using testing::repetition;

TEST(Statistics, MedianAndQuantile) {
  EXPECT_EQ(median({}), 0);
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  // R's quantile(type = 7): 1 + 0.9 * (5 - 1) on 1..5.
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4, 5}, 0.9), 4.6);
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4, 5}, 0.0), 1);
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4, 5}, 1.0), 5);
}

// Reference values: scipy.stats.mannwhitneyu's documentation example
// (U = 17, exact p = 0.1111111111111111, asymptotic p = 0.11134688653314041)
// and, for the rest, a brute-force enumeration of every assignment of the
// pooled values and the normal formula with tie correction, computed
// independently in Python.
TEST(CellStatistics, MedianMinMaxAndExactPerEntryOfEachRepetition) {
  // Three repetitions with constant latencies: every figure is known.
  const CellResult c = cell(
      "s", "naive", "keys",
      {repetition(0, 100, 20'000, 20'000, 2'400'000), repetition(1, 140, 20'000, 20'000, 3'000'000),
       repetition(2, 120, 20'000, 20'000, 2'000'000)});
  const CellStatistics s = cell_statistics(c);
  EXPECT_EQ(s.repetitions, 3u);
  EXPECT_EQ(s.samples, 60'000u);
  EXPECT_EQ(s.min_samples_per_repetition, 20'000u);
  EXPECT_EQ(s.op_p99.values, (std::vector<double>{100, 140, 120}));
  EXPECT_EQ(s.op_p99.median, 120);
  EXPECT_EQ(s.op_p99.min, 100);
  EXPECT_EQ(s.op_p99.max, 140);
  // Every sample of a repetition is equal: no resample can differ.
  EXPECT_EQ(s.op_p99.ci_low, 120);
  EXPECT_EQ(s.op_p99.ci_high, 120);
  EXPECT_EQ(s.per_entry_ns.values, (std::vector<double>{120, 150, 100}));
  EXPECT_EQ(s.per_entry_ns.median, 120);
  // 20 000 per repetition: enough for P99, not for P99.9.
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("op p99.9 rests on 20,000 samples"));
  EXPECT_THAT(s.warnings[0], HasSubstr("100,000"));
}

TEST(CellStatistics, WarnsForTooFewSamplesAndASingleRepetition) {
  const CellStatistics s =
      cell_statistics(cell("s", "naive", "keys", {repetition(0, 500, 4'000, 4'000, 2'000'000)}));
  ASSERT_EQ(s.warnings.size(), 3u);
  EXPECT_THAT(s.warnings[0], HasSubstr("op p99 rests on 4,000 samples, fewer than the 10,000"));
  EXPECT_THAT(s.warnings[1], HasSubstr("op p99.9"));
  EXPECT_THAT(s.warnings[2], HasSubstr("1 repetition"));
  const CellStatistics enough =
      cell_statistics(cell("s", "naive", "keys",
                           {repetition(0, 500, 200'000, 1, 1), repetition(1, 500, 200'000, 1, 1),
                            repetition(2, 500, 200'000, 1, 1)}));
  EXPECT_TRUE(enough.warnings.empty());
  EXPECT_EQ(cell_statistics(CellResult{}).repetitions, 0u);
}

// Lognormal latencies, the shape of real op latencies.
RepetitionResult lognormal_repetition(std::mt19937_64& rng, int index, uint64_t samples) {
  std::lognormal_distribution<double> dist(std::log(1000.0), 0.5);
  RepetitionResult r;
  r.index = index;
  uint64_t sum = 0;
  for (uint64_t i = 0; i < samples; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    r.op_latency.record(v);
    sum += v;
  }
  r.reads = samples;
  r.read_time_ns = sum;
  return r;
}

TEST(Bootstrap, IsDeterministicForAGivenSeed) {
  std::mt19937_64 rng(1);
  CellResult c;
  for (int i = 0; i < 3; ++i)
    c.repetitions.push_back(lognormal_repetition(rng, i, 20'000));
  BootstrapOptions options;
  options.resamples = 300;
  const CellStatistics a = cell_statistics(c, options), b = cell_statistics(c, options);
  EXPECT_EQ(a.op_p99.ci_low, b.op_p99.ci_low);
  EXPECT_EQ(a.op_p99.ci_high, b.op_p99.ci_high);
  EXPECT_EQ(a.per_entry_ns.ci_low, b.per_entry_ns.ci_low);
  EXPECT_LT(a.op_p99.ci_low, a.op_p99.ci_high);  // real data: a real interval
  EXPECT_LE(a.op_p99.ci_low, a.op_p99.median);
  EXPECT_GE(a.op_p99.ci_high, a.op_p99.median);
  EXPECT_LT(a.per_entry_ns.ci_low, a.per_entry_ns.median);
  EXPECT_GT(a.per_entry_ns.ci_high, a.per_entry_ns.median);
  options.seed += 1;
  const CellStatistics other = cell_statistics(c, options);
  // Another seed draws other replicates (the per-entry interval is continuous;
  // percentile intervals are bucket values and may well coincide).
  EXPECT_NE(std::make_pair(a.per_entry_ns.ci_low, a.per_entry_ns.ci_high),
            std::make_pair(other.per_entry_ns.ci_low, other.per_entry_ns.ci_high));
}

// The interval's promise: over many independent runs, it covers the true
// P99 about 95 % of the time, and it is not so wide as to be useless.
TEST(Bootstrap, CoversTheTrueP99AboutNinetyFivePercentOfTheTime) {
  const double true_p99 = std::exp(std::log(1000.0) + 0.5 * 2.3263478740408408);
  std::mt19937_64 rng(7);
  BootstrapOptions options;
  options.resamples = 200;
  int covered = 0;
  double widest = 0;
  const int trials = 100;
  for (int t = 0; t < trials; ++t) {
    CellResult c;
    for (int i = 0; i < 3; ++i)
      c.repetitions.push_back(lognormal_repetition(rng, i, 10'000));
    const CellStatistics s = cell_statistics(c, options);
    covered += s.op_p99.ci_low <= true_p99 * 1.004 && true_p99 <= s.op_p99.ci_high * 1.004;
    widest = std::max(widest, (s.op_p99.ci_high - s.op_p99.ci_low) / true_p99);
  }
  EXPECT_GE(covered, 85) << "of " << trials;
  EXPECT_LT(widest, 0.25);
}

}  // namespace
}  // namespace mapsla
