#include "harness/cleanup.h"

#include <random>

#include <fmt/format.h>

#include "harness/bpf/bpffs.h"
#include "harness/net/cleanup_net.h"
#include "harness/util/process_group.h"

namespace mapsla {

std::vector<std::string> cleanup_leftovers(const std::string& run_id) {
  std::vector<std::string> removed;
  for (const auto& path : remove_stale_pins(run_id))
    removed.push_back("pin " + path.string());
  for (auto& line : remove_stale_network(run_id))
    removed.push_back(std::move(line));
  for (auto& line : kill_tagged_processes(run_id))
    removed.push_back(std::move(line));
  return removed;
}

std::string new_run_id() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

}  // namespace mapsla
