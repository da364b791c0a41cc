#include "core/util/process_group.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace mapsla {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::optional<ProcessInfo> read_process(pid_t pid) {
  std::ifstream stat_file(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!std::getline(stat_file, stat)) return std::nullopt;
  // comm may hold spaces and parentheses: it ends at the last ')'.
  const auto open = stat.find('(');
  const auto close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  ProcessInfo info;
  info.pid = pid;
  info.comm = stat.substr(open + 1, close - open - 1);
  std::istringstream rest(stat.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;)
    fields.push_back(field);
  // After comm: state ppid pgrp session tty_nr tpgid flags minflt cminflt
  // majflt cmajflt utime stime …
  if (fields.size() < 13) return std::nullopt;
  info.state = fields[0].empty() ? '?' : fields[0][0];
  info.pgid = static_cast<pid_t>(std::stol(fields[2]));
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  info.user_s = static_cast<double>(std::stoull(fields[11])) / tick;
  info.system_s = static_cast<double>(std::stoull(fields[12])) / tick;
  std::ifstream schedstat(fmt::format("/proc/{}/schedstat", pid));
  schedstat >> info.runtime_ns;
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Cpus_allowed_list:", 0) == 0) {
      const auto value = line.find_first_not_of(" \t", sizeof("Cpus_allowed_list:") - 1);
      if (value != std::string::npos) info.cpus_allowed = line.substr(value);
    }
  return info;
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

// The value of the run tag in `pid`'s environment; nullopt when untagged or
// unreadable (a zombie has no environment).
std::optional<std::string> run_tag_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/environ", pid), std::ios::binary);
  const std::string prefix = std::string(kRunTagEnv) + "=";
  for (std::string var; std::getline(in, var, '\0');)
    if (var.rfind(prefix, 0) == 0) return var.substr(prefix.size());
  return std::nullopt;
}

size_t live_members(pid_t pgid) {
  size_t n = 0;
  for (const auto& p : processes_in_group(pgid))
    if (p.state != 'Z' && p.state != 'X') ++n;
  return n;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGKILL:
      return "SIGKILL";
    case SIGALRM:
      return "SIGALRM";
    default:
      return "signal";
  }
}

}  // namespace

std::vector<ProcessInfo> processes_in_group(pid_t pgid) {
  std::vector<ProcessInfo> out;
  for (pid_t pid : all_pids())
    if (auto info = read_process(pid); info && info->pgid == pgid) out.push_back(*info);
  return out;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("signal {} ({})", WTERMSIG(status), signal_name(WTERMSIG(status)));
  return fmt::format("wait status {:#x}", status);
}

ProcessGroup::ProcessGroup(const Options& options) {
  if (options.argv.empty()) throw std::invalid_argument("ProcessGroup: empty argv");
  LaunchSpec spec;
  spec.argv = options.argv;
  spec.argv[0] = find_executable(options.argv[0]);
  if (spec.argv[0].empty())
    throw std::system_error(ENOENT, std::generic_category(),
                            options.argv[0] + " not found in PATH");
  for (const auto& arg : options.argv)
    command_line_ += (command_line_.empty() ? "" : " ") + arg;
  const std::string tag_prefix = std::string(kRunTagEnv) + "=";
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, tag_prefix.c_str(), tag_prefix.size()) != 0) spec.env.emplace_back(*e);
  spec.env.push_back(tag_prefix + options.run_id);
  spec.out = options.output.empty() ? Output{Output::null, {}} : Output::to_file(options.output);
  spec.stdout_to_stderr = true;
  spec.err = spec.out;
  child_.emplace(ChildProcess::launch(spec));
  pid_ = child_->pid();
}

ProcessGroup::~ProcessGroup() {
  try {
    terminate();
  } catch (...) {  // a destructor must not throw; terminate() only reads /proc
  }
}

std::optional<int> ProcessGroup::poll() {
  if (status_ || !child_) return status_;
  if (!child_->wait_exit(0)) return std::nullopt;
  // The leader is gone: reap it, and what it left of its group with it.
  const ExitStatus exit = child_->reap();
  status_ = exit.signaled ? exit.code : (exit.code & 0xff) << 8;  // a wait(2) status
  return status_;
}

bool ProcessGroup::wait_leader(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

int ProcessGroup::terminate(int first_signal, std::chrono::milliseconds grace) {
  if (terminated_ || pid_ <= 0) return status_.value_or(0);
  terminated_ = true;
  if (poll()) {
    stopped_by_ = "exited";
  } else {
    stopped_by_ = signal_name(first_signal);
    child_->signal_leader(first_signal);
    if (!wait_leader(grace)) {
      stopped_by_ = "SIGTERM";
      child_->signal_group(SIGTERM);
      if (!wait_leader(grace)) {
        stopped_by_ = "SIGKILL";
        child_->signal_group(SIGKILL);
        wait_leader(std::chrono::hours(1));  // SIGKILL cannot be refused
      }
    }
  }
  // Members the leader left behind (it died before reaping them).
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (live_members(pid_) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  if (live_members(pid_)) {
    ::kill(-pid_, SIGKILL);
    for (int i = 0; i < 100 && live_members(pid_); ++i)
      std::this_thread::sleep_for(5ms);
  }
  return status_.value_or(0);
}

std::vector<std::string> tagged_run_ids() {
  std::set<std::string> ids;
  const pid_t self = ::getpid();
  for (pid_t pid : all_pids())
    if (pid != self)
      if (const auto tag = run_tag_of(pid); tag && !tag->empty()) ids.insert(*tag);
  return {ids.begin(), ids.end()};
}

std::vector<std::string> kill_tagged_processes(const std::string& run_id) {
  const pid_t self = ::getpid();
  const pid_t own_group = ::getpgrp();
  std::vector<std::string> lines;
  std::set<pid_t> groups;
  std::vector<pid_t> killed;
  for (pid_t pid : all_pids()) {
    if (pid == self) continue;
    const auto tag = run_tag_of(pid);
    if (!tag || (!run_id.empty() && *tag != run_id)) continue;
    const auto info = read_process(pid);
    if (!info || info->pgid == own_group) continue;
    if (info->pgid > 1) groups.insert(info->pgid);
    if (::kill(pid, SIGKILL) == 0) {
      killed.push_back(pid);
      lines.push_back(fmt::format("process {} ({}) of run {}", pid, info->comm, *tag));
    }
  }
  for (pid_t pgid : groups)
    ::kill(-pgid, SIGKILL);
  // SIGKILL is asynchronous: report only once they are gone (init reaps them).
  for (int i = 0; i < 200; ++i) {
    bool alive = false;
    for (pid_t pid : killed)
      if (auto info = read_process(pid); info && info->state != 'Z' && info->state != 'X')
        alive = true;
    if (!alive) break;
    std::this_thread::sleep_for(5ms);
  }
  return lines;
}

}  // namespace mapsla
