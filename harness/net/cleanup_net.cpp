#include "harness/net/cleanup_net.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/net/command.h"
#include "core/net/netns.h"

namespace mapsla {
namespace {

bool is_veth(const std::string& dev) {
  const CommandResult r = run_command({"ip", "-d", "-j", "link", "show", "dev", dev});
  if (!r.ok()) return false;
  const auto links = nlohmann::json::parse(r.out, nullptr, false);
  return links.is_array() && !links.empty() && links[0].contains("linkinfo") &&
         links[0]["linkinfo"].value("info_kind", "") == "veth";
}

}  // namespace

std::vector<std::string> remove_stale_network(const std::string& run_id) {
  std::vector<std::string> removed;
  std::vector<std::string> namespaces;
  std::vector<std::string> devices;
  if (!run_id.empty()) {
    const LinkNames names = link_names(run_id);
    for (const auto& ns : {names.tx_netns, names.rx_netns})
      if (netns_exists(ns)) namespaces.push_back(ns);
    devices = {names.tx_dev, names.rx_dev};
  } else {
    static const std::regex ours("mapsla-[A-Za-z0-9]{1,12}-(tx|rx)");
    for (const auto& ns : list_netns(kNetnsPrefix))
      if (std::regex_match(ns, ours)) namespaces.push_back(ns);
    static const std::regex veth("ms[A-Za-z0-9]{1,12}[ab]");
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ec)) {
      const std::string dev = entry.path().filename().string();
      if (std::regex_match(dev, veth)) devices.push_back(dev);
    }
  }
  for (const auto& ns : namespaces) {
    // A namespace that cannot be deleted stays listed by `ip netns list`.
    if (run_command({"ip", "netns", "del", ns}).ok())
      removed.push_back(
          fmt::format("network namespace {} (with its veth, qdiscs and tc filters)", ns));
  }
  std::error_code ec;
  for (const auto& dev : devices) {
    if (!std::filesystem::exists("/sys/class/net/" + dev, ec) || !is_veth(dev)) continue;
    if (run_command({"ip", "link", "del", "dev", dev}).ok())
      removed.push_back(fmt::format("veth {} (host namespace)", dev));
  }
  return removed;
}

}  // namespace mapsla
