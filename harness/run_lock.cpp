#include "harness/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

#include <fmt/format.h>

namespace mapsla {
namespace fs = std::filesystem;
namespace {

fs::path lock_path(const fs::path& dir, const std::string& run_id) {
  return dir / (run_id + ".lock");
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

RunLock::RunLock(const std::string& run_id, const fs::path& dir) : path_(lock_path(dir, run_id)) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::system_error(ec, "mkdir " + dir.string());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + path_.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "lock " + path_.string());
  }
  const std::string owner = fmt::format("pid {}, started {}\n", ::getpid(), utc_now());
  if (::ftruncate(fd_, 0) != 0 || ::write(fd_, owner.data(), owner.size()) < 0) {
    // The lock is what matters; the text is for people.
  }
}

RunLock::~RunLock() {
  ::unlink(path_.c_str());  // while still locked: no one sees a dead run's file
  ::close(fd_);
}

std::optional<std::string> live_run_owner(const std::string& run_id, const fs::path& dir) {
  const fs::path path = lock_path(dir, run_id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> owner;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    char text[128] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    std::string line(text, n > 0 ? static_cast<size_t>(n) : 0);
    while (!line.empty() && line.back() == '\n')
      line.pop_back();
    owner = line.empty() ? std::string("a live process") : line;
  }
  ::close(fd);
  return owner;
}

bool remove_dead_run_lock(const std::string& run_id, const fs::path& dir) {
  if (live_run_owner(run_id, dir)) return false;
  ::unlink(lock_path(dir, run_id).c_str());
  return true;
}

}  // namespace mapsla
