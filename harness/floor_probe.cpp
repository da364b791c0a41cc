#include "harness/floor_probe.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <utility>

#include "core/bpf/error.h"
#include "core/util/clock.h"

namespace mapsla {

FloorProbe::FloorProbe() {
  const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsla_floor", sizeof(uint32_t),
                                sizeof(uint64_t), 1, nullptr);
  check_libbpf(fd, "bpf_map_create", "floor reference map");
  map_.reset(fd);
}

void FloorProbe::warmup_pass(uint64_t pass_ns) {
  ++warmup_passes_;
  warmup_ns_ += pass_ns;
}

void FloorProbe::after_pass(uint64_t pass_ns) {
  if (every_ == 0) {
    const uint64_t typical = warmup_passes_ ? warmup_ns_ / warmup_passes_ : pass_ns;
    every_ = std::max<uint64_t>(1, kSpacingNs / std::max<uint64_t>(typical, 1));
  }
  if (++passes_ % every_ == 0) burst();
}

void FloorProbe::burst() {
  const uint32_t key = 0;
  uint64_t value = 0;
  for (uint64_t& ns : burst_ns_) {
    const uint64_t t0 = now_ns();
    // The result does not matter: key 0 of an array always exists.
    (void)bpf_map_lookup_elem(map_.get(), &key, &value);
    ns = now_ns() - t0;
  }
  auto middle = burst_ns_.begin() + kBurstOps / 2;
  std::nth_element(burst_ns_.begin(), middle, burst_ns_.end());
  sample_.median_sum_ns += *middle;
  ++sample_.bursts;
}

FloorProbe::Sample FloorProbe::take() {
  return std::exchange(sample_, Sample{});
}

}  // namespace mapsla
