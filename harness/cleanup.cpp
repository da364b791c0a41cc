#include "harness/cleanup.h"

#include <filesystem>
#include <random>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/bpf/bpffs.h"
#include "core/net/netns.h"
#include "core/util/process_group.h"
#include "harness/net/cleanup_net.h"
#include "harness/run_lock.h"

namespace mapsla {
namespace fs = std::filesystem;

std::vector<std::string> runs_with_leftovers() {
  std::set<std::string> ids;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(kPinParent, ec))
    ids.insert(dir.path().filename().string());
  static const std::regex netns("mapsla-([A-Za-z0-9]{1,12})-(tx|rx)");
  for (const auto& ns : list_netns(kNetnsPrefix))
    if (std::smatch m; std::regex_match(ns, m, netns)) ids.insert(m[1].str());
  static const std::regex veth("ms([A-Za-z0-9]{1,12})[ab]");
  for (const auto& entry : fs::directory_iterator("/sys/class/net", ec)) {
    const std::string dev = entry.path().filename().string();
    if (std::smatch m; std::regex_match(dev, m, veth)) ids.insert(m[1].str());
  }
  for (auto& id : tagged_run_ids())
    ids.insert(std::move(id));
  return {ids.begin(), ids.end()};
}

CleanupReport cleanup_leftovers(const std::string& run_id, bool force) {
  CleanupReport report;
  const std::vector<std::string> runs =
      run_id.empty() ? runs_with_leftovers() : std::vector<std::string>{run_id};
  for (const std::string& id : runs) {
    if (run_id.empty() && !force) {
      if (const auto owner = live_run_owner(id)) {
        report.spared.push_back(fmt::format("run {} ({}): live, left alone", id, *owner));
        continue;
      }
    }
    for (const auto& path : remove_stale_pins(id))
      report.removed.push_back("pin " + path.string());
    for (auto& line : remove_stale_network(id))
      report.removed.push_back(std::move(line));
    for (auto& line : kill_tagged_processes(id))
      report.removed.push_back(std::move(line));
    remove_dead_run_lock(id);
  }
  return report;
}

std::string new_run_id() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

}  // namespace mapsla
