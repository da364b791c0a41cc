// BTF for target maps whose values hold a kernel-managed field.
//
// A value that holds a `struct bpf_spin_lock` must be described by BTF when
// the map is created: the kernel finds the lock through the value's BTF type,
// and only then accepts bpf_spin_lock() in programs and BPF_F_LOCK from
// userspace. LockedValueBtf builds that description for the `locked` writer
// pattern (bpf/record.h: an 8-byte header holding the lock, then the oracle
// record as opaque bytes) and loads it into the kernel. The map keeps its own
// reference to the BTF, so this object may be destroyed once the map exists.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <memory>

namespace mapsla {

class LockedValueBtf {
 public:
  // Key: a 4-byte unsigned int. Value: `struct mapsla_locked_value { struct
  // bpf_spin_lock lock; __u32 pad; __u8 record[value_size - 8]; }`. Throws
  // BpfError when libbpf cannot build the types or the kernel rejects them.
  explicit LockedValueBtf(uint32_t value_size);

  int fd() const { return btf__fd(btf_.get()); }
  uint32_t key_type_id() const { return key_type_id_; }
  uint32_t value_type_id() const { return value_type_id_; }

 private:
  std::unique_ptr<btf, void (*)(btf*)> btf_;
  uint32_t key_type_id_ = 0;
  uint32_t value_type_id_ = 0;
};

}  // namespace mapsla
