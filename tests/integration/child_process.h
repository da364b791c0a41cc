// Child processes for tests that drive real programs (mapsla, Chromium,
// Prometheus): the one way tests start a child and read what it printed
// (tests/cli_runner.h runs the mapsla binary with it). Each child gets its
// own process group, so that ending it also ends whatever it started
// (Chromium's helpers); the destructor ends and reaps the group on every
// path (SIGTERM, then SIGKILL after a grace period). A child may be started
// under an address-space limit, and its peak RSS is read when it is reaped
// (bounded-input tests).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mapsla::testing {

// The whole text of `path` ("" when it cannot be read): a child's log, a
// report it wrote.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A log path under the temp directory that no other call of this process
// returns, for a child whose output is read and then thrown away.
inline std::filesystem::path unique_temp_log(const std::string& prefix) {
  static std::atomic<int> serial = 0;
  return std::filesystem::temp_directory_path() /
         (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(serial++) + ".log");
}

// Limits set in the child before exec.
struct ChildLimits {
  // RLIMIT_AS: an allocation beyond it fails (std::bad_alloc), so a program
  // that would grow without bound dies instead of swapping the machine.
  std::optional<rlim_t> address_space_bytes;
};

class ChildProcess {
 public:
  // Starts argv[0] (an absolute path) with stdout and stderr into `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
               ChildLimits limits = {})
      : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      if (limits.address_space_bytes) {
        const rlimit limit{*limits.address_space_bytes, *limits.address_space_bytes};
        if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(126);
      }
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, STDIN_FILENO);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      std::vector<char*> args;
      for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);  // also from here: no race with kill()
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The child's peak resident set in KiB (getrusage's ru_maxrss of this
  // child alone), known once wait_for() has seen it exit.
  std::optional<long> max_rss_kb() const { return max_rss_kb_; }

  // The exit status (128 + signal when killed), or nullopt at the deadline.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      rusage usage{};
      const pid_t done = ::wait4(pid_, &status, WNOHANG, &usage);
      if (done == pid_) return record_exit(status, usage);
      if (done < 0 || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // As wait_for(), with no deadline (ctest's timeout bounds the test); -1
  // when there is no child to wait for.
  int wait() {
    if (status_) return *status_;
    int status = 0;
    rusage usage{};
    pid_t done;
    do {
      done = ::wait4(pid_, &status, 0, &usage);
    } while (done < 0 && errno == EINTR);
    return done == pid_ ? record_exit(status, usage) : -1;
  }

  // SIGTERM to the group, SIGKILL after `grace`; reaps the child and
  // returns its exit status (128 + signal when a signal ended it).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) {
    if (pid_ <= 0) return -1;
    if (status_) return *status_;
    kill_group(SIGTERM);
    if (!wait_for(grace)) {
      kill_group(SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = 128 + SIGKILL;
    }
    return *status_;
  }

  // What the child has written so far.
  std::string log() const { return slurp(log_); }

 private:
  // Keeps how the reaped child ended; its exit status.
  int record_exit(int status, const rusage& usage) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    max_rss_kb_ = usage.ru_maxrss;
    kill_group(SIGKILL);  // helpers the child left behind
    return *status_;
  }
  void kill_group(int sig) {
    if (pid_ > 0) ::kill(-pid_, sig);
  }
  pid_t pid_ = -1;
  std::filesystem::path log_;
  std::optional<int> status_;
  std::optional<long> max_rss_kb_;
};

}  // namespace mapsla::testing
