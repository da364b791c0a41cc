// Long-running helpers mapsla starts and stops in order (stress-ng), on top
// of the core process layer (core/util/process.h): each in its own process
// group, tagged with the run id in its environment
// (kRunTagEnv=RUN_ID, inherited by everything it forks), so that
// `mapsla cleanup` can find and kill what a killed run left behind.
//
// Lifetime: ProcessGroup kills and reaps its group on every path. Its
// destructor calls terminate(); a Ctrl-C only sets the stop flag
// (core/util/signals.h), so the runner unwinds and the destructor runs. If
// mapsla itself dies by SIGKILL, the leader gets SIGKILL from the kernel
// (PR_SET_PDEATHSIG, set for the thread that created the group) and a
// stressor that outlives it anyway is bounded by its own timeout and found
// by kill_tagged_processes(). The group is not the terminal's foreground
// group, so a terminal Ctrl-C reaches mapsla only, which then stops the
// child in order (its metrics written).
//
// Not thread-safe: one thread owns a ProcessGroup.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/process.h"

namespace mapsla {

inline constexpr const char* kRunTagEnv = "MAPSLA_SPAWNED_BY_RUN";

// A live process as /proc shows it.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t pgid = 0;
  std::string comm;
  char state = '?';
  double user_s = 0;         // CPU time in user mode so far
  double system_s = 0;       // … in kernel mode
  uint64_t runtime_ns = 0;   // time on a CPU (/proc/PID/schedstat; 0 when unavailable)
  std::string cpus_allowed;  // Cpus_allowed_list, e.g. "0" or "0-1"
};

// Every process in process group `pgid` (zombies included, state 'Z').
std::vector<ProcessInfo> processes_in_group(pid_t pgid);

// "exit 3", "signal 9 (SIGKILL)".
std::string describe_wait_status(int status);

class ProcessGroup {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] is looked up with find_executable
    std::string run_id;             // the tag's value
    std::filesystem::path output;   // stdout and stderr (empty: /dev/null)
  };

  // Starts argv in a new process group. Throws std::system_error when
  // argv[0] is not found, std::runtime_error naming the step when the start
  // fails (ChildProcess::launch).
  explicit ProcessGroup(const Options& options);
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;
  ~ProcessGroup();

  pid_t pid() const { return pid_; }  // the leader; also the process group id
  const std::string& command_line() const { return command_line_; }

  // The leader's wait status once it has exited (it is reaped here), else
  // nullopt. Never blocks.
  std::optional<int> poll();

  // Stops the group and reaps the leader: `first_signal` to the leader alone
  // (SIGINT lets stress-ng stop its workers and write its metrics), then
  // after `grace` SIGTERM to the whole group, then after another `grace`
  // SIGKILL to the group; finally waits (up to `grace`) until no live member
  // of the group remains. Idempotent; returns the leader's wait status and
  // records which signal ended it (stopped_by()).
  int terminate(int first_signal = SIGTERM,
                std::chrono::milliseconds grace = std::chrono::milliseconds(1000));
  // "exited" when the leader was gone before terminate(), else the signal
  // that ended it ("SIGINT", "SIGTERM", "SIGKILL"); empty while running.
  const std::string& stopped_by() const { return stopped_by_; }

 private:
  bool wait_leader(std::chrono::milliseconds timeout);

  std::optional<ChildProcess> child_;
  pid_t pid_ = -1;
  std::string command_line_;
  std::optional<int> status_;
  std::string stopped_by_;
  bool terminated_ = false;
};

// The run ids tagged on live processes (kRunTagEnv).
std::vector<std::string> tagged_run_ids();

// Kills every process group that carries `run_id`'s tag (every run's tag
// when empty) with SIGKILL; returns one line per process killed. Never kills
// the calling process or its own group. Idempotent.
std::vector<std::string> kill_tagged_processes(const std::string& run_id);

}  // namespace mapsla
