// Open-loop pacing (run.interval): a reader that must complete a pass every
// `interval`, as an agent scraping a map on a schedule does.
//
// Closed-loop timing (one pass after the other) hides the cost of a slow
// pass: the passes it delayed start late and are timed from when they
// started, so the wait never shows (coordinated omission). Here pass k is
// due at start + k·interval and its corrected latency runs from that due
// time to its end. The timeline is built from the reader's own pass time
// (its timed ops), not from wall time, so mapsla's validation between ops
// never counts against the reader:
//   begin_k = max(due_k, end_{k-1}),  end_k = begin_k + pass_k,
//   corrected_k = end_k − due_k,      late_k = begin_k > due_k.
// The uncorrected pass latency (pass_k) is kept next to it.
#pragma once

#include <algorithm>
#include <cstdint>

namespace mapsla {

class OpenLoopSchedule {
 public:
  struct Pass {
    uint64_t corrected_ns = 0;
    bool late = false;
  };

  OpenLoopSchedule(uint64_t interval_ns, uint64_t start_ns)
      : interval_ns_(interval_ns), due_ns_(start_ns), end_ns_(start_ns) {}

  // CLOCK_MONOTONIC time at which the next pass is due.
  uint64_t next_due() const { return due_ns_; }

  // Accounts the pass that took `pass_ns` of reader time and moves to the next.
  Pass complete(uint64_t pass_ns) {
    const uint64_t begin = std::max(due_ns_, end_ns_);
    end_ns_ = begin + pass_ns;
    const Pass pass{end_ns_ - due_ns_, begin > due_ns_};
    due_ns_ += interval_ns_;
    return pass;
  }

 private:
  uint64_t interval_ns_;
  uint64_t due_ns_;
  uint64_t end_ns_;
};

}  // namespace mapsla
