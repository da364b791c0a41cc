#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "cli/commands.h"
#include "core/bpf/features.h"
#include "harness/cleanup.h"
#include "harness/environment.h"
#include "harness/exit_codes.h"
#include "harness/faults/fault.h"
#include "harness/writers/writer.h"
#include "readers/registry.h"
#include "reports/json_report.h"
#include "reports/placement.h"

#ifndef MAPSLA_SCENARIO_DIR
#define MAPSLA_SCENARIO_DIR "scenarios"
#endif

namespace mapsla::cli {
namespace fs = std::filesystem;
namespace {

int env_command(bool as_json) {
  const KernelFeatures features = probe_kernel_features();
  const Environment env = collect_environment(features);
  if (as_json) {
    std::cout << to_json(env).dump(2) << '\n';
    return exit_code::kOk;
  }
  std::cout << fmt::format(
      "mapsla {} ({})\nkernel {} · {} · {} cores · {} NUMA node(s) · "
      "virtualization: {}\n\n",
      env.mapsla_version, env.git_sha, env.kernel, env.cpu_model, env.cores, env.numa_nodes,
      env.virtualization);
  if (const auto placement = placement_of(env))
    std::cout << fmt::format(
        "placement: {}\n  NUMA: {}\n  kernel: {}, PREEMPT_RT {}{}\n  evidence: {}\n\n",
        describe_where(*placement), placement->numa_detail, placement->kernel,
        placement->preempt_rt.empty() ? "unknown" : placement->preempt_rt,
        placement->vm_kernel.empty() ? "" : ", mapsla-vm --kernel " + placement->vm_kernel,
        placement->evidence);
  for (const auto& f : env.features)
    if (!is_placement_record(f))
      std::cout << fmt::format("  {:<19} {:<4} {}\n", f.name, f.available ? "yes" : "no", f.detail);
  return exit_code::kOk;
}

int list_command() {
  std::cout << "readers (strategy: modes — what it does)\n";
  for (const auto& r : builtin_readers().all())
    std::cout << fmt::format("  {:<10} {:<20} {}\n", r.name,
                             fmt::format("{}", fmt::join(r.modes, "|")), r.summary);
  std::cout << "\nwriter drivers (name: patterns; map kinds — what it does)\n";
  for (const auto& w : builtin_writers().all()) {
    std::vector<std::string> patterns, kinds;
    for (auto p : w.patterns)
      patterns.emplace_back(to_string(p));
    for (auto k : w.kinds)
      kinds.emplace_back(to_string(k));
    std::cout << fmt::format("  {:<10} patterns: {}; kinds: {}\n  {:<10} {}\n", w.name,
                             fmt::join(patterns, ", "), fmt::join(kinds, ", "), "", w.summary);
  }
  std::cout << "\nmap kinds\n  ";
  for (MapKind k : kAllMapKinds)
    std::cout << to_string(k) << ' ';
  std::cout << "\n\nfaults\n";
  if (builtin_faults().all().empty()) std::cout << "  (none registered)\n";
  for (const auto& f : builtin_faults().all())
    std::cout << fmt::format("  {:<14} {}\n", f.kind, f.summary);
  std::cout << "\nshipped scenarios (" << MAPSLA_SCENARIO_DIR << ")\n";
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(MAPSLA_SCENARIO_DIR, ec))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::string description;
    try {
      YAML::Node root = YAML::LoadFile(file.string());
      if (root["description"]) description = root["description"].as<std::string>();
    } catch (const std::exception&) {
      description = "(unreadable)";
    }
    std::cout << fmt::format("  {:<20} {}\n", file.filename().string(), description);
  }
  return exit_code::kOk;
}

int cleanup_command(const std::string& run_id, bool force) {
  if (::geteuid() != 0) std::cerr << "mapsla: cleanup usually needs root\n";
  const CleanupReport report = cleanup_leftovers(run_id, force);
  if (report.removed.empty() && report.spared.empty()) std::cout << "nothing to clean up\n";
  for (const auto& line : report.removed)
    std::cout << "removed " << line << '\n';
  for (const auto& line : report.spared)
    std::cout << line << " (--force or --run-id to remove it anyway)\n";
  return exit_code::kOk;
}

}  // namespace

void add_info_commands(CLI::App& app) {
  auto env_json = std::make_shared<bool>(false);
  CLI::App* env = app.add_subcommand("env", "Show the kernel feature probe and host facts");
  env->add_flag("--json", *env_json, "Print JSON");
  env->callback([env_json] { set_exit_status(env_command(*env_json)); });

  CLI::App* list =
      app.add_subcommand("list", "List readers, writer patterns, map kinds, faults, scenarios");
  list->callback([] { set_exit_status(list_command()); });

  auto run_id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* cleanup = app.add_subcommand(
      "cleanup",
      "Remove what dead runs left behind (pins, namespaces, qdiscs, stressors); live runs are "
      "left alone");
  cleanup->add_option("--run-id", *run_id, "Only this run's objects, even while it runs");
  cleanup->add_flag("--force", *force, "Also remove the objects of runs that are still alive");
  cleanup->callback([run_id, force] { set_exit_status(cleanup_command(*run_id, *force)); });
}

}  // namespace mapsla::cli
