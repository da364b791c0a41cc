// The map under test: created by the harness (not by a program's object) so
// that its kind, size, flags and NUMA node come from the scenario and every
// writer and reader shares the one fd.
#pragma once

#include <string>

#include "core/bpf/fd.h"
#include "core/bpf/map.h"
#include "model/scenario.h"
#include "model/version_board.h"

namespace mapsla {

class TargetMap {
 public:
  // Throws BpfError (EPERM: no privileges; EINVAL: the kernel refused the
  // combination of kind/flags). A spec with spin_lock gets BTF describing the
  // lock (core/bpf/value_btf.h) and, for arrays, no BPF_F_MMAPABLE.
  TargetMap(const MapSpec& spec, const std::string& name);

  const MapSpec& spec() const { return spec_; }
  const MapView& view() const { return view_; }
  int fd() const { return fd_.get(); }
  bool mmapable() const { return (view_.info().flags & BPF_F_MMAPABLE) != 0; }

  // Writes version 1 of every key 0..keys-1 (every CPU's slot for per-CPU
  // kinds, with writer_cpu = that CPU; after the lock header for spin-locked
  // values) and publishes it on the board. Throws on any failed update.
  void prefill(VersionBoard& board) const;

 private:
  MapSpec spec_;
  UniqueFd fd_;
  MapView view_;
};

// Flags the harness creates a map of this spec with.
uint32_t target_map_flags(const MapSpec& spec);

}  // namespace mapsla
