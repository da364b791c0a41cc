#include "core/net/netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "core/net/command.h"

namespace mapsla {
namespace fs = std::filesystem;
namespace {

std::string tag_of(const std::string& run_id) {
  const bool plain =
      !run_id.empty() && run_id.size() <= 12 &&
      std::all_of(run_id.begin(), run_id.end(), [](char c) { return std::isalnum(c) != 0; });
  if (plain) return run_id;
  uint32_t hash = 2166136261u;  // FNV-1a: stable across builds, unlike std::hash
  for (char c : run_id)
    hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  return fmt::format("{:08x}", hash);
}

void disable_ipv6(const std::string& dev) {
  // /proc/sys/net resolves in the opening thread's namespace (NetnsScope).
  std::ofstream out("/proc/sys/net/ipv6/conf/" + dev + "/disable_ipv6");
  if (out) out << "1\n";
}

}  // namespace

LinkNames link_names(const std::string& run_id) {
  const std::string tag = tag_of(run_id);
  return {tag, fmt::format("{}{}-tx", kNetnsPrefix, tag), fmt::format("{}{}-rx", kNetnsPrefix, tag),
          fmt::format("ms{}a", tag), fmt::format("ms{}b", tag)};
}

std::vector<std::string> list_netns(const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kNetnsDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool netns_exists(const std::string& name) {
  std::error_code ec;
  return fs::exists(fs::path(kNetnsDir) / name, ec);
}

NetnsScope::NetnsScope(const std::string& netns) {
  saved_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved_ < 0) throw std::system_error(errno, std::generic_category(), "open own netns");
  const std::string path = std::string(kNetnsDir) + "/" + netns;
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    const int err = errno;
    ::close(saved_);
    throw std::system_error(err, std::generic_category(), "open netns " + path);
  }
  const int rc = ::setns(target, CLONE_NEWNET);
  const int err = errno;
  ::close(target);
  if (rc != 0) {
    ::close(saved_);
    throw std::system_error(err, std::generic_category(), "setns " + netns);
  }
}

NetnsScope::~NetnsScope() {
  // Returning to the saved namespace cannot fail for a namespace we were in.
  ::setns(saved_, CLONE_NEWNET);
  ::close(saved_);
}

int ifindex_in(const std::string& netns, const std::string& dev) {
  NetnsScope scope(netns);
  const unsigned index = ::if_nametoindex(dev.c_str());
  if (index == 0)
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("interface {} in {}", dev, netns));
  return static_cast<int>(index);
}

VethLink::VethLink(const std::string& run_id) : names_(link_names(run_id)) {
  for (const auto& ns : {names_.tx_netns, names_.rx_netns})
    if (netns_exists(ns))
      throw std::runtime_error(fmt::format(
          "network namespace {} already exists: another run with id {} is going, or a killed "
          "run left it (`mapsla cleanup --run-id {}` removes it)",
          ns, names_.tag, names_.tag));
  try {
    run_checked({"ip", "netns", "add", names_.tx_netns});
    tx_created_ = true;
    run_checked({"ip", "netns", "add", names_.rx_netns});
    rx_created_ = true;
    // Created directly inside the namespaces: a run killed at any point
    // leaves no veth in the host namespace, only namespaces to delete.
    run_checked({"ip", "link", "add", "name", names_.tx_dev, "address", kTxMac, "netns",
                 names_.tx_netns, "type", "veth", "peer", "name", names_.rx_dev, "address", kRxMac,
                 "netns", names_.rx_netns});
    const std::string prefix = "/30";
    for (const auto& [ns, dev, address] :
         {std::tuple{names_.tx_netns, names_.tx_dev, std::string(kTxAddress)},
          std::tuple{names_.rx_netns, names_.rx_dev, std::string(kRxAddress)}}) {
      {
        NetnsScope scope(ns);
        disable_ipv6(dev);
      }
      run_checked({"ip", "-n", ns, "addr", "add", address + prefix, "dev", dev});
      run_checked({"ip", "-n", ns, "link", "set", "dev", dev, "up"});
    }
    run_checked({"ip", "-n", names_.tx_netns, "neigh", "replace", kRxAddress, "lladdr", kRxMac,
                 "dev", names_.tx_dev, "nud", "permanent"});
  } catch (...) {
    remove();
    throw;
  }
}

VethLink::~VethLink() {
  remove();
}

std::vector<std::string> VethLink::remove() noexcept {
  std::vector<std::string> removed;
  try {
    if (tx_created_ && run_command({"ip", "netns", "del", names_.tx_netns}).ok())
      removed.push_back(names_.tx_netns);
    tx_created_ = false;
    if (rx_created_ && run_command({"ip", "netns", "del", names_.rx_netns}).ok())
      removed.push_back(names_.rx_netns);
    rx_created_ = false;
  } catch (...) {
    // Pipes could not be made: `mapsla cleanup` removes what is left.
  }
  return removed;
}

}  // namespace mapsla
