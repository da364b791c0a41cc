// A tc BPF program attached as a direct-action cls_bpf filter (libbpf's
// bpf_tc_* netlink API) on a device inside a named network namespace.
//
// The attachment creates the device's clsact qdisc when it has none and then
// owns it: detach() removes the filter and, when this attachment created the
// qdisc, the qdisc too. Filters run in priority order (lower first); a filter
// returning TC_ACT_UNSPEC lets the next one run. Not thread-safe; every
// netlink call runs in the device's namespace (NetnsScope) on the calling
// thread.
#pragma once

#include <cstdint>
#include <string>

namespace mapsla {

enum class TcDirection { ingress, egress };
const char* to_string(TcDirection direction);

class TcAttachment {
 public:
  // Throws BpfError (naming `what`, the device and the errno) or
  // std::system_error when the namespace or device cannot be found.
  TcAttachment(std::string netns, std::string dev, TcDirection direction, int prog_fd,
               uint32_t priority, std::string what);
  TcAttachment(const TcAttachment&) = delete;
  TcAttachment& operator=(const TcAttachment&) = delete;
  ~TcAttachment();

  // Idempotent. Never throws: a namespace that is already gone took the
  // filter with it.
  void detach() noexcept;
  // Asks the kernel whether the filter is in place (bpf_tc_query).
  bool attached_in_kernel() const;
  uint32_t priority() const { return priority_; }
  uint32_t prog_id() const { return prog_id_; }
  const std::string& netns() const { return netns_; }
  const std::string& dev() const { return dev_; }
  TcDirection direction() const { return direction_; }

 private:
  std::string netns_;
  std::string dev_;
  TcDirection direction_;
  uint32_t priority_;
  std::string what_;
  int ifindex_ = 0;
  uint32_t prog_id_ = 0;
  bool attached_ = false;
  bool created_qdisc_ = false;
};

}  // namespace mapsla
