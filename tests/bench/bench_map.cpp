#include "tests/bench/bench_map.h"

#include <bpf/bpf.h>

#include <map>

#include "harness/bpf/features.h"
#include "harness/util/clock.h"

namespace mapsla::bench {

BenchMap& bench_map(MapKind kind) {
  static std::map<MapKind, BenchMap> maps;
  auto [it, inserted] = maps.try_emplace(kind);
  BenchMap& b = it->second;
  if (!inserted) return b;
  if (!probe_kernel_features().privileges.available) {
    b.error = "needs BPF privileges (run as root)";
    return b;
  }
  b.map = std::make_unique<TargetMap>(MapSpec{kind, kEntries, kEntries, kValueSize, {}},
                                      "mapsla_bench");
  b.board = std::make_unique<VersionBoard>(kEntries);
  b.map->prefill(*b.board);
  return b;
}

uint64_t raw_lookup_pass_ns(int map_fd) {
  std::byte value[kValueSize];
  const uint64_t start = now_ns();
  for (uint32_t key = 0; key < kEntries; ++key)
    bpf_map_lookup_elem(map_fd, &key, value);
  return now_ns() - start;
}

}  // namespace mapsla::bench
