#include "core/bpf/bpffs.h"

#include <bpf/bpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "core/bpf/error.h"

namespace mapsla {
namespace fs = std::filesystem;

bool bpffs_mounted(const fs::path& path) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

BpffsMount::BpffsMount() {
  if (bpffs_mounted()) return;
  std::error_code ec;
  fs::create_directories(kBpffsRoot, ec);
  if (::mount("bpf", kBpffsRoot, "bpf", 0, "mode=0700") != 0)
    throw BpfError("mount", std::string("bpffs at ") + kBpffsRoot, errno);
  mounted_by_us_ = true;
}

BpffsMount::~BpffsMount() {
  if (mounted_by_us_) ::umount2(kBpffsRoot, MNT_DETACH);
}

PinDir::PinDir(const std::string& run_id) : path_(fs::path(kPinParent) / run_id) {
  if (::mkdir(kPinParent, 0700) != 0 && errno != EEXIST) throw BpfError("mkdir", kPinParent, errno);
  if (::mkdir(path_.c_str(), 0700) != 0) throw BpfError("mkdir", path_.string(), errno);
}

PinDir::~PinDir() {
  for (const auto& pin_path : pins_)
    ::unlink(pin_path.c_str());
  ::rmdir(path_.c_str());
  ::rmdir(kPinParent);  // fails harmlessly while another run still uses it
}

fs::path PinDir::pin(int fd, const std::string& name) {
  fs::path pin_path = path_ / name;
  check_libbpf(bpf_obj_pin(fd, pin_path.c_str()), "bpf_obj_pin", pin_path.string());
  pins_.push_back(pin_path);
  ::chmod(pin_path.c_str(), 0600);
  return pin_path;
}

void PinDir::unpin(const fs::path& pin_path) {
  ::unlink(pin_path.c_str());
  pins_.erase(std::remove(pins_.begin(), pins_.end(), pin_path), pins_.end());
}

std::vector<fs::path> remove_stale_pins(const std::string& run_id) {
  std::vector<fs::path> removed;
  std::error_code ec;
  if (!fs::is_directory(kPinParent, ec)) return removed;
  for (const auto& run_dir : fs::directory_iterator(kPinParent, ec)) {
    if (!run_id.empty() && run_dir.path().filename() != run_id) continue;
    for (const auto& entry : fs::directory_iterator(run_dir.path(), ec)) {
      if (::unlink(entry.path().c_str()) == 0) removed.push_back(entry.path());
    }
    if (::rmdir(run_dir.path().c_str()) == 0) removed.push_back(run_dir.path());
  }
  ::rmdir(kPinParent);
  return removed;
}

}  // namespace mapsla
