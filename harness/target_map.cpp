#include "harness/target_map.h"

#include <bpf/bpf.h>

#include <cstring>
#include <optional>
#include <vector>

#include "core/bpf/error.h"
#include "core/bpf/oracle_record.h"
#include "core/bpf/value_btf.h"

namespace mapsla {

uint32_t target_map_flags(const MapSpec& spec) {
  uint32_t flags = 0;
  // Arrays are created mmapable so the mmap reader can apply; the flag does
  // not change how syscall readers or writers see the array. The kernel
  // refuses a bpf_spin_lock in an mmapable array, so locked arrays are plain.
  if (spec.kind == MapKind::array && !spec.spin_lock) flags |= BPF_F_MMAPABLE;
  if (spec.numa_node) flags |= BPF_F_NUMA_NODE;
  return flags;
}

TargetMap::TargetMap(const MapSpec& spec, const std::string& name) : spec_(spec) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = target_map_flags(spec));
  if (spec.numa_node) opts.numa_node = static_cast<__u32>(*spec.numa_node);
  std::optional<LockedValueBtf> btf;
  if (spec.spin_lock) {
    btf.emplace(spec.value_size);
    opts.btf_fd = static_cast<__u32>(btf->fd());
    opts.btf_key_type_id = btf->key_type_id();
    opts.btf_value_type_id = btf->value_type_id();
  }
  const int fd = bpf_map_create(to_bpf_map_type(spec.kind), name.substr(0, 15).c_str(),
                                sizeof(uint32_t), spec.value_size, spec.entries, &opts);
  check_libbpf(fd, "bpf_map_create", "target map " + name);
  fd_.reset(fd);
  view_ = MapView(fd_.get(), query_map_info(fd_.get()));
}

void TargetMap::prefill(VersionBoard& board) const {
  const size_t slot = (spec_.value_size + 7u) & ~7u;
  const uint32_t slots = is_percpu(spec_.kind) ? possible_cpus() : 1;
  const uint32_t offset = spec_.spin_lock ? MAPSLA_LOCK_HEADER_BYTES : 0;
  std::vector<std::byte> value(view_.value_buffer_size());
  for (uint32_t key = 0; key < spec_.keys; ++key) {
    for (uint32_t cpu = 0; cpu < slots; ++cpu)
      make_record(std::span(value.data() + cpu * slot + offset, spec_.value_size - offset), key, 1,
                  cpu);
    if (int err = view_.update(&key, value.data(), BPF_ANY))
      throw BpfError("prefill bpf_map_update_elem", "key " + std::to_string(key), err);
  }
  board.publish_range(0, spec_.keys, 1);
}

}  // namespace mapsla
