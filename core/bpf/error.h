// Errors at the libbpf boundary. Setup code (loading, creating, pinning)
// throws BpfError; hot read paths return the errno instead (see map.h) so a
// failed lookup costs nothing more than the syscall.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace mapsla {

// A failed operation on a named BPF object: `op` is what was attempted
// ("bpf_map_create", "load"), `object` what it was attempted on.
class BpfError : public std::runtime_error {
 public:
  BpfError(std::string op, std::string object, int err);

  const std::string& op() const { return op_; }
  const std::string& object() const { return object_; }
  int error_number() const { return errno_; }
  // EPERM/EACCES: the caller lacks CAP_BPF/CAP_SYS_ADMIN (or a LSM said no).
  bool is_permission_error() const;

 private:
  std::string op_;
  std::string object_;
  int errno_;
};

// libbpf 1.x returns -errno from every API (and also sets errno); this is the
// one place that turns such a return into a positive errno, 0 for success.
constexpr int errno_of(long libbpf_return) {
  return libbpf_return < 0 ? static_cast<int>(-libbpf_return) : 0;
}

// Throws BpfError when `libbpf_return` is negative; returns it otherwise.
long check_libbpf(long libbpf_return, std::string_view op, std::string_view object);

// "ENOENT", "E2BIG", … for report keys; "errno_N" for unknown values.
std::string errno_name(int err);

}  // namespace mapsla
