// What a `mapsla run` can leave on the host, looked up by its run id: its pin
// directory, its network namespaces, veths and qdiscs, and processes tagged
// with its id (stress-ng, external and bpftool readers). Shared by the tests
// that kill runs and check that `mapsla cleanup` leaves nothing.
#pragma once

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>

#include "core/net/command.h"
#include "core/net/netns.h"
#include "core/util/process_group.h"

namespace mapsla::testing {

// The run id a `mapsla run` printed on its first line ("mapsla run ID: …"), or "".
inline std::string run_id_in(const std::string& output) {
  static const std::regex started("mapsla run ([0-9a-f]{8}):");
  std::smatch match;
  return std::regex_search(output, match, started) ? match[1].str() : std::string();
}

inline bool pins_left(const std::string& run_id) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path("/sys/fs/bpf/mapsla") / run_id, ec);
}

inline bool tagged_processes_left(const std::string& run_id) {
  const auto ids = tagged_run_ids();
  return std::find(ids.begin(), ids.end(), run_id) != ids.end();
}

// Everything the run left, as one readable line ("" when nothing).
inline std::string leftovers(const std::string& run_id) {
  const LinkNames names = link_names(run_id);
  std::string out;
  const std::string netns = run_command({"ip", "netns", "list"}).out;
  if (netns.find("mapsla-" + run_id) != std::string::npos) out += "netns: " + netns + "; ";
  std::error_code ec;
  for (const auto& dev : {names.tx_dev, names.rx_dev})
    if (std::filesystem::exists("/sys/class/net/" + dev, ec)) out += "veth " + dev + "; ";
  const std::string qdiscs = run_command({"tc", "qdisc", "show"}).out;
  if (qdiscs.find("ms" + run_id) != std::string::npos) out += "qdisc: " + qdiscs + "; ";
  if (pins_left(run_id)) out += "pins under /sys/fs/bpf/mapsla/" + run_id + "; ";
  if (tagged_processes_left(run_id)) out += "processes tagged with the run id; ";
  return out;
}

}  // namespace mapsla::testing
