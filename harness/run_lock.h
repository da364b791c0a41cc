// Which runs are alive. Every `mapsla run` holds an exclusive flock(2) on
// /run/mapsla/RUN_ID.lock for as long as it lives (the file also records its
// pid and start time, for people); the kernel drops the lock when the process
// dies, SIGKILL included, so `mapsla cleanup` can tell a live run — whose
// pins, namespaces and stressors it must not touch — from a dead one's
// leftovers without trusting pids that may have been reused.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mapsla {

inline constexpr const char* kRunLockDir = "/run/mapsla";

class RunLock {
 public:
  // Creates and locks the run's lock file. Throws std::system_error when the
  // directory or file cannot be made, or when another live process holds it.
  explicit RunLock(const std::string& run_id, const std::filesystem::path& dir = kRunLockDir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// The owner of a live run ("pid 1234, started 2026-12-04T03:00:00Z"), or
// nullopt when no live process holds its lock (never locked, or its owner
// died). Never throws.
std::optional<std::string> live_run_owner(const std::string& run_id,
                                          const std::filesystem::path& dir = kRunLockDir);

// Removes the lock file of a run that is not alive; false when it is alive.
bool remove_dead_run_lock(const std::string& run_id,
                          const std::filesystem::path& dir = kRunLockDir);

}  // namespace mapsla
