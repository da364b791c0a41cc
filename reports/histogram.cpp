#include "reports/histogram.h"

#include <algorithm>
#include <cmath>

namespace mapsla {

uint64_t LatencyHistogram::lower_bound_of(size_t index) {
  if (index < kExactBelow) return index;
  const size_t k = index - kExactBelow;
  const int exponent = static_cast<int>(k >> kSubBucketBits) + kSubBucketBits + 1;
  const uint64_t top = (uint64_t{1} << kSubBucketBits) + (k & ((1u << kSubBucketBits) - 1));
  return top << (exponent - kSubBucketBits);
}

uint64_t LatencyHistogram::width_of(size_t index) {
  if (index < kExactBelow) return 1;
  const int exponent =
      static_cast<int>((index - kExactBelow) >> kSubBucketBits) + kSubBucketBits + 1;
  return uint64_t{1} << (exponent - kSubBucketBits);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

void LatencyHistogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  max_ = 0;
  min_ = UINT64_MAX;
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 100.0);
  // The 100th percentile is the largest sample, which is kept exactly: a
  // bucket midpoint could be up to 0.4 % below it (op_max, pass_max gates).
  if (q >= 100.0) return max_;
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t mid = lower_bound_of(i) + (width_of(i) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

std::vector<std::pair<uint64_t, uint64_t>> LatencyHistogram::buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i < kBuckets; ++i)
    if (counts_[i]) out.emplace_back(lower_bound_of(i), counts_[i]);
  return out;
}

void LatencyHistogram::add_bucket(uint64_t lower_bound, uint64_t n) {
  const uint64_t mid = lower_bound + (width_of(index_of(lower_bound)) - 1) / 2;
  record_n(mid, n);
}

void LatencyHistogram::restore_exact(uint64_t min, uint64_t max, double sum) {
  if (count_ == 0) return;
  min_ = min;
  max_ = max;
  sum_ = sum;
}

}  // namespace mapsla
