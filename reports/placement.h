// Where a run happened: on a host or in a virtual machine, under which
// hypervisor and accelerator, and whether its NUMA topology is real or
// emulated. Detected by harness/placement_probe.h, written as
// `environment.placement` in report.json (docs/report-schema.md).
//
// The result model (reports/result.h) has no member for it yet, so the
// placement travels inside Environment::features as records whose names start
// with kPlacementPrefix. json_report.cpp keeps those records out of
// `environment.features` and writes them as the `placement` object;
// report_reader.cpp reads that object back into the same records. Nothing but
// this file knows the encoding.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "reports/result.h"

namespace mapsla {

inline constexpr const char* kPlacementPrefix = "placement.";

struct Placement {
  std::string where = "host";   // "host" (bare metal) or "vm" (under a hypervisor)
  std::string hypervisor;       // "KVM", "QEMU", "VMware", …; empty on a host or when unknown
  std::string accel;            // "kvm" or "tcg" when known (QEMU guests), else empty
  std::string launcher;         // "mapsla-vm" when started by vagrant/qemu/mapsla-vm, else empty
  std::string numa = "single";  // "single" (one node), "real" or "emulated"
  std::string numa_detail;      // why: "QEMU -numa topology", "numa=fake=2", …
  std::string evidence;         // the facts the decision rests on, for humans
  std::string kernel;           // the running kernel's release (uname -r)
  std::string preempt_rt;       // "yes" on a PREEMPT_RT kernel, "no" otherwise, "" if unknown
  std::string vm_kernel;        // mapsla-vm's --kernel choice ("5.10", "6.1-rt", …), else empty

  bool operator==(const Placement&) const = default;
};

// Replaces any placement records of `env` with `placement`.
void set_placement(Environment& env, const Placement& placement);
// The placement recorded in `env`, or nullopt (a report from before it existed).
std::optional<Placement> placement_of(const Environment& env);
bool is_placement_record(const FeatureRecord& record);

nlohmann::json to_json(const Placement& placement);
// Tolerant: missing fields keep their defaults. Throws nlohmann::json::exception
// when a field has the wrong type.
Placement placement_from_json(const nlohmann::json& j);

// For humans: "vm (QEMU, accel tcg, via mapsla-vm)" …
std::string describe_where(const Placement& placement);
// … and "vm (QEMU, accel tcg, via mapsla-vm) · NUMA emulated", followed by
// " · kernel 6.1.0-27-rt-amd64 (PREEMPT_RT, mapsla-vm --kernel 6.1-rt)" when
// the kernel is known.
std::string describe(const Placement& placement);

}  // namespace mapsla
