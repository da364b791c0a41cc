// Where a running measured window stands: what measure_window reports to
// its caller (and the runner to its observers) while a window runs.
#pragma once

#include <chrono>
#include <cstdint>

#include "harness/live_counters.h"

namespace mapsla {

// How often a window reports progress while it runs.
inline constexpr std::chrono::milliseconds kWindowProgressInterval{250};

// Where a running window stands (see window_progress).
struct WindowProgress {
  int repetition = 0;
  uint64_t elapsed_ns = 0;  // since the window began, warm-up included
  uint64_t total_ns = 0;    // warm-up + duration as planned
  bool warming_up = true;
  uint64_t measured_ns = 0;     // time since the measured part began
  uint64_t writer_updates = 0;  // committed since the measured part began
  LiveSnapshot live;            // the measured part so far (zero while warming up)
};

}  // namespace mapsla
