// `cross_numa`: reader threads on NUMA node A, the map's memory on node B.
//
// A run-scope fault (fault.h): placement is decided before the map exists,
// so it holds for the whole scenario and is compared against another
// condition (the matrix's `baseline`), not phased. Its descriptor's shape()
// creates the map with BPF_F_NUMA_NODE on node B (MapSpec::numa_node) and
// moves every reader to node A's CPUs (keeping those of its CPUs that are on
// node A, if any); the runner pins reader threads to them. Reader processes
// mapsla starts (core/util/process.h) get those CPUs and their
// memory bound to the CPUs' nodes, as numactl_prefix(A) would.
//
// Fields: `reader_node` (default 0), `map_node` (default: the first other
// node). On a host with one NUMA node the fault is unavailable and its cells
// are `skipped` with "host has 1 NUMA node" — never a silent pass.
//
// Evidence, and its limits: the kernel reports no NUMA node for a BPF map
// (bpf_map_info and fdinfo have none), so verify_active() records (1) that
// the kernel accepted BPF_F_NUMA_NODE for the map (its map_flags), (2) a
// probe: a map of the same kind, size and flags created on node B, with the
// MemUsed change of every node around its creation (indicative: other
// processes allocate too), (3) the reader CPUs and the node of each
// (numa_node_of_cpu), (4) the node distance A→B, and (5) whether the NUMA
// topology is physical, emulated (`numa=fake` on the kernel command line) or
// presented by a hypervisor (which may not match the hardware).
#pragma once

#include <string>
#include <vector>

#include "harness/faults/fault.h"

namespace mapsla {

class CrossNumaFault final : public Fault {
 public:
  struct Options final : FaultOptions {
    int reader_node = 0;
    int map_node = -1;  // -1: the first node other than reader_node
    nlohmann::json to_json() const override;
  };

  static FaultDescriptor descriptor();

  CrossNumaFault(const FaultSpec& spec, const FaultContext& context);

  std::string kind() const override { return "cross_numa"; }
  void start() override {}
  nlohmann::json verify_active() override;
  void stop() override {}
  nlohmann::json verify_gone() override;

 private:
  Options options_;
  int map_node_ = 0;
  const Scenario& scenario_;
  TargetMap* target_ = nullptr;
};

// `numactl --cpunodebind=NODE --membind=NODE --`: the prefix of the argv of
// a reader process mapsla starts on `node`.
std::vector<std::string> numactl_prefix(int node);

// "emulated (numa=fake)" when the kernel command line asks for emulated
// nodes, "virtual (hypervisor)" under a hypervisor, else "physical".
std::string numa_topology_kind(const std::string& kernel_cmdline, bool hypervisor);

// The CPUs of `node` (libnuma); empty when NUMA is unavailable.
std::vector<int> cpus_of_node(int node);

}  // namespace mapsla
