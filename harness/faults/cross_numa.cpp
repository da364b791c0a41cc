#include "harness/faults/cross_numa.h"

#include <numa.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/util/affinity.h"
#include "harness/target_map.h"

namespace mapsla {
using Options = CrossNumaFault::Options;

namespace {

std::shared_ptr<const FaultOptions> parse_options(Fields& f) {
  auto options = std::make_shared<Options>();
  const bool reader_ok = f.check(
      [&] { options->reader_node = static_cast<int>(f.integer("reader_node", 0, 1023, 0)); });
  f.check([&] {
    if (!f.has("map_node")) return;
    options->map_node = static_cast<int>(f.integer("map_node", 0, 1023));
    if (reader_ok && options->map_node == options->reader_node)
      f.fail("map_node", fmt::format("must differ from reader_node ({}): the fault puts the map on "
                                     "another node than the readers",
                                     options->reader_node));
  });
  f.mark_known("map_node");
  return options;
}

int resolve_map_node(const Options& o) {
  if (o.map_node >= 0) return o.map_node;
  return o.reader_node == 0 ? 1 : 0;
}

std::string unavailable_reason(const FaultSpec& spec, const KernelFeatures& features) {
  const auto& o = dynamic_cast<const Options&>(*spec.options);
  const int nodes = features.numa_nodes;
  if (nodes < 2) return fmt::format("host has {} NUMA node", nodes);
  if (!features.numa_map.available) return "map placement: " + features.numa_map.detail;
  for (int node : {o.reader_node, resolve_map_node(o)})
    if (node >= nodes)
      return fmt::format("NUMA node {} does not exist (host has {} NUMA nodes)", node, nodes);
  if (cpus_of_node(o.reader_node).empty())
    return fmt::format("NUMA node {} has no CPUs to run readers on", o.reader_node);
  return "";
}

void shape(const FaultSpec& spec, Scenario& scenario) {
  const auto& o = dynamic_cast<const Options&>(*spec.options);
  scenario.map.numa_node = resolve_map_node(o);
  const std::vector<int> node_cpus = cpus_of_node(o.reader_node);
  for (ReaderSpec& reader : scenario.readers) {
    std::vector<int> kept;
    for (int cpu : reader.cpus)
      if (std::find(node_cpus.begin(), node_cpus.end(), cpu) != node_cpus.end())
        kept.push_back(cpu);
    reader.cpus = kept.empty() ? node_cpus : kept;
  }
}

// MemUsed of every node in kB (node index → kB).
std::vector<long long> node_mem_used_kb(int nodes) {
  std::vector<long long> used(static_cast<size_t>(nodes), -1);
  for (int n = 0; n < nodes; ++n) {
    std::ifstream in(fmt::format("/sys/devices/system/node/node{}/meminfo", n));
    for (std::string line; std::getline(in, line);) {
      const auto at = line.find("MemUsed:");
      if (at == std::string::npos) continue;
      std::istringstream value(line.substr(at + 8));
      value >> used[static_cast<size_t>(n)];
    }
  }
  return used;
}

bool cpu_has_hypervisor_flag() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("flags", 0) == 0 && line.find(" hypervisor") != std::string::npos) return true;
  return false;
}

std::string kernel_cmdline() {
  std::ifstream in("/proc/cmdline");
  std::string line;
  std::getline(in, line);
  return line;
}

// The run: where the readers and the map were, and how far apart.
EvidenceSummary summarize_run(const nlohmann::json& run) {
  EvidenceSummary s;
  if (!run.contains("active")) return s;
  const nlohmann::json& a = run["active"];
  s.headline = fmt::format(
      "readers on node {}, map on node {} (BPF_F_NUMA_NODE kept: {}) · distance {} · topology {}",
      a.value("reader_node", -1), a.value("map_node_requested", -1),
      a.value("map_flags_numa_node", false) ? "yes" : "no",
      a.contains("distance") ? a["distance"].dump() : "?",
      a.contains("topology") ? a["topology"].dump() : "?");
  return s;
}

}  // namespace

nlohmann::json Options::to_json() const {
  return {{"reader_node", reader_node},
          {"map_node", map_node >= 0 ? nlohmann::json(map_node) : "the first other node"}};
}

FaultDescriptor CrossNumaFault::descriptor() {
  FaultDescriptor d{
      "cross_numa",
      "reader threads on NUMA node A, the map's memory on node B (BPF_F_NUMA_NODE)",
      parse_options,
      unavailable_reason,
      [](const FaultSpec& spec, const FaultContext& context) -> std::unique_ptr<Fault> {
        return std::make_unique<CrossNumaFault>(spec, context);
      },
      FaultScope::run,
      shape};
  d.summarize = summarize_run;
  return d;
}

CrossNumaFault::CrossNumaFault(const FaultSpec& spec, const FaultContext& context)
    : options_(dynamic_cast<const Options&>(*spec.options)),
      map_node_(resolve_map_node(options_)),
      scenario_(context.scenario),
      target_(context.target) {}

nlohmann::json CrossNumaFault::verify_active() {
  nlohmann::json out;
  out["reader_node"] = options_.reader_node;
  out["map_node_requested"] = map_node_;
  out["topology"] = numa_topology_kind(kernel_cmdline(), cpu_has_hypervisor_flag());
  if (numa_available() >= 0) out["distance"] = numa_distance(options_.reader_node, map_node_);
  if (!scenario_.map.numa_node || *scenario_.map.numa_node != map_node_)
    throw std::runtime_error("cross_numa: the scenario's map was not placed on the map node");
  if (target_) out["map_flags_numa_node"] = (target_->view().info().flags & BPF_F_NUMA_NODE) != 0;
  out["map_node_visible"] =
      "no: the kernel reports no NUMA node for a BPF map (bpf_map_info, fdinfo); see the probe";

  // Placement probe: a map like the target, created on the map node alone.
  const int nodes = numa_available() >= 0 ? numa_num_configured_nodes() : 1;
  const auto used_before = node_mem_used_kb(nodes);
  nlohmann::json probe;
  try {
    TargetMap probe_map(scenario_.map, "mapsla_numa_prb");
    const auto used_after = node_mem_used_kb(nodes);
    nlohmann::json delta = nlohmann::json::object();
    for (int n = 0; n < nodes; ++n)
      delta[std::to_string(n)] =
          used_after[static_cast<size_t>(n)] - used_before[static_cast<size_t>(n)];
    probe = {{"created_on_node", map_node_}, {"mem_used_delta_kb_by_node", delta}};
  } catch (const std::exception& e) {
    probe = {{"error", e.what()}};
  }
  probe["note"] = "indicative: other processes allocate memory at the same time";
  out["probe"] = std::move(probe);

  nlohmann::json readers = nlohmann::json::array();
  for (const ReaderSpec& r : scenario_.readers) {
    nlohmann::json nodes_of = nlohmann::json::array();
    for (int cpu : r.cpus)
      nodes_of.push_back(numa_available() >= 0 ? numa_node_of_cpu(cpu) : -1);
    readers.push_back(
        {{"reader", r.reader}, {"mode", r.mode}, {"cpus", r.cpus}, {"nodes_of_cpus", nodes_of}});
  }
  out["readers"] = std::move(readers);
  out["reader_process_prefix"] = numactl_prefix(options_.reader_node);
  return out;
}

nlohmann::json CrossNumaFault::verify_gone() {
  return {{"undone",
           "placement only: it ends with the scenario's map and reader threads, which the "
           "runner releases next"}};
}

std::vector<std::string> numactl_prefix(int node) {
  return {"numactl", fmt::format("--cpunodebind={}", node), fmt::format("--membind={}", node),
          "--"};
}

std::string numa_topology_kind(const std::string& cmdline, bool hypervisor) {
  std::istringstream words(cmdline);
  for (std::string word; words >> word;) {
    if (word == "--") break;  // what follows belongs to init, not the kernel
    if (word.rfind("numa=fake", 0) == 0) return "emulated (" + word + ")";
  }
  return hypervisor ? "virtual (hypervisor-provided topology)" : "physical";
}

std::vector<int> cpus_of_node(int node) {
  std::vector<int> cpus;
  if (numa_available() < 0) return cpus;
  struct bitmask* mask = numa_allocate_cpumask();
  if (numa_node_to_cpus(node, mask) == 0)
    for (unsigned cpu = 0; cpu < mask->size; ++cpu)
      if (numa_bitmask_isbitset(mask, cpu)) cpus.push_back(static_cast<int>(cpu));
  numa_free_cpumask(mask);
  return cpus;
}

}  // namespace mapsla
