// locked: bpf_map_lookup_elem_flags(BPF_F_LOCK) per key of the key set.
//
// Contract: the kernel copies each value while holding the value's
// bpf_spin_lock, the lock every `locked` writer holds while it writes, so a
// value is never torn by such a writer (a program that writes the value
// without taking the lock can still tear it). The copy is of one value at
// one instant: nothing is consistent across keys. The value must hold a
// bpf_spin_lock described by the map's BTF, so this applies only to the
// `locked` writer pattern on a hash or a plain (not mmapable) array; the
// lock word itself reads as zero. EINVAL from a lookup means the map has no
// lock.
#pragma once

#include <string>

#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class LockedReader final : public Reader {
 public:
  struct Options {};  // none

  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "locked"; }
  std::string_view mode() const override { return "keys"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;

 private:
  MapView map_;
  uint32_t key_count_ = 0;
};

}  // namespace mapsla
