// A map-element BPF iterator (bpf/map_iter.bpf.c) attached to one map.
//
// Each open() starts a new pass: bpf_iter_create() on the attached link
// returns a fresh fd whose read()s stream the map as frames of a 4-byte key
// followed by frame_value_bytes() value bytes (the per-CPU area for per-CPU
// maps, laid out like a per-CPU lookup's buffer). A frame is never split
// across read()s: the kernel rolls back an element that does not fit the
// seq_file buffer (8 pages) and emits it in the next read(). read() returns
// 0 at the end of the pass; the fd is good for one pass only.
//
// The program reads values without any lock, while writers may be writing:
// an element can be torn exactly as a plain lookup's copy can. A hash map
// is walked bucket by bucket, so keys deleted or inserted during the pass
// can be missed or seen twice.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>

#include "core/bpf/fd.h"
#include "core/bpf/map.h"
#include "core/bpf/skeleton.h"

struct mapsla_map_iter;

namespace mapsla {

class MapIterator {
 public:
  // Loads the iterator program and attaches it to `map`. Throws BpfError
  // (the kernel lacks iter/bpf_map_elem, or refuses the map).
  explicit MapIterator(const MapView& map);
  ~MapIterator();
  MapIterator(const MapIterator&) = delete;
  MapIterator& operator=(const MapIterator&) = delete;

  // A new pass; returns the iterator fd, or a negative errno (a hot-path
  // call: it never throws).
  int open() const noexcept;
  uint32_t frame_value_bytes() const { return value_bytes_; }
  size_t frame_bytes() const { return sizeof(uint32_t) + value_bytes_; }

 private:
  SkeletonPtr<mapsla_map_iter> skeleton_;
  std::unique_ptr<bpf_link, int (*)(bpf_link*)> link_;
  uint32_t value_bytes_ = 0;
};

}  // namespace mapsla
