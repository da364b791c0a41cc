// A log-linear latency histogram (HdrHistogram's layout with 2^7 sub-buckets
// per power of two). Values below 256 ns are exact; above, a bucket spans
// 1/128 of its lower bound, and percentiles report the bucket midpoint, so
// the relative error of any percentile is at most 0.4 % (tested against exact
// sorting in tests/unit/histogram_test.cpp). Recording is one clz and one
// increment; merging is element-wise.
//
// Only the span of buckets between the smallest and the largest value seen
// is stored (an empty histogram holds no buckets): a run keeps several
// histograms per cell and repetition, and the full 7 424-bucket array would
// make a long run's memory grow by tens of megabytes per repetition.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mapsla {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kExactBelow = uint64_t{1} << (kSubBucketBits + 1);  // 256
  static constexpr size_t kBuckets = kExactBelow + (63 - kSubBucketBits) * (1u << kSubBucketBits);

  LatencyHistogram() = default;

  void record(uint64_t value) { record_n(value, 1); }
  void record_n(uint64_t value, uint64_t n) {
    const size_t i = index_of(value);
    if (i < first_ || i - first_ >= counts_.size()) [[unlikely]]
      cover(i);
    counts_[i - first_] += n;
    count_ += n;
    sum_ += static_cast<double>(value) * static_cast<double>(n);
    if (value > max_) max_ = value;
    if (value < min_) min_ = value;
  }
  void merge(const LatencyHistogram& other);
  void clear();
  // Drops the growth slack (empty buckets at either end, spare capacity):
  // for a histogram that is done recording and will be kept.
  void compact();

  uint64_t count() const { return count_; }
  uint64_t max() const { return count_ ? max_ : 0; }
  uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double sum() const { return sum_; }
  size_t stored_buckets() const { return counts_.size(); }
  // Nearest-rank percentile, q in [0, 100]; 0 for an empty histogram.
  uint64_t percentile(double q) const;

  // Non-empty buckets as (lower bound, count), ascending: enough to draw a
  // CDF or to rebuild the histogram.
  std::vector<std::pair<uint64_t, uint64_t>> buckets() const;
  void add_bucket(uint64_t lower_bound, uint64_t n);
  // After rebuilding from buckets (which only know bucket midpoints), puts
  // back the exact minimum, maximum and sum a serialized summary kept, so
  // percentiles and means read back equal the ones written. No-op when empty.
  void restore_exact(uint64_t min, uint64_t max, double sum);

  static size_t index_of(uint64_t value) {
    if (value < kExactBelow) return static_cast<size_t>(value);
    const int exponent = 63 - __builtin_clzll(value);  // >= 8
    const int shift = exponent - kSubBucketBits;
    const uint64_t top = value >> shift;  // in [128, 256)
    return kExactBelow +
           static_cast<size_t>(exponent - kSubBucketBits - 1) * (1u << kSubBucketBits) +
           static_cast<size_t>(top - (1u << kSubBucketBits));
  }
  static uint64_t lower_bound_of(size_t index);
  static uint64_t width_of(size_t index);

 private:
  // Grows the stored span to include bucket `index`, with some slack so a
  // widening range costs amortized O(1) per recorded value.
  void cover(size_t index);

  std::vector<uint64_t> counts_;  // buckets [first_, first_ + counts_.size())
  size_t first_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace mapsla
