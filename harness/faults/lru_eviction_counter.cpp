#include "harness/faults/lru_eviction_counter.h"

#include <cerrno>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "core/bpf/error.h"

namespace mapsla {
namespace {

constexpr const char* kProbedFunction = "htab_lru_map_delete_node";

// Whether the kernel has the function as a symbol of its own. Where the
// compiler inlined it there is nothing to probe, and libbpf's attach would
// fail only after printing its errors on stderr in the middle of a run.
bool kernel_has_symbol(const std::string& name) {
  std::ifstream kallsyms("/proc/kallsyms");
  if (!kallsyms) return true;  // cannot tell: let the attach decide
  std::string address, type, symbol;
  while (kallsyms >> address >> type >> symbol) {
    if (symbol == name) return true;
    kallsyms.ignore(4096, '\n');  // a module's "[name]" column
  }
  return false;
}

}  // namespace

LruEvictionCounter::LruEvictionCounter(uint32_t map_id) : map_id_(map_id) {}

void LruEvictionCounter::start() {
  static const bool probeable = kernel_has_symbol(kProbedFunction);  // kallsyms is long: once
  if (!probeable) {
    error_ = fmt::format("the kernel has no symbol {} to probe (inlined in this build)",
                         kProbedFunction);
    return;
  }
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
