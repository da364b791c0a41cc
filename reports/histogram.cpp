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

void LatencyHistogram::cover(size_t index) {
  if (counts_.empty()) {
    first_ = index;
    counts_.assign(1, 0);
    return;
  }
  if (index >= first_ && index - first_ < counts_.size()) return;
  const size_t slack = counts_.size() / 2;
  if (index < first_) {
    const size_t new_first = std::min(index, first_ > slack ? first_ - slack : 0);
    counts_.insert(counts_.begin(), first_ - new_first, 0);
    first_ = new_first;
  } else {
    const size_t end = std::min(kBuckets, std::max(index + 1, first_ + counts_.size() + slack));
    counts_.resize(end - first_, 0);
  }
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (!other.counts_.empty()) {
    cover(other.first_);
    cover(other.first_ + other.counts_.size() - 1);
    for (size_t i = 0; i < other.counts_.size(); ++i)
      counts_[other.first_ + i - first_] += other.counts_[i];
  }
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

void LatencyHistogram::compact() {
  const auto first = std::find_if(counts_.begin(), counts_.end(), [](uint64_t c) { return c; });
  if (first == counts_.end()) {
    counts_ = {};
    first_ = 0;
    return;
  }
  const auto last = std::find_if(counts_.rbegin(), counts_.rend(), [](uint64_t c) { return c; });
  std::vector<uint64_t> kept(first, last.base());
  first_ += static_cast<size_t>(first - counts_.begin());
  counts_ = std::move(kept);  // a fresh vector: capacity == size
}

void LatencyHistogram::clear() {
  counts_.clear();
  first_ = 0;
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
  for (size_t k = 0; k < counts_.size(); ++k) {
    seen += counts_[k];
    if (seen >= rank) {
      const size_t i = first_ + k;
      const uint64_t mid = lower_bound_of(i) + (width_of(i) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

std::vector<std::pair<uint64_t, uint64_t>> LatencyHistogram::buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t k = 0; k < counts_.size(); ++k)
    if (counts_[k]) out.emplace_back(lower_bound_of(first_ + k), counts_[k]);
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
