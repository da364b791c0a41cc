// The one process layer of mapsla: every program mapsla starts (external
// readers, bpftool, stress-ng, ip/tc, gnuplot, the VM script, the probes'
// helpers) is started here and leaves nothing behind.
//
// launch() forks, and the child, before exec, puts itself in a new process
// group, restores default signal dispositions and an empty signal mask, pins
// itself to the given CPUs and its memory to the given NUMA nodes, changes to
// the given directory, wires stdin to /dev/null, stdout and stderr to pipes the
// parent reads, /dev/null or a file, the requested descriptors to 3, 4, … (every other
// descriptor is closed by exec), optionally drops its privileges, and asks the
// kernel to SIGKILL it if the forking thread dies. A step that fails in the
// child is reported back through a close-on-exec pipe, so launch() either
// returns a running, exec'd program or throws std::runtime_error naming the
// step and the errno; it never leaves a child behind.
//
// Privilege drop (Credentials): as root, the child clears its ambient
// capabilities and its bounding set, drops supplementary groups, switches
// real/effective/saved gid and uid, sets every capability set to empty and
// PR_SET_NO_NEW_PRIVS, then checks with capget that nothing is left (with
// Credentials::capabilities: keeps those through the uid switch with
// PR_SET_KEEPCAPS, raises them as ambient, and checks that exactly they are
// left). When
// mapsla itself is not root it cannot change uid: the child keeps its uid and
// still empties its capability sets (and its bounding set when it may).
//
// Signals go to the whole process group, so a shell script's own children die
// with it. The owner reaps the child (wait_exit/reap); the destructor SIGKILLs
// the group and reaps whatever is still running. Not thread-safe: one thread
// owns a ChildProcess at a time.
#pragma once

#include <sys/types.h>

#include <csignal>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/bpf/fd.h"

namespace mapsla {

inline constexpr int kMaxNumaNodes = 1024;

struct Credentials {
  uid_t uid = 65534;
  gid_t gid = 65534;
  // Capabilities the child keeps (bit N: capability N) in its effective,
  // permitted, inheritable, ambient and bounding sets, so that they survive
  // exec; every other one is dropped. 0: none (the default).
  uint64_t capabilities = 0;
};

// Where a child's stdout or stderr goes.
struct Output {
  enum Kind { pipe, null, file, inherit } kind = pipe;  // inherit: mapsla's own stream
  std::filesystem::path path;                           // for file: created or truncated, mode 0600
  static Output to_file(std::filesystem::path p) { return {file, std::move(p)}; }
};

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the file executed (a path: see find_executable)
  std::vector<std::string> env;   // the complete environment, "NAME=value"
  std::vector<int> pass_fds;      // parent descriptors that become 3, 4, … in the child
  Output out;                     // stdout
  Output err;                     // stderr
  bool stdout_to_stderr = false;  // stdout goes where stderr goes (stdout_fd() is then -1)
  std::filesystem::path cwd;      // chdir in the child; empty = inherit
  std::vector<int> cpus;          // sched_setaffinity in the child; empty = inherit
  // set_mempolicy(MPOL_BIND) to these NUMA nodes in the child (what
  // `numactl --membind` does); empty = inherit. Node ids below kMaxNumaNodes.
  std::vector<int> mem_nodes;
  std::optional<Credentials> drop_to;  // unset: keep mapsla's uid and capabilities
  // Sent to the child when the thread that launched it dies (PR_SET_PDEATHSIG):
  // SIGKILL, or SIGTERM for a program that must clean up (the VM script).
  int death_signal = SIGKILL;
};

// How a child ended.
struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit status, or the signal number when signaled
  bool ok() const { return !signaled && code == 0; }
  // "exit status 3", "killed by signal 11 (SIGSEGV)".
  std::string describe() const;
};

class ChildProcess {
 public:
  static ChildProcess launch(const LaunchSpec& spec);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  int stdout_fd() const { return stdout_.get(); }  // -1 with stdout_to_stderr
  int stderr_fd() const { return stderr_.get(); }
  // Readable (POLLIN) once the child has exited; -1 before reap.
  int exit_fd() const { return pidfd_.get(); }

  // kill(-pgid, sig); best effort, never throws.
  void signal_group(int sig) noexcept;
  // kill(pid, sig) to the leader alone (stress-ng stops its workers on SIGINT).
  void signal_leader(int sig) noexcept;
  // True once the child has exited (not yet reaped), waiting at most until
  // the CLOCK_MONOTONIC time `until_ns` (0 = do not wait).
  bool wait_exit(uint64_t until_ns) noexcept;
  // SIGKILLs what is left of the group, waits for the child, then (up to
  // 1 s) until no live member of the group remains, and returns how the
  // child ended. Idempotent: later calls return the same status.
  ExitStatus reap() noexcept;
  bool reaped() const { return status_.has_value(); }

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdout_;
  UniqueFd stderr_;
  std::optional<ExitStatus> status_;
};

// The system directories, in the order a root shell searches them.
inline constexpr const char* kSystemPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// This process's $PATH followed by kSystemPath (root's PATH under some sudo
// setups lacks the sbin directories).
std::string process_path();

// The one executable search: `name` itself when it contains a '/' (and is an
// executable regular file), else the first executable regular file `name`
// in the colon-separated `search_path` (empty entries skipped). Empty when
// none is: callers report the name they looked for, never run it unresolved.
std::string find_executable(const std::string& name, const std::string& search_path);
// find_executable(name, process_path()).
std::string find_executable(const std::string& name);

// A program run to completion with its output captured (ip, tc, helpers).
struct CommandResult {
  int exit_code = -1;  // 128 + N when killed by signal N; 127 when it could not start
  std::string out;
  std::string err;  // trailing newlines removed
  bool ok() const { return exit_code == 0; }
};

// Runs `spec` (its out/err are forced to pipes) until it exits, reading both
// streams; at the CLOCK_MONOTONIC time `deadline_ns` (0: none) the group is
// killed and the result says so in `err`. Never throws for a failed start:
// exit_code 127 and the reason in `err`.
CommandResult run_to_completion(LaunchSpec spec, uint64_t deadline_ns = 0);

// The user `nobody` of this host (65534:65534 when it has none): whom
// unprivileged external readers and the probes of what they meet run as.
Credentials nobody_credentials();

// Runs `body(arg)` in a forked child that first drops its privileges to
// `as` with the very steps launch() takes for a program with `drop_to`, and
// returns what body returned (0–126). For probes that must see what an
// unprivileged reader will see. The child is killed if this thread dies.
// Throws std::runtime_error naming the step when the drop fails or the child
// dies by a signal. `body` runs in the child of a multi-threaded process:
// async-signal-safe calls only (system calls, no allocation).
int run_with_dropped_privileges(const Credentials& as, int (*body)(void* arg), void* arg);

// "MAPSLA_SPAWNED_BY_RUN=RUN_ID" (core/util/process_group.h) for a map
// pinned in a run's directory (/sys/fs/bpf/mapsla/RUN_ID/…), so that
// `mapsla cleanup` finds a program a killed run left; "" for any other path.
std::string run_tag_for_pin(const std::string& pin_path);

// Keeps the last `capacity` bytes written to it, and the first line.
class OutputTail {
 public:
  explicit OutputTail(size_t capacity = 4096) : capacity_(capacity) {}
  void append(const char* data, size_t n);
  const std::string& first_line() const { return first_line_; }
  // The tail on one line: newlines become " | ", surrounding blanks trimmed.
  std::string one_line() const;

 private:
  size_t capacity_;
  std::string tail_;
  std::string first_line_;
  bool first_line_done_ = false;
};

// Reads what is available on the non-blocking `fd` (the read ends launch()
// returns are) into `tail`; false at end-of-file or on an error other than
// EAGAIN/EINTR.
bool drain_into(int fd, OutputTail& tail);

}  // namespace mapsla
