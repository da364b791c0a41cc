// Shared fixture of the reader benchmarks: one 64 K-entry map of 64 B oracle
// records per kind, created once per process, and the raw floors every
// strategy is compared with. A benchmark interleaves an untimed floor pass
// with its own timed passes (PauseTiming), so its `x_raw_*` counter compares
// the same moments of the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>

#include "harness/target_map.h"
#include "model/version_board.h"

namespace mapsla::bench {

inline constexpr uint32_t kEntries = 65536;
inline constexpr uint32_t kValueSize = 64;

struct BenchMap {
  std::unique_ptr<TargetMap> map;
  std::unique_ptr<VersionBoard> board;
  std::string error;  // why the map could not be made (no privileges)
};

// The prefilled map of `kind` (hash or array), created on first use.
BenchMap& bench_map(MapKind kind = MapKind::hash);

// Wall time of one pass of the raw bpf_map_lookup_elem loop over every key.
uint64_t raw_lookup_pass_ns(int map_fd);

// Wall time of one pass of the raw bpf_map_lookup_batch loop over a map of
// kValueSize values, `batch` entries per call into one reused buffer, until
// ENOENT. Returns 0 if a call failed otherwise.
uint64_t raw_batch_pass_ns(int map_fd, uint32_t batch = 4096);

// Wall time of one pass of plain memcpy over an mmapped array of kEntries
// values of kValueSize bytes (`values` is the mapping's start), each value
// copied into a block-sized (4096-value) buffer, as a reader must at least.
uint64_t raw_mmap_copy_pass_ns(const std::byte* values);

void register_iter_benchmark();  // mmap_iter_bench.cpp

}  // namespace mapsla::bench
