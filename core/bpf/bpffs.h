// bpffs handling: mounting it when the host has not, and a per-run pin
// directory (/sys/fs/bpf/mapsla/<run-id>) that removes every pin it made.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mapsla {

inline constexpr const char* kBpffsRoot = "/sys/fs/bpf";
inline constexpr const char* kPinParent = "/sys/fs/bpf/mapsla";

bool bpffs_mounted(const std::filesystem::path& path = kBpffsRoot);

// Mounts bpffs at kBpffsRoot when it is not mounted and unmounts it again on
// destruction, so a run leaves the mount table as it found it.
class BpffsMount {
 public:
  BpffsMount();
  BpffsMount(const BpffsMount&) = delete;
  BpffsMount& operator=(const BpffsMount&) = delete;
  ~BpffsMount();

 private:
  bool mounted_by_us_ = false;
};

// A run's pin directory (mode 0700; pins are 0600). Destruction unpins every
// object pinned through it and removes the directory, and the shared parent
// when it is empty.
class PinDir {
 public:
  explicit PinDir(const std::string& run_id);
  PinDir(const PinDir&) = delete;
  PinDir& operator=(const PinDir&) = delete;
  ~PinDir();

  const std::filesystem::path& path() const { return path_; }
  // Pins `fd` as `name` in the run directory and returns the full path.
  std::filesystem::path pin(int fd, const std::string& name);
  void unpin(const std::filesystem::path& pin_path);

 private:
  std::filesystem::path path_;
  std::vector<std::filesystem::path> pins_;
};

// Removes a run's pin directory (or every run's when run_id is empty) left by
// a killed run; returns the paths removed. Idempotent.
std::vector<std::filesystem::path> remove_stale_pins(const std::string& run_id);

}  // namespace mapsla
