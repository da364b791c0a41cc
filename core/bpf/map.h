// Map kinds, map metadata and a non-owning view with the hot-path operations.
//
// Every MapView operation returns 0 or a positive errno and never throws: the
// readers call them millions of times and classify the errno themselves.
// ENOENT from lookup means the key was absent at that instant; ENOENT from
// get_next_key means the iteration reached the end; ENOENT from lookup_batch
// means the map ended, possibly after a partial batch (check `count`).
#pragma once

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mapsla {

enum class MapKind { hash, lru_hash, array, percpu_hash, percpu_array };

inline constexpr MapKind kAllMapKinds[] = {MapKind::hash, MapKind::lru_hash, MapKind::array,
                                           MapKind::percpu_hash, MapKind::percpu_array};

std::string_view to_string(MapKind kind);
std::optional<MapKind> map_kind_from_string(std::string_view name);
bpf_map_type to_bpf_map_type(MapKind kind);
constexpr bool is_percpu(MapKind kind) {
  return kind == MapKind::percpu_hash || kind == MapKind::percpu_array;
}
constexpr bool is_array(MapKind kind) {
  return kind == MapKind::array || kind == MapKind::percpu_array;
}

// What the kernel says about a map (BPF_OBJ_GET_INFO_BY_FD).
struct MapInfo {
  MapKind kind = MapKind::hash;
  uint32_t id = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;
  std::string name;
};

// Throws BpfError when the fd is not a map or has a kind mapsla does not know.
MapInfo query_map_info(int map_fd);

// Number of possible CPUs (per-CPU values hold one slot per possible CPU).
uint32_t possible_cpus();

// Bytes one lookup writes into the caller's buffer: value_size for shared
// maps, value_size rounded up to 8 times the possible CPUs for per-CPU maps.
size_t value_buffer_size(MapKind kind, uint32_t value_size);

class MapView {
 public:
  MapView() = default;
  MapView(int fd, MapInfo info) : fd_(fd), info_(std::move(info)) {}

  int fd() const { return fd_; }
  const MapInfo& info() const { return info_; }
  size_t value_buffer_size() const {
    return mapsla::value_buffer_size(info_.kind, info_.value_size);
  }

  int lookup(const void* key, void* value) const noexcept {
    return errno_of_call(bpf_map_lookup_elem(fd_, key, value));
  }
  int lookup_flags(const void* key, void* value, uint64_t flags) const noexcept {
    return errno_of_call(bpf_map_lookup_elem_flags(fd_, key, value, flags));
  }
  // `key == nullptr` asks for the first key.
  int get_next_key(const void* key, void* next_key) const noexcept {
    return errno_of_call(bpf_map_get_next_key(fd_, key, next_key));
  }
  // `in_batch == nullptr` starts at the beginning; `count` is in/out.
  int lookup_batch(void* in_batch, void* out_batch, void* keys, void* values,
                   uint32_t* count) const noexcept {
    return errno_of_call(
        bpf_map_lookup_batch(fd_, in_batch, out_batch, keys, values, count, nullptr));
  }
  int update(const void* key, const void* value, uint64_t flags) const noexcept {
    return errno_of_call(bpf_map_update_elem(fd_, key, value, flags));
  }
  // ENOENT: the key was not there.
  int erase(const void* key) const noexcept { return errno_of_call(bpf_map_delete_elem(fd_, key)); }

 private:
  static int errno_of_call(int ret) noexcept { return ret < 0 ? -ret : 0; }

  int fd_ = -1;
  MapInfo info_;
};

}  // namespace mapsla
