// Exact count of the LRU evictions of one map: a kprobe/kretprobe pair on
// the kernel's eviction callback (bpf/lru_evict.bpf.c), filtered by map id.
// Needs kprobes and BTF (CO-RE); when the probes cannot load or attach,
// start() leaves the counter unavailable and error() says why, so a report
// shows "evictions: unknown" with the reason instead of a made-up number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bpf/skeleton.h"
#include "mapsla_lru_evict.skel.h"

namespace mapsla {

class LruEvictionCounter {
 public:
  explicit LruEvictionCounter(uint32_t map_id);
  // Loads and attaches; never throws (see error()).
  void start();
  // Evictions counted since start(); nullopt when the counter is unavailable.
  std::optional<uint64_t> evictions() const;
  const std::string& error() const { return error_; }

 private:
  uint32_t map_id_;
  SkeletonPtr<mapsla_lru_evict> skeleton_{nullptr, mapsla_lru_evict__destroy};
  std::string error_;
};

}  // namespace mapsla
