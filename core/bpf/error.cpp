#include "core/bpf/error.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mapsla {

BpfError::BpfError(std::string op, std::string object, int err)
    : std::runtime_error(
          fmt::format("{} {}: {} ({})", op, object, std::strerror(err), errno_name(err))),
      op_(std::move(op)),
      object_(std::move(object)),
      errno_(err) {}

bool BpfError::is_permission_error() const {
  return errno_ == EPERM || errno_ == EACCES;
}

long check_libbpf(long libbpf_return, std::string_view op, std::string_view object) {
  if (libbpf_return < 0)
    throw BpfError(std::string(op), std::string(object), errno_of(libbpf_return));
  return libbpf_return;
}

std::string errno_name(int err) {
  // strerrorname_np needs glibc 2.32; Debian 12 has 2.36.
  if (const char* name = strerrorname_np(err)) return name;
  return fmt::format("errno_{}", err);
}

}  // namespace mapsla
