#include "core/bpf/capabilities.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace mapsla {
namespace {

constexpr Capability kAll[] = {Capability::bpf, Capability::perfmon, Capability::net_admin,
                               Capability::sys_admin};

std::string first_line_of(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return {};
  return line;
}

// lockdown shows every mode with the active one in brackets: "none [integrity] confidentiality".
std::string lockdown_mode() {
  const std::string modes = first_line_of("/sys/kernel/security/lockdown");
  const auto open = modes.find('['), close = modes.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "unknown";
  return modes.substr(open + 1, close - open - 1);
}

}  // namespace

std::string to_string(Capability cap) {
  switch (cap) {
    case Capability::net_admin:
      return "CAP_NET_ADMIN";
    case Capability::sys_admin:
      return "CAP_SYS_ADMIN";
    case Capability::perfmon:
      return "CAP_PERFMON";
    case Capability::bpf:
      return "CAP_BPF";
  }
  return "CAP_?";
}

uint64_t effective_capabilities(const std::string& status_text) {
  std::istringstream in(status_text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

uint64_t effective_capabilities() {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << in.rdbuf();
  return effective_capabilities(text.str());
}

bool holds(uint64_t caps, Capability cap) {
  return (caps >> static_cast<int>(cap)) & 1;
}

bool holds(uint64_t caps, const CapabilityNeed& need) {
  for (Capability cap : need.any_of)
    if (holds(caps, cap)) return true;
  return need.any_of.empty();
}

std::string unmet(uint64_t caps, const std::vector<CapabilityNeed>& list) {
  std::string out;
  for (const CapabilityNeed& need : list) {
    if (holds(caps, need)) continue;
    std::string alternatives;
    for (Capability cap : need.any_of)
      alternatives += (alternatives.empty() ? "" : " or ") + to_string(cap);
    out += (out.empty() ? "" : "; ") + alternatives;
  }
  return out;
}

std::string missing_capabilities(uint64_t caps) {
  std::string out;
  for (Capability cap : kAll)
    if (!holds(caps, cap)) out += (out.empty() ? "" : ", ") + to_string(cap);
  return out;
}

std::string missing_capabilities() {
  return missing_capabilities(effective_capabilities());
}

std::string kernel_refusal_hint() {
  const uint64_t caps = effective_capabilities();
  std::string held;
  for (Capability cap : kAll)
    if (holds(caps, cap)) held += (held.empty() ? "" : ", ") + to_string(cap);
  const std::string lsms = first_line_of("/sys/kernel/security/lsm");
  const std::string policy =
      lsms.empty() ? std::string("securityfs not mounted, so lockdown and LSMs unknown")
                   : fmt::format("lockdown: {}; LSMs: {}", lockdown_mode(), lsms);
  return fmt::format(
      "not a missing capability ({} held): the kernel refuses it (type compiled out, or a "
      "policy; {})",
      held.empty() ? "none" : held, policy);
}

}  // namespace mapsla
