// The network objects of a traffic run: two named network namespaces joined
// by a veth pair, every name derived from the run id so that
// `mapsla cleanup --run-id ID` finds what a killed run left.
//
//   mapsla-<tag>-tx  [ ms<tag>a 198.18.0.1/30 ] ==veth== [ ms<tag>b 198.18.0.2/30 ] mapsla-<tag>-rx
//
// <tag> is the run id when it is at most 12 letters or digits (run ids are 8
// hex digits), else an 8-hex-digit hash of it, so interface names stay within
// IFNAMSIZ. The addresses are in 198.18.0.0/15 (RFC 2544, reserved for
// benchmarking), the tx side has a permanent neighbour entry for the rx MAC
// (no ARP), and IPv6 is off on both devices, so the only packets on the wire
// are the generator's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mapsla {

inline constexpr const char* kNetnsDir = "/run/netns";
inline constexpr const char* kNetnsPrefix = "mapsla-";
inline constexpr const char* kTxAddress = "198.18.0.1";
inline constexpr const char* kRxAddress = "198.18.0.2";
inline constexpr const char* kTxMac = "02:6d:73:00:00:01";
inline constexpr const char* kRxMac = "02:6d:73:00:00:02";

struct LinkNames {
  std::string tag;
  std::string tx_netns, rx_netns;
  std::string tx_dev, rx_dev;
};

LinkNames link_names(const std::string& run_id);

// Named namespaces under kNetnsDir starting with `prefix`.
std::vector<std::string> list_netns(const std::string& prefix);
bool netns_exists(const std::string& name);

// Moves the calling thread into a named network namespace until destruction
// (setns(2) changes only the calling thread). Sockets and netlink handles
// created inside stay bound to that namespace after the scope ends. Throws
// std::system_error when the namespace cannot be entered.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& netns);
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;
  ~NetnsScope();

 private:
  int saved_ = -1;
};

// Owns a run's namespace pair and veth. The constructor builds everything or
// removes what it made and throws (CommandError, std::system_error); the
// destructor deletes both namespaces, which destroys the veth pair and every
// qdisc and filter on it. Throws too when the namespaces already exist
// (another run with this id, or leftovers for `mapsla cleanup`).
class VethLink {
 public:
  explicit VethLink(const std::string& run_id);
  VethLink(const VethLink&) = delete;
  VethLink& operator=(const VethLink&) = delete;
  ~VethLink();

  const LinkNames& names() const { return names_; }
  // Idempotent; what the destructor does. Returns the namespaces removed.
  std::vector<std::string> remove() noexcept;

 private:
  LinkNames names_;
  bool tx_created_ = false;
  bool rx_created_ = false;
};

// ifindex of `dev` inside `netns`; throws std::system_error when absent.
int ifindex_in(const std::string& netns, const std::string& dev);

}  // namespace mapsla
