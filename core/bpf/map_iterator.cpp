#include "core/bpf/map_iterator.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "core/bpf/error.h"
#include "mapsla_map_iter.skel.h"

namespace mapsla {

MapIterator::MapIterator(const MapView& map)
    : skeleton_(mapsla_map_iter__open(), mapsla_map_iter__destroy),
      link_(nullptr, bpf_link__destroy),
      value_bytes_(static_cast<uint32_t>(map.value_buffer_size())) {
  if (!skeleton_) throw BpfError("open", "mapsla_map_iter skeleton", errno);
  skeleton_->rodata->value_bytes = value_bytes_;
  check_libbpf(mapsla_map_iter__load(skeleton_.get()), "load", "mapsla_map_iter (map_iter.bpf.c)");
  union bpf_iter_link_info info {};
  info.map.map_fd = static_cast<__u32>(map.fd());
  LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
  bpf_link* link = bpf_program__attach_iter(skeleton_->progs.emit_elem, &opts);
  // libbpf 1.x returns NULL and sets errno on failure.
  if (!link) throw BpfError("bpf_program__attach_iter", "map " + map.info().name, errno);
  link_.reset(link);
}

MapIterator::~MapIterator() = default;

int MapIterator::open() const noexcept {
  const int fd = bpf_iter_create(bpf_link__fd(link_.get()));
  return fd < 0 ? -errno_of(fd) : fd;
}

}  // namespace mapsla
