// Two small hand-made runs of the same scenario on two hosts, for the merge
// tests: node-a (kernel 6.18.0, a host) and node-b (kernel 6.1.0, a KVM
// guest). naive keys is slower on node-b (op P50 and P99 900 ns against
// 450 ns), naive dump reads torn and missing values on node-b only, and
// mmap seqlock is not_applicable on node-b.
#pragma once

#include <string>
#include <vector>

#include "reports/merge.h"
#include "reports/placement.h"
#include "tests/unit/gate_fixtures.h"

namespace mapsla::testing {

inline constexpr const char* kFleetScenarioYaml =
    "name: quiet\nmap: {kind: hash, entries: 1024, value_size: 64}\nwriter: {driver: none}\n";

inline std::vector<RepetitionResult> reps(uint64_t op_ns) {
  return {repetition(0, op_ns, 20'000, 20'000, op_ns * 20'000),
          repetition(1, op_ns, 20'000, 20'000, op_ns * 20'000),
          repetition(2, op_ns, 20'000, 20'000, op_ns * 20'000)};
}

inline Report fleet_host(const std::string& host, const std::string& kernel,
                         const std::string& run_id, bool slow, const std::string& yaml) {
  CellResult keys = cell("quiet", "naive", "keys", reps(slow ? 900 : 450));
  CellResult dump = cell("quiet", "naive", "dump", reps(1200));
  CellResult mmap = cell("quiet", "mmap", "seqlock", reps(20));
  keys.settings = dump.settings = mmap.settings = {{"cpus", "0"}};
  keys.condition = dump.condition = mmap.condition = "baseline";
  if (slow) {
    dump.repetitions[1].anomalies.torn = 3;
    dump.repetitions[2].anomalies.missing = 2;
    mmap.status = CellStatus::not_applicable;
    mmap.reason = "kernel refuses BPF_F_MMAPABLE arrays: EINVAL";
    mmap.repetitions.clear();
  }
  Report r = report({keys, dump, mmap}, run_id);
  r.environment.hostname = host;
  r.environment.kernel = kernel;
  Placement p;
  if (slow) {
    p.where = "vm";
    p.hypervisor = "KVM";
    p.accel = "kvm";
  }
  set_placement(r.environment, p);
  r.scenarios.push_back({"quiet",
                         "scenarios/quiet.yaml",
                         {{"name", "quiet"},
                          {"source",
                           {{"file", "scenarios/quiet.yaml"},
                            {"yaml", yaml},
                            {"overrides", nlohmann::json::object()}}}}});
  return r;
}

inline std::vector<MergeInput> fleet_inputs(const std::string& yaml_b = kFleetScenarioYaml) {
  return {{"a/report.json", "",
           fleet_host("node-a", "6.18.0", "aaaa1111", false, kFleetScenarioYaml), nullptr},
          {"b/report.json", "", fleet_host("node-b", "6.1.0", "bbbb2222", true, yaml_b), nullptr}};
}

inline Fleet fleet_fixture() {
  std::vector<MergeInput> inputs = fleet_inputs();
  assign_labels(inputs, {});
  return merge_reports(std::move(inputs));
}

}  // namespace mapsla::testing
