// The retry reader's backoff policy, kept apart from the reader so its
// arithmetic can be tested without a kernel, a clock or a random source.
//
// Exponential backoff with full jitter: before retry n (1-based) the reader
// waits a uniformly random time in [0, cap(n)], where
//   cap(n) = min(max_backoff, effective_base × 2^(n-1)).
// The "context-aware window": every attempt's outcome (1 = failed and will be
// retried, 0 = succeeded) feeds an exponentially weighted moving average with
// smoothing 2 / (window + 1), so it reflects about the last `window` attempts.
// While that recent error rate is high the base widens:
//   effective_base = min(max_backoff, base × (1 + (widen - 1) × rate)),
// i.e. `base` on a calm map, up to `widen × base` when every attempt fails.
// Not thread-safe: one instance per reader thread.
#pragma once

#include <algorithm>
#include <cstdint>

namespace mapsla {

struct RetryBackoffConfig {
  uint64_t base_ns = 1'000;
  uint64_t max_ns = 100'000;
  uint32_t window = 64;  // attempts the error-rate average spans
  double widen = 8.0;    // base multiplier at a 100% recent error rate (>= 1)
};

class RetryBackoff {
 public:
  explicit RetryBackoff(RetryBackoffConfig config)
      : config_(config), alpha_(2.0 / (static_cast<double>(config.window) + 1.0)) {}

  const RetryBackoffConfig& config() const { return config_; }

  // Feeds one attempt's outcome into the error-rate average.
  void record(bool failed) { rate_ += alpha_ * ((failed ? 1.0 : 0.0) - rate_); }
  double error_rate() const { return rate_; }

  uint64_t effective_base_ns() const {
    const double widened =
        static_cast<double>(config_.base_ns) * (1.0 + (config_.widen - 1.0) * rate_);
    return std::min<uint64_t>(config_.max_ns, static_cast<uint64_t>(widened));
  }

  // Upper bound of the wait before retry `retry` (1 = the first retry).
  uint64_t cap_ns(uint32_t retry) const {
    const uint64_t base = effective_base_ns();
    if (retry == 0) return 0;
    const uint32_t shift = retry - 1;
    // base << shift, saturating at max_ns (64-bit shifts past 63 are UB).
    if (base == 0) return 0;
    if (shift >= 63 || base > (config_.max_ns >> shift)) return config_.max_ns;
    return std::min(config_.max_ns, base << shift);
  }

  // Full jitter: maps a uniformly random 64-bit word onto [0, cap_ns(retry)].
  uint64_t delay_ns(uint32_t retry, uint64_t random_word) const {
    const uint64_t cap = cap_ns(retry);
    return static_cast<uint64_t>((static_cast<unsigned __int128>(random_word) * (cap + 1)) >> 64);
  }

 private:
  RetryBackoffConfig config_;
  double alpha_;
  double rate_ = 0.0;
};

// splitmix64: a tiny, fast, statistically sound source for jitter.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace mapsla
