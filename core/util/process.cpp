#include "core/util/process.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/mempolicy.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "core/bpf/bpffs.h"
#include "core/bpf/error.h"
#include "core/util/clock.h"
#include "core/util/process_group.h"

namespace mapsla {
namespace {

// What the child was doing when it failed; sent to the parent with the errno.
enum class Step : int {
  setpgid,
  chdir,
  signals,
  affinity,
  mempolicy,
  fds,
  ambient,
  bounding,
  keep_caps,
  raise_ambient,
  setgroups,
  setgid,
  setuid,
  capset,
  no_new_privs,
  verify_caps,
  pdeathsig,
  exec,
};

const char* step_name(Step step) {
  switch (step) {
    case Step::setpgid:
      return "setpgid";
    case Step::chdir:
      return "chdir";
    case Step::signals:
      return "reset signals";
    case Step::affinity:
      return "sched_setaffinity";
    case Step::mempolicy:
      return "set_mempolicy(MPOL_BIND)";
    case Step::fds:
      return "set up descriptors";
    case Step::ambient:
      return "clear ambient capabilities";
    case Step::bounding:
      return "drop bounding capabilities";
    case Step::keep_caps:
      return "PR_SET_KEEPCAPS";
    case Step::raise_ambient:
      return "raise ambient capabilities";
    case Step::setgroups:
      return "setgroups";
    case Step::setgid:
      return "setresgid";
    case Step::setuid:
      return "setresuid";
    case Step::capset:
      return "capset";
    case Step::no_new_privs:
      return "PR_SET_NO_NEW_PRIVS";
    case Step::verify_caps:
      return "verify only the kept capabilities are left";
    case Step::pdeathsig:
      return "PR_SET_PDEATHSIG";
    case Step::exec:
      return "execve";
  }
  return "?";
}

struct ChildFailure {
  int step;
  int err;
};

// What the child reported through the close-on-exec pipe before it failed;
// nothing when it reached exec (or its body) and the pipe closed empty.
std::optional<ChildFailure> read_child_failure(int report_fd) {
  ChildFailure failure{};
  ssize_t got;
  do {
    got = ::read(report_fd, &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof failure)) return failure;
  return std::nullopt;
}

// Everything below runs in the forked child of a multi-threaded process:
// only async-signal-safe calls, and raw syscalls for credentials so that
// glibc's cross-thread setxid machinery is never involved.
[[noreturn]] void child_fail(int report_fd, Step step) {
  const ChildFailure failure{static_cast<int>(step), errno};
  [[maybe_unused]] const ssize_t n = ::write(report_fd, &failure, sizeof failure);
  ::_exit(127);
}

void drop_privileges(const Credentials& to, bool as_root, int report_fd) {
  const uint64_t keep = to.capabilities;
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    child_fail(report_fd, Step::ambient);
  for (unsigned long cap = 0; cap < 64; ++cap) {
    if (keep & (1ull << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break;  // past the kernel's last capability
    if (as_root) child_fail(report_fd, Step::bounding);
    break;  // without CAP_SETPCAP the bounding set stays; capset below still empties the rest
  }
  if (as_root) {
    // Without it the uid switch empties the permitted set, kept ones included.
    if (keep && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) child_fail(report_fd, Step::keep_caps);
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(report_fd, Step::setgroups);
    if (::syscall(SYS_setresgid, to.gid, to.gid, to.gid) != 0) child_fail(report_fd, Step::setgid);
    if (::syscall(SYS_setresuid, to.uid, to.uid, to.uid) != 0) child_fail(report_fd, Step::setuid);
  }
  const auto low = static_cast<uint32_t>(keep), high = static_cast<uint32_t>(keep >> 32);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {{low, low, low}, {high, high, high}};
  if (::syscall(SYS_capset, &header, data) != 0) child_fail(report_fd, Step::capset);
  // A non-root program's permitted set after exec is its ambient set.
  for (unsigned long cap = 0; cap < 64; ++cap)
    if ((keep & (1ull << cap)) && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      child_fail(report_fd, Step::raise_ambient);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report_fd, Step::no_new_privs);
  if (::syscall(SYS_capget, &header, data) != 0) child_fail(report_fd, Step::verify_caps);
  const uint32_t want[2] = {low, high};
  for (int i = 0; i < 2; ++i) {
    if (data[i].effective != want[i] || data[i].permitted != want[i] ||
        data[i].inheritable != want[i]) {
      errno = EPERM;
      child_fail(report_fd, Step::verify_caps);
    }
  }
}

using NodeMask = unsigned long[kMaxNumaNodes / (8 * sizeof(unsigned long))];

[[noreturn]] void run_child(const LaunchSpec& spec, const char* cwd, char* const* argv,
                            char* const* envp, const cpu_set_t* cpus, const NodeMask* mem_nodes,
                            int in_fd, int out_fd, int err_fd, int report_fd, pid_t parent,
                            bool as_root) {
  if (::setpgid(0, 0) != 0) child_fail(report_fd, Step::setpgid);
  if (cwd && ::chdir(cwd) != 0) child_fail(report_fd, Step::chdir);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);  // EINVAL for SIGKILL/SIGSTOP and reserved signals
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) child_fail(report_fd, Step::signals);
  if (cpus && ::sched_setaffinity(0, sizeof(*cpus), cpus) != 0)
    child_fail(report_fd, Step::affinity);
  // The kernel reads maxnode - 1 bits of the mask (mbind(2), set_mempolicy(2)).
  if (mem_nodes && ::syscall(SYS_set_mempolicy, MPOL_BIND, *mem_nodes, kMaxNumaNodes + 1) != 0)
    child_fail(report_fd, Step::mempolicy);

  // Park every source above the targets first, so that no dup2 below can
  // overwrite a source that happens to sit on a target number.
  constexpr int kPark = 64;
  int parked[3 + 16];
  const int sources[3] = {in_fd, out_fd, err_fd};
  const size_t n = 3 + spec.pass_fds.size();
  for (size_t i = 0; i < n; ++i) {
    const int src = i < 3 ? sources[i] : spec.pass_fds[i - 3];
    parked[i] = ::fcntl(src, F_DUPFD_CLOEXEC, kPark);
    if (parked[i] < 0) child_fail(report_fd, Step::fds);
  }
  for (size_t i = 0; i < n; ++i)
    if (::dup2(parked[i], static_cast<int>(i)) < 0) child_fail(report_fd, Step::fds);
  // Everything else, the parked copies and the report pipe included, closes
  // at exec.
  if (::syscall(SYS_close_range, n, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = static_cast<int>(n); fd < 4096; ++fd)
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }

  if (spec.drop_to) drop_privileges(*spec.drop_to, as_root, report_fd);
  // Set after the credential change, which clears it.
  if (::prctl(PR_SET_PDEATHSIG, spec.death_signal, 0, 0, 0) != 0)
    child_fail(report_fd, Step::pdeathsig);
  if (::getppid() != parent) ::_exit(127);  // the forking thread is already gone
  ::execve(argv[0], argv, envp);
  child_fail(report_fd, Step::exec);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings)
    out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::runtime_error launch_error(const LaunchSpec& spec, const std::string& what, int err) {
  return std::runtime_error(fmt::format("cannot start {}: {}: {} ({})", spec.argv.front(), what,
                                        std::strerror(err), errno_name(err)));
}

}  // namespace

std::string ExitStatus::describe() const {
  if (!signaled) return fmt::format("exit status {}", code);
  const char* abbrev = sigabbrev_np(code);
  return abbrev ? fmt::format("killed by signal {} (SIG{})", code, abbrev)
                : fmt::format("killed by signal {}", code);
}

ChildProcess ChildProcess::launch(const LaunchSpec& spec) {
  if (spec.argv.empty()) throw std::invalid_argument("launch: empty argv");
  if (spec.pass_fds.size() > 16) throw std::invalid_argument("launch: too many descriptors");
  std::vector<char*> argv = c_strings(spec.argv);
  std::vector<char*> envp = c_strings(spec.env);
  cpu_set_t cpu_set;
  CPU_ZERO(&cpu_set);
  for (int cpu : spec.cpus)
    CPU_SET(cpu, &cpu_set);
  NodeMask node_mask = {};
  for (int node : spec.mem_nodes) {
    if (node < 0 || node >= kMaxNumaNodes)
      throw std::invalid_argument(fmt::format("launch: NUMA node {} out of range", node));
    node_mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
  }

  UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null.valid()) throw launch_error(spec, "open /dev/null", errno);
  // The parent's read end (pipe only) and the child's end of one stream.
  const auto open_output = [&](const Output& o, int stream, UniqueFd& read_end,
                               UniqueFd& write_end) {
    if (o.kind == Output::inherit) {
      write_end.reset(::fcntl(stream, F_DUPFD_CLOEXEC, 0));
      if (!write_end.valid()) throw launch_error(spec, "dup", errno);
      return;
    }
    if (o.kind == Output::pipe) {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) throw launch_error(spec, "pipe", errno);
      read_end.reset(fds[0]);
      write_end.reset(fds[1]);
      return;
    }
    const int fd = o.kind == Output::null
                       ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                       : ::open(o.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      throw launch_error(spec, "open " + (o.kind == Output::null ? "/dev/null" : o.path.string()),
                         errno);
    write_end.reset(fd);
  };
  UniqueFd err_read, err_write, out_read, out_write;
  open_output(spec.err, STDERR_FILENO, err_read, err_write);
  if (!spec.stdout_to_stderr) open_output(spec.out, STDOUT_FILENO, out_read, out_write);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw launch_error(spec, "pipe", errno);
  UniqueFd report_read(report[0]), report_write(report[1]);

  const bool as_root = ::geteuid() == 0;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw launch_error(spec, "fork", errno);
  if (pid == 0)
    run_child(spec, spec.cwd.empty() ? nullptr : spec.cwd.c_str(), argv.data(), envp.data(),
              spec.cpus.empty() ? nullptr : &cpu_set, spec.mem_nodes.empty() ? nullptr : &node_mask,
              dev_null.get(), spec.stdout_to_stderr ? err_write.get() : out_write.get(),
              err_write.get(), report_write.get(), parent, as_root);

  ChildProcess child;
  child.pid_ = pid;
  ::setpgid(pid, pid);  // also in the child: whichever runs first, signals reach the group
  child.pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  child.stdout_ = std::move(out_read);
  child.stderr_ = std::move(err_read);
  report_write.reset();
  out_write.reset();
  err_write.reset();
  // Only our read ends: the child's write ends stay blocking.
  for (const UniqueFd* fd : {&child.stdout_, &child.stderr_})
    if (fd->valid()) ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);

  if (const std::optional<ChildFailure> failure = read_child_failure(report_read.get())) {
    child.reap();
    throw launch_error(spec, step_name(static_cast<Step>(failure->step)), failure->err);
  }
  if (!child.pidfd_.valid()) {
    const int e = errno;
    child.reap();
    throw launch_error(spec, "pidfd_open", e);
  }
  return child;
}

Credentials nobody_credentials() {
  const passwd* pw = ::getpwnam("nobody");
  return pw ? Credentials{pw->pw_uid, pw->pw_gid} : Credentials{};
}

int run_with_dropped_privileges(const Credentials& as, int (*body)(void*), void* arg) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    throw std::runtime_error(
        fmt::format("run_with_dropped_privileges: pipe: {}", errno_name(errno)));
  UniqueFd report_read(report[0]), report_write(report[1]);
  const bool as_root = ::geteuid() == 0;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(
        fmt::format("run_with_dropped_privileges: fork: {}", errno_name(errno)));
  if (pid == 0) {
    drop_privileges(as, as_root, report_write.get());
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
      child_fail(report_write.get(), Step::pdeathsig);
    if (::getppid() != parent) ::_exit(127);
    ::_exit(std::clamp(body(arg), 0, 126));
  }
  report_write.reset();
  const std::optional<ChildFailure> failure = read_child_failure(report_read.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (failure)
    throw std::runtime_error(fmt::format("cannot drop privileges to {}:{}: {}: {} ({})", as.uid,
                                         as.gid, step_name(static_cast<Step>(failure->step)),
                                         std::strerror(failure->err), errno_name(failure->err)));
  if (!WIFEXITED(status))
    throw std::runtime_error(fmt::format("a child with dropped privileges ended: {}",
                                         WIFSIGNALED(status)
                                             ? ExitStatus{true, WTERMSIG(status)}.describe()
                                             : std::string("abnormally")));
  return WEXITSTATUS(status);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      status_(std::move(other.status_)) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) reap();
}

void ChildProcess::signal_group(int sig) noexcept {
  if (pid_ <= 0 || status_) return;
  if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

void ChildProcess::signal_leader(int sig) noexcept {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

bool ChildProcess::wait_exit(uint64_t until_ns) noexcept {
  if (status_) return true;
  if (!pidfd_.valid()) return false;
  for (;;) {
    const uint64_t now = now_ns();
    const int timeout_ms =
        until_ns > now
            ? static_cast<int>(std::min<uint64_t>((until_ns - now + 999'999) / 1'000'000, 1000))
            : 0;
    pollfd p{pidfd_.get(), POLLIN, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
    if (now_ns() >= until_ns) return false;
  }
}

ExitStatus ChildProcess::reap() noexcept {
  if (status_) return *status_;
  // While the child is unreaped its pid cannot be reused, so the group
  // signal cannot reach a stranger: this takes any grandchild still holding
  // our pipes along with it.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int raw = 0;
  pid_t got;
  do {
    got = ::waitpid(pid_, &raw, 0);
  } while (got < 0 && errno == EINTR);
  ExitStatus status;
  if (got == pid_ && WIFSIGNALED(raw)) {
    status.signaled = true;
    status.code = WTERMSIG(raw);
  } else if (got == pid_) {
    status.code = WEXITSTATUS(raw);
  } else {
    status.code = -1;
  }
  status_ = status;
  pidfd_.reset();
  // SIGKILL is asynchronous: return once no live member of the group is left
  // (zombies wait for their new parent; they hold nothing).
  for (int i = 0; i < 200; ++i) {
    bool live = false;
    for (const ProcessInfo& p : processes_in_group(pid_))
      if (p.state != 'Z' && p.state != 'X') live = true;
    if (!live) break;
    ::kill(-pid_, SIGKILL);
    ::usleep(5000);
  }
  return status;
}

std::string process_path() {
  const char* path = std::getenv("PATH");
  return path && *path ? std::string(path) + ":" + kSystemPath : std::string(kSystemPath);
}

std::string find_executable(const std::string& name, const std::string& search_path) {
  const auto executable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return executable(name) ? name : std::string();
  size_t start = 0;
  while (start <= search_path.size()) {
    const size_t end = std::min(search_path.find(':', start), search_path.size());
    const std::string dir = search_path.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) continue;
    if (const std::string candidate = dir + "/" + name; executable(candidate)) return candidate;
  }
  return {};
}

std::string find_executable(const std::string& name) {
  return find_executable(name, process_path());
}

CommandResult run_to_completion(LaunchSpec spec, uint64_t deadline_ns) {
  CommandResult result;
  spec.out = {};
  spec.err = {};
  spec.stdout_to_stderr = false;
  std::optional<ChildProcess> child;
  try {
    child.emplace(ChildProcess::launch(spec));
  } catch (const std::exception& e) {
    result.exit_code = 127;
    result.err = e.what();
    return result;
  }
  bool out_open = true, err_open = true, timed_out = false;
  std::string* sinks[2] = {&result.out, &result.err};
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? child->stdout_fd() : -1, POLLIN, 0},
                     {err_open ? child->stderr_fd() : -1, POLLIN, 0}};
    int timeout_ms = -1;
    if (deadline_ns) {
      const uint64_t now = now_ns();
      if (now >= deadline_ns) {
        timed_out = true;
        break;
      }
      timeout_ms = static_cast<int>(std::min<uint64_t>((deadline_ns - now) / 1'000'000 + 1, 1000));
    }
    if (::poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool* open[2] = {&out_open, &err_open};
    for (int i = 0; i < 2; ++i) {
      if (!fds[i].revents) continue;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0)
        sinks[i]->append(buffer, static_cast<size_t>(n));
      else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        *open[i] = false;
    }
  }
  // Both streams closed: the program is exiting; let it, unless past the deadline.
  if (!timed_out && !child->wait_exit(deadline_ns ? deadline_ns : UINT64_MAX)) timed_out = true;
  const ExitStatus status = child->reap();
  result.exit_code = status.signaled ? 128 + status.code : status.code;
  while (!result.err.empty() && (result.err.back() == '\n' || result.err.back() == ' '))
    result.err.pop_back();
  if (timed_out)
    result.err += (result.err.empty() ? "" : "; ") + std::string("killed at its deadline");
  return result;
}

std::string run_tag_for_pin(const std::string& pin_path) {
  const std::filesystem::path dir = std::filesystem::path(pin_path).parent_path();
  if (pin_path.empty() || dir.parent_path() != kPinParent) return {};
  return fmt::format("{}={}", kRunTagEnv, dir.filename().string());
}

void OutputTail::append(const char* data, size_t n) {
  if (!first_line_done_) {
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
    first_line_.append(data, nl ? static_cast<size_t>(nl - data) : n);
    if (nl || first_line_.size() >= capacity_) first_line_done_ = true;
    if (first_line_.size() > capacity_) first_line_.resize(capacity_);
  }
  tail_.append(data, n);
  if (tail_.size() > capacity_) tail_.erase(0, tail_.size() - capacity_);
}

std::string OutputTail::one_line() const {
  std::string out;
  for (char c : tail_) {
    if (c == '\n')
      out += " | ";
    else if (c != '\r')
      out += c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '|'))
    out.pop_back();
  return out;
}

bool drain_into(int fd, OutputTail& tail) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      tail.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) return true;
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
}

}  // namespace mapsla
