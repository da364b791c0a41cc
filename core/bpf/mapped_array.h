// A BPF_F_MMAPABLE array mapped read-only into the process: element i of a
// program's counter array read with one atomic load, no syscall. Elements are
// structs of naturally aligned __u64 counters that BPF programs update with
// atomic adds; load() reads one counter with acquire order, so a program's
// stores before its atomic add are visible once the add is.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "core/bpf/error.h"

namespace mapsla {

template <typename T>
class MappedArray {
 public:
  MappedArray() = default;
  // Throws BpfError when the map cannot be mapped (not mmapable, no memory).
  MappedArray(int map_fd, uint32_t entries, const std::string& what) : entries_(entries) {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    bytes_ = (sizeof(T) * entries + page - 1) / page * page;
    void* mem = ::mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, map_fd, 0);
    if (mem == MAP_FAILED) throw BpfError("mmap", what, errno);
    data_ = static_cast<const T*>(mem);
  }
  MappedArray(MappedArray&& other) noexcept { *this = std::move(other); }
  MappedArray& operator=(MappedArray&& other) noexcept {
    if (this != &other) {
      unmap();
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
      entries_ = std::exchange(other.entries_, 0);
    }
    return *this;
  }
  MappedArray(const MappedArray&) = delete;
  MappedArray& operator=(const MappedArray&) = delete;
  ~MappedArray() { unmap(); }

  uint32_t size() const { return entries_; }
  bool mapped() const { return data_ != nullptr; }
  // The counter `member` of element i, e.g. load(i, &mapsla_flow_count::packets).
  template <typename Counter>
  uint64_t load(uint32_t i, Counter T::*member) const {
    return __atomic_load_n(&(data_[i].*member), __ATOMIC_ACQUIRE);
  }

 private:
  void unmap() {
    if (data_) ::munmap(const_cast<T*>(data_), bytes_);
    data_ = nullptr;
  }

  const T* data_ = nullptr;
  size_t bytes_ = 0;
  uint32_t entries_ = 0;
};

}  // namespace mapsla
