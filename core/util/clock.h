// The one clock every latency in mapsla is measured with: CLOCK_MONOTONIC
// through the vDSO (about 20 ns on a TSC clocksource), the same clock an
// external reader is told to use, so frames and samples share a time base.
#pragma once

#include <time.h>

#include <cstdint>

namespace mapsla {

inline uint64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace mapsla
