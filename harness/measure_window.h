// One measured window of one reader: warm-up passes (judged, then
// discarded), then passes until the window is over, in a thread pinned to
// the reader's CPUs, while the calling thread reports progress and — for a
// phased window — drives the faults.
//
// A phased window (harness/phases.h) runs `before`, then calls
// WindowPhases::start, switches to `during`, calls verify (its time counts
// in `during`, with the faults in effect), and when `during` is over calls
// stop and switches to `after`. The reader's results are split where the
// phase changes, at the next block handed to the oracle: that block, during
// which the phase changed, counts in the later phase (blocks last
// milliseconds; a pass still in progress ends in the later phase). The op
// latencies of `after` are binned by the time they ended, from the moment
// stop returned, for the recovery figure. A stop signal or an exception from
// start or verify ends the window at once; stop is still called.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "harness/oracle.h"
#include "harness/phases.h"
#include "harness/window_progress.h"
#include "model/scenario.h"
#include "model/version_board.h"
#include "readers/reader.h"
#include "reports/result.h"

namespace mapsla {

struct WindowPhases {
  PhaseDurations durations;
  // Called from the caller's thread. start and verify may throw (the window
  // then ends, stop is called, and the exception is rethrown after the
  // reader thread is joined); stop must not throw.
  std::function<void()> start;
  std::function<void()> verify;
  std::function<void()> stop;
};

struct WindowResult {
  RepetitionResult result;               // the window, or its during phase
  std::vector<RepetitionResult> phases;  // phased: before, during, after
  std::optional<Recovery> recovery;      // phased and the after phase ran
  std::vector<int> reader_cpus;          // the reader thread's affinity as observed
};

// `phases` null: an unphased window of run.warmup + run.duration.
WindowResult measure_window(Reader& reader, Oracle& oracle, const std::vector<int>& cpus,
                            const RunSpec& run, const VersionBoard& board, int index,
                            const WindowPhases* phases,
                            const std::function<void(const WindowProgress&)>& on_progress);

}  // namespace mapsla
