#include "core/bpf/tc_attachment.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/bpf/error.h"
#include "core/net/netns.h"

namespace mapsla {
namespace {

constexpr uint32_t kHandle = 1;

bpf_tc_attach_point attach_point(TcDirection direction) {
  return direction == TcDirection::ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

}  // namespace

const char* to_string(TcDirection direction) {
  return direction == TcDirection::ingress ? "ingress" : "egress";
}

TcAttachment::TcAttachment(std::string netns, std::string dev, TcDirection direction, int prog_fd,
                           uint32_t priority, std::string what)
    : netns_(std::move(netns)),
      dev_(std::move(dev)),
      direction_(direction),
      priority_(priority),
      what_(std::move(what)) {
  ifindex_ = ifindex_in(netns_, dev_);
  NetnsScope scope(netns_);
  const std::string object =
      fmt::format("{} on {} {} ({})", what_, dev_, to_string(direction_), netns_);
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = attach_point(direction_));
  const int err = errno_of(bpf_tc_hook_create(&hook));
  if (err && err != EEXIST) throw BpfError("bpf_tc_hook_create (clsact)", object, err);
  created_qdisc_ = err == 0;
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = kHandle, .priority = priority_);
  if (const int attach_err = errno_of(bpf_tc_attach(&hook, &opts))) {
    if (created_qdisc_) {
      hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
      bpf_tc_hook_destroy(&hook);
    }
    throw BpfError("bpf_tc_attach", object, attach_err);
  }
  prog_id_ = opts.prog_id;
  attached_ = true;
}

TcAttachment::~TcAttachment() {
  detach();
}

void TcAttachment::detach() noexcept {
  if (!attached_) return;
  attached_ = false;
  try {
    NetnsScope scope(netns_);
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = attach_point(direction_));
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kHandle, .priority = priority_);
    bpf_tc_detach(&hook, &opts);
    if (created_qdisc_) {
      hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
      bpf_tc_hook_destroy(&hook);
    }
  } catch (...) {
    // The namespace is gone, and the device with its filters with it.
  }
}

bool TcAttachment::attached_in_kernel() const {
  try {
    NetnsScope scope(netns_);
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = attach_point(direction_));
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kHandle, .priority = priority_);
    return bpf_tc_query(&hook, &opts) == 0;
  } catch (...) {
    return false;
  }
}

}  // namespace mapsla
