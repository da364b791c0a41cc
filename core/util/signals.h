// Ctrl-C and SIGTERM end a run cleanly: the handler only sets a flag; the
// runner stops between passes, every RAII owner undoes what it made (writer
// threads, pins, faults), the partial report is written, and mapsla exits
// 128 + signal. The handler is one-shot (SA_RESETHAND): a second Ctrl-C kills
// at once, and `mapsla cleanup` removes what that leaves.
#pragma once

namespace mapsla {

void install_stop_signals();
bool stop_requested();
int stop_signal();  // 0 when none

}  // namespace mapsla
