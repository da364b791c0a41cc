#include "core/bpf/map.h"

#include <bpf/libbpf.h>

#include <array>
#include <utility>

#include "core/bpf/error.h"

namespace mapsla {
namespace {

constexpr std::array<std::pair<MapKind, std::string_view>, 5> kNames = {{
    {MapKind::hash, "hash"},
    {MapKind::lru_hash, "lru_hash"},
    {MapKind::array, "array"},
    {MapKind::percpu_hash, "percpu_hash"},
    {MapKind::percpu_array, "percpu_array"},
}};

}  // namespace

std::string_view to_string(MapKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "unknown";
}

std::optional<MapKind> map_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

bpf_map_type to_bpf_map_type(MapKind kind) {
  switch (kind) {
    case MapKind::hash:
      return BPF_MAP_TYPE_HASH;
    case MapKind::lru_hash:
      return BPF_MAP_TYPE_LRU_HASH;
    case MapKind::array:
      return BPF_MAP_TYPE_ARRAY;
    case MapKind::percpu_hash:
      return BPF_MAP_TYPE_PERCPU_HASH;
    case MapKind::percpu_array:
      return BPF_MAP_TYPE_PERCPU_ARRAY;
  }
  return BPF_MAP_TYPE_UNSPEC;
}

MapInfo query_map_info(int map_fd) {
  bpf_map_info raw{};
  uint32_t len = sizeof(raw);
  check_libbpf(bpf_obj_get_info_by_fd(map_fd, &raw, &len), "bpf_obj_get_info_by_fd", "map");
  MapInfo info;
  bool known = false;
  for (const auto& [kind, name] : kNames) {
    if (to_bpf_map_type(kind) == raw.type) {
      info.kind = kind;
      known = true;
    }
  }
  if (!known) throw BpfError("query_map_info", raw.name, EOPNOTSUPP);
  info.id = raw.id;
  info.key_size = raw.key_size;
  info.value_size = raw.value_size;
  info.max_entries = raw.max_entries;
  info.flags = raw.map_flags;
  info.name = raw.name;
  return info;
}

uint32_t possible_cpus() {
  static const uint32_t cpus = [] {
    int n = libbpf_num_possible_cpus();
    if (n <= 0) throw BpfError("libbpf_num_possible_cpus", "/sys/devices/system/cpu/possible", -n);
    return static_cast<uint32_t>(n);
  }();
  return cpus;
}

size_t value_buffer_size(MapKind kind, uint32_t value_size) {
  if (!is_percpu(kind)) return value_size;
  return static_cast<size_t>((value_size + 7u) & ~7u) * possible_cpus();
}

}  // namespace mapsla
