// The values of a BPF_F_MMAPABLE array, mapped read-only into the process.
//
// Value i starts at data() + i * stride(), stride = value_size rounded up to
// 8 (the kernel's element size); the mapping covers max_entries values,
// rounded up to whole pages. The memory is the map's own: BPF programs keep
// writing it while it is read, with no lock, so a plain copy can be torn.
// Moving transfers the mapping; destruction unmaps it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bpf/map.h"

namespace mapsla {

class MappedValues {
 public:
  MappedValues() = default;
  // Throws BpfError: EINVAL when `map` is not an mmapable array, or mmap's
  // errno.
  explicit MappedValues(const MapView& map);
  MappedValues(MappedValues&& other) noexcept;
  MappedValues& operator=(MappedValues&& other) noexcept;
  MappedValues(const MappedValues&) = delete;
  MappedValues& operator=(const MappedValues&) = delete;
  ~MappedValues();

  const std::byte* data() const { return data_; }
  const std::byte* value(uint32_t index) const { return data_ + index * stride_; }
  size_t stride() const { return stride_; }
  uint32_t entries() const { return entries_; }

 private:
  void unmap();

  const std::byte* data_ = nullptr;
  size_t bytes_ = 0;
  size_t stride_ = 0;
  uint32_t entries_ = 0;
};

}  // namespace mapsla
