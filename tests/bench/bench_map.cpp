#include "tests/bench/bench_map.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "core/bpf/features.h"
#include "core/util/clock.h"

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

uint64_t raw_batch_pass_ns(int map_fd, uint32_t batch) {
  thread_local std::vector<uint32_t> keys;
  thread_local std::vector<std::byte> values;
  keys.resize(batch);
  values.resize(static_cast<size_t>(batch) * kValueSize);
  uint32_t in = 0, out = 0;
  bool first = true;
  const uint64_t start = now_ns();
  for (;;) {
    uint32_t count = batch;
    const int err = bpf_map_lookup_batch(map_fd, first ? nullptr : &in, &out, keys.data(),
                                         values.data(), &count, nullptr);
    if (err == -ENOENT) break;
    if (err < 0) return 0;
    in = out;
    first = false;
  }
  return now_ns() - start;
}

uint64_t raw_mmap_copy_pass_ns(const std::byte* values) {
  constexpr uint32_t kBlockValues = 4096;
  thread_local std::vector<std::byte> block(static_cast<size_t>(kBlockValues) * kValueSize);
  const uint64_t start = now_ns();
  for (uint32_t key = 0; key < kEntries; ++key)
    std::memcpy(block.data() + (key % kBlockValues) * kValueSize, values + key * kValueSize,
                kValueSize);
  benchmark::ClobberMemory();
  return now_ns() - start;
}

}  // namespace mapsla::bench
