// The coarse op-latency buckets every Prometheus histogram of mapsla uses
// (live and final alike, so the two can be compared): 250 ns to 1 s in a
// 1-2.5-5 progression, in nanoseconds; Prometheus exports them in seconds.
// Index kLatencyBoundsNs.size() is the +Inf bucket.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace mapsla {

inline constexpr std::array<uint64_t, 20> kLatencyBoundsNs = {
    250,        500,        1'000,      2'500,       5'000,       10'000,       25'000,
    50'000,     100'000,    250'000,    500'000,     1'000'000,   2'500'000,    5'000'000,
    10'000'000, 25'000'000, 50'000'000, 100'000'000, 250'000'000, 1'000'000'000};
inline constexpr size_t kLatencyBucketCount = kLatencyBoundsNs.size() + 1;

// The first bucket whose upper bound is >= ns (Prometheus "le" semantics).
inline size_t latency_bucket_of(uint64_t ns) {
  size_t i = 0;
  while (i < kLatencyBoundsNs.size() && ns > kLatencyBoundsNs[i])
    ++i;
  return i;
}

}  // namespace mapsla
