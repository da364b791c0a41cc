#include "reports/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace mapsla {
namespace {

uint64_t exact_percentile(std::vector<uint64_t> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(q / 100.0 * values.size())));
  return values[rank - 1];
}

void expect_within_one_percent(const std::vector<uint64_t>& values) {
  LatencyHistogram h;
  for (uint64_t v : values)
    h.record(v);
  for (double q : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const double exact = static_cast<double>(exact_percentile(values, q));
    const double approx = static_cast<double>(h.percentile(q));
    EXPECT_LE(std::abs(approx - exact), 0.01 * exact + 0.5) << "q=" << q << " exact=" << exact;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
}

TEST(LatencyHistogram, PercentilesWithinOnePercentOfExactSortForLognormalLatencies) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(450.0), 0.6);
  std::vector<uint64_t> values(200000);
  for (auto& v : values)
    v = static_cast<uint64_t>(dist(rng));
  expect_within_one_percent(values);
}

TEST(LatencyHistogram, PercentilesWithinOnePercentAcrossManyDecades) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(0.0, 12.0);
  std::vector<uint64_t> values(100000);
  for (auto& v : values)
    v = static_cast<uint64_t>(std::pow(10.0, exponent(rng)));
  expect_within_one_percent(values);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 256; ++v)
    h.record(v);
  EXPECT_EQ(h.percentile(50), 127u);
  EXPECT_EQ(h.percentile(100), 255u);
  EXPECT_EQ(h.percentile(0.1), 0u);
}

TEST(LatencyHistogram, BucketBoundsAreContiguousAndIndexRoundTrips) {
  for (size_t i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    const uint64_t lower = LatencyHistogram::lower_bound_of(i);
    ASSERT_EQ(LatencyHistogram::index_of(lower), i);
    ASSERT_EQ(lower + LatencyHistogram::width_of(i), LatencyHistogram::lower_bound_of(i + 1));
  }
  EXPECT_EQ(LatencyHistogram::index_of(UINT64_MAX), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 100000; v += 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  for (double q : {50.0, 99.0, 99.9})
    EXPECT_EQ(a.percentile(q), all.percentile(q));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
}

TEST(LatencyHistogram, StoresOnlyTheSpanItSawAndMergesDisjointSpans) {
  LatencyHistogram low, high, both;
  EXPECT_EQ(low.stored_buckets(), 0u);  // empty histograms cost nothing
  for (uint64_t v = 1'000; v < 2'000; v += 7) {
    low.record(v);
    both.record(v);
  }
  EXPECT_LE(low.stored_buckets(), 2u * 128u);             // one octave, with slack
  for (uint64_t v = 50'000'000; v > 1'000'000; v /= 3) {  // added downward: grows at the front
    high.record(v);
    both.record(v);
  }
  high.record(UINT64_MAX);
  both.record(UINT64_MAX);
  LatencyHistogram merged = high;
  merged.merge(low);
  for (double q : {0.0, 10.0, 50.0, 90.0, 99.0, 100.0})
    EXPECT_EQ(merged.percentile(q), both.percentile(q)) << q;
  EXPECT_EQ(merged.buckets(), both.buckets());
  EXPECT_LE(merged.stored_buckets(), LatencyHistogram::kBuckets);
  LatencyHistogram compacted = merged;
  compacted.compact();  // no slack: from the lowest to the highest bucket seen
  EXPECT_EQ(compacted.stored_buckets(),
            LatencyHistogram::index_of(UINT64_MAX) - LatencyHistogram::index_of(1'000) + 1);
  EXPECT_EQ(compacted.buckets(), both.buckets());
  EXPECT_EQ(compacted.percentile(99), both.percentile(99));
  compacted.record(5);  // still records below and above its span
  EXPECT_EQ(compacted.percentile(0), 5u);
  merged.clear();
  EXPECT_EQ(merged.stored_buckets(), 0u);
  EXPECT_EQ(merged.percentile(50), 0u);
}

TEST(LatencyHistogram, BucketsRebuildTheSamePercentiles) {
  LatencyHistogram h, rebuilt;
  for (uint64_t v = 100; v < 1'000'000; v = v * 11 / 10 + 1)
    h.record_n(v, v % 5 + 1);
  for (const auto& [lower, n] : h.buckets())
    rebuilt.add_bucket(lower, n);
  // Same buckets; only the clamp to the exact min/max can move a figure.
  for (double q : {50.0, 90.0, 99.0})
    EXPECT_NEAR(rebuilt.percentile(q), h.percentile(q), 0.01 * h.percentile(q));
  EXPECT_EQ(rebuilt.count(), h.count());
}

TEST(LatencyHistogram, TheHundredthPercentileIsTheExactMaximum) {
  // The last value of a wide bucket: the bucket's midpoint is far below it.
  const size_t index = LatencyHistogram::index_of(1'000'000);
  const uint64_t top =
      LatencyHistogram::lower_bound_of(index) + LatencyHistogram::width_of(index) - 1;
  LatencyHistogram h;
  h.record(1000);
  h.record(top);
  EXPECT_EQ(h.percentile(100), top);
  EXPECT_EQ(h.max(), top);
}

}  // namespace
}  // namespace mapsla
