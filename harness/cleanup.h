// What `mapsla cleanup` removes: everything a run tags with its run id and
// could leave behind if killed with SIGKILL (pins under
// /sys/fs/bpf/mapsla/RUN_ID, network namespaces mapsla-RUN_ID-tx/rx with
// their veth, qdiscs and filters, host veths msRUN_IDa/b, processes tagged
// MAPSLA_SPAWNED_BY_RUN=RUN_ID). Each kind of leftover has one cleaner;
// faults that create host state add theirs here.
//
// Cleanup spares live runs: a run whose lock (harness/run_lock.h) is still
// held by a live process is left alone and named, so a cleanup step on a CI
// runner never breaks another job's run. Forcing (or naming the run) cleans
// it anyway.
#pragma once

#include <string>
#include <vector>

namespace mapsla {

struct CleanupReport {
  std::vector<std::string> removed;  // one line per object removed
  std::vector<std::string> spared;   // "run 1a2b3c4d (pid 42, started …): live, left alone"
};

// Cleans one run (`run_id` set: even when it is alive) or every run whose
// owner is gone (`run_id` empty; live ones too with `force`). Idempotent.
CleanupReport cleanup_leftovers(const std::string& run_id, bool force = false);

// Run ids that have something left on this host (pins, namespaces, veths,
// tagged processes), sorted.
std::vector<std::string> runs_with_leftovers();

// A new run id: 8 lowercase hex digits, short enough to tag interface names.
std::string new_run_id();

}  // namespace mapsla
