// `mapsla cleanup` for network objects: the namespaces (and with them the
// veth pair, qdiscs and tc filters) a killed traffic run left, found by name
// (netns.h). Also removes a stray `ms<tag>a|b` veth from the host namespace,
// which mapsla never creates there but an interrupted older run might have.
#pragma once

#include <string>
#include <vector>

namespace mapsla {

// One run's objects when `run_id` is set, else every mapsla run's (runs still
// going included). Returns one line per object removed; idempotent.
std::vector<std::string> remove_stale_network(const std::string& run_id);

}  // namespace mapsla
