// What `mapsla cleanup` removes: everything a run tags with its run id and
// could leave behind if killed with SIGKILL. Each kind of leftover has one
// cleaner; faults that create host state add theirs here.
#pragma once

#include <string>
#include <vector>

namespace mapsla {

// Removes what runs left behind (one run when `run_id` is set, else every
// mapsla run); returns one line per object removed. Idempotent.
std::vector<std::string> cleanup_leftovers(const std::string& run_id);

// A new run id: 8 lowercase hex digits, short enough to tag interface names.
std::string new_run_id();

}  // namespace mapsla
