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
TEST(MannWhitney, ExactMatchesScipyDocumentationExample) {
  const auto r = mann_whitney_u({19, 22, 16, 29, 24}, {20, 11, 17, 12});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 17);
  EXPECT_DOUBLE_EQ(r.u2, 3);
  EXPECT_NEAR(r.p_value, 0.1111111111111111, 1e-12);
}

TEST(MannWhitney, ExactForSmallSamplesWithoutTies) {
  const auto three = mann_whitney_u({1, 2, 3}, {4, 5, 6});
  EXPECT_TRUE(three.exact);
  EXPECT_DOUBLE_EQ(three.u1, 0);
  EXPECT_NEAR(three.p_value, 0.1, 1e-12);  // 2 / C(6, 3)
  EXPECT_NEAR(mann_whitney_u({1, 2, 3, 4}, {5, 6, 7, 8}).p_value, 2.0 / 70, 1e-12);
  const auto mixed = mann_whitney_u({1.5, 2.5, 9.0, 4.0, 3.0}, {5, 6, 7, 8, 10, 11});
  EXPECT_DOUBLE_EQ(mixed.u1, 4);
  EXPECT_NEAR(mixed.p_value, 0.05194805194805195, 1e-12);
  // Symmetric in its arguments.
  EXPECT_NEAR(mann_whitney_u({4, 5, 6}, {1, 2, 3}).p_value, 0.1, 1e-12);
}

TEST(MannWhitney, NormalApproximationWithTieAndContinuityCorrection) {
  const auto ties = mann_whitney_u({1, 2, 2, 3, 4}, {2, 3, 5, 6, 6, 7});
  EXPECT_FALSE(ties.exact);
  EXPECT_DOUBLE_EQ(ties.u1, 4.5);
  EXPECT_NEAR(ties.p_value, 0.06414661873440443, 1e-12);
  std::vector<double> x, y;
  for (int i = 1; i <= 10; ++i) {
    x.push_back(i);
    y.push_back(i + 4.5);
  }
  const auto large = mann_whitney_u(x, y);  // both > 8: asymptotic even without ties
  EXPECT_FALSE(large.exact);
  EXPECT_DOUBLE_EQ(large.u1, 15);
  EXPECT_NEAR(large.p_value, 0.00910849639803097, 1e-12);
  EXPECT_NEAR(mann_whitney_u({0, 0, 0}, {3, 4, 5}).p_value, 0.06360256962075364, 1e-12);
  // Ties let 3 vs 3 go below the exact minimum of 0.1 (as scipy does).
  EXPECT_NEAR(mann_whitney_u({5, 5, 5}, {9, 9, 9}).p_value, 0.046854177603873774, 1e-12);
}

TEST(MannWhitney, AllTiedIsNoEvidence) {
  EXPECT_EQ(mann_whitney_u({5, 5, 5}, {5, 5, 5}).p_value, 1.0);
  EXPECT_EQ(mann_whitney_u({}, {1, 2}).p_value, 1.0);
}

TEST(MannWhitney, SmallestReachablePValue) {
  EXPECT_NEAR(mann_whitney_min_p(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(mann_whitney_min_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_NEAR(mann_whitney_min_p(5, 5), 2.0 / 252, 1e-12);
  EXPECT_NEAR(mann_whitney_min_p(2, 2), 1.0 / 3, 1e-12);
  EXPECT_EQ(mann_whitney_min_p(0, 3), 1.0);
  EXPECT_LT(mann_whitney_min_p(10, 10), 1e-3);
}

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
