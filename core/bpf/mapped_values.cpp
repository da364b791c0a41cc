#include "core/bpf/mapped_values.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/bpf/error.h"

namespace mapsla {

MappedValues::MappedValues(const MapView& map) {
  const MapInfo& info = map.info();
  if (info.kind != MapKind::array || !(info.flags & BPF_F_MMAPABLE))
    throw BpfError("mmap", "map " + info.name + " (not a BPF_F_MMAPABLE array)", EINVAL);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  stride_ = (info.value_size + 7u) & ~size_t{7};
  entries_ = info.max_entries;
  bytes_ = (stride_ * entries_ + page - 1) / page * page;
  // Read-only: the kernel allows PROT_READ mappings of any mmapable array,
  // and a reader has no business writing the map.
  void* mem = ::mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, map.fd(), 0);
  if (mem == MAP_FAILED) throw BpfError("mmap", "map " + info.name, errno);
  data_ = static_cast<const std::byte*>(mem);
}

MappedValues::MappedValues(MappedValues&& other) noexcept {
  *this = std::move(other);
}

MappedValues& MappedValues::operator=(MappedValues&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    stride_ = std::exchange(other.stride_, 0);
    entries_ = std::exchange(other.entries_, 0);
  }
  return *this;
}

MappedValues::~MappedValues() {
  unmap();
}

void MappedValues::unmap() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), bytes_);
  data_ = nullptr;
}

}  // namespace mapsla
