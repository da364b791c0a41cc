#include "reports/placement.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace mapsla {
namespace {

using Field = std::pair<const char*, std::string Placement::*>;
constexpr std::array<Field, 10> kFields = {{{"where", &Placement::where},
                                            {"hypervisor", &Placement::hypervisor},
                                            {"accel", &Placement::accel},
                                            {"launcher", &Placement::launcher},
                                            {"numa", &Placement::numa},
                                            {"numa_detail", &Placement::numa_detail},
                                            {"evidence", &Placement::evidence},
                                            {"kernel", &Placement::kernel},
                                            {"preempt_rt", &Placement::preempt_rt},
                                            {"vm_kernel", &Placement::vm_kernel}}};

}  // namespace

bool is_placement_record(const FeatureRecord& record) {
  return record.name.rfind(kPlacementPrefix, 0) == 0;
}

void set_placement(Environment& env, const Placement& placement) {
  std::erase_if(env.features, is_placement_record);
  for (const auto& [name, member] : kFields)
    env.features.push_back(
        {std::string(kPlacementPrefix) + name, !(placement.*member).empty(), placement.*member});
}

std::optional<Placement> placement_of(const Environment& env) {
  std::optional<Placement> out;
  for (const auto& record : env.features) {
    if (!is_placement_record(record)) continue;
    if (!out) out.emplace();
    const std::string key = record.name.substr(std::string(kPlacementPrefix).size());
    for (const auto& [name, member] : kFields)
      if (key == name) (*out).*member = record.detail;
  }
  return out;
}

nlohmann::json to_json(const Placement& placement) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, member] : kFields) {
    const std::string& value = placement.*member;
    // Unknown facts are null rather than "": a reader can tell "not known"
    // from a value.
    out[name] = value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
  }
  return out;
}

Placement placement_from_json(const nlohmann::json& j) {
  Placement out;
  for (const auto& [name, member] : kFields)
    if (j.contains(name)) out.*member = j.at(name).is_null() ? "" : j.at(name).get<std::string>();
  return out;
}

std::string describe(const Placement& p) {
  std::string out = describe_where(p) + " · NUMA " + p.numa;
  if (p.kernel.empty()) return out;
  out += " · kernel " + p.kernel;
  std::vector<std::string> parts;
  if (p.preempt_rt == "yes") parts.push_back("PREEMPT_RT");
  if (!p.vm_kernel.empty()) parts.push_back("mapsla-vm --kernel " + p.vm_kernel);
  for (size_t i = 0; i < parts.size(); ++i)
    out += (i ? ", " : " (") + parts[i];
  return parts.empty() ? out : out + ")";
}

std::string describe_where(const Placement& p) {
  std::string out = p.where;
  std::vector<std::string> parts;
  if (!p.hypervisor.empty()) parts.push_back(p.hypervisor);
  if (!p.accel.empty()) parts.push_back("accel " + p.accel);
  if (!p.launcher.empty()) parts.push_back("via " + p.launcher);
  if (!parts.empty()) {
    out += " (";
    for (size_t i = 0; i < parts.size(); ++i)
      out += (i ? ", " : "") + parts[i];
    out += ")";
  }
  return out;
}

}  // namespace mapsla
