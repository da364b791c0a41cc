// The open-loop table (run.interval, harness/open_loop.h) shared by the
// terminal, Markdown and HTML reports: per cell, the pass latency as timed
// from each pass's start next to the latency from when it was due, so the
// delay a slow pass imposes on the next ones is visible.
#pragma once

#include "reports/report_tables.h"

namespace mapsla {

// One row per cell with open-loop passes (medians across repetitions):
// interval, passes, late passes, pass P99, corrected pass P99 and max. No
// rows when no cell ran open loop.
Table open_loop_table(const Report& report);

inline constexpr const char* kOpenLoopExplanation =
    "Each pass was due every interval; 'corrected' times a pass from when it was due, so a "
    "backlog left by slow passes counts (coordinated omission); 'pass' times it from when it "
    "began.";

}  // namespace mapsla
