#include "harness/faults/lru_eviction_counter.h"

#include <cerrno>

#include <fmt/format.h>

#include "harness/bpf/error.h"

namespace mapsla {

LruEvictionCounter::LruEvictionCounter(uint32_t map_id) : map_id_(map_id) {}

void LruEvictionCounter::start() {
  skeleton_.reset(mapsla_lru_evict__open());
  if (!skeleton_) {
    error_ = fmt::format("open lru_evict skeleton: {}", errno_name(errno));
    return;
  }
  skeleton_->rodata->target_map_id = map_id_;
  if (int err = errno_of(mapsla_lru_evict__load(skeleton_.get()))) {
    error_ = fmt::format("load kprobes on htab_lru_map_delete_node: {}", errno_name(err));
    skeleton_.reset();
    return;
  }
  if (int err = errno_of(mapsla_lru_evict__attach(skeleton_.get()))) {
    error_ = fmt::format("attach kprobes on htab_lru_map_delete_node: {}", errno_name(err));
    skeleton_.reset();
  }
}

std::optional<uint64_t> LruEvictionCounter::evictions() const {
  if (!skeleton_) return std::nullopt;
  return __atomic_load_n(&skeleton_->bss->evictions, __ATOMIC_RELAXED);
}

}  // namespace mapsla
