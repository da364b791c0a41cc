#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "harness/bpf/bpffs.h"
#include "harness/bpf/error.h"
#include "harness/bpf/features.h"
#include "harness/cleanup.h"
#include "harness/cli/commands.h"
#include "harness/environment.h"
#include "harness/exit_codes.h"
#include "harness/runner.h"
#include "harness/scenario_parser.h"
#include "harness/util/signals.h"
#include "reports/json_report.h"
#include "reports/terminal_report.h"

namespace mapsla::cli {
namespace fs = std::filesystem;
namespace {

struct RunArgs {
  std::vector<std::string> scenarios;
  std::string out;
  std::string duration;
  std::string warmup;
  std::optional<int> repetitions;
  bool quiet = false;
};

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class ProgressPrinter final : public RunObserver {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet) {}
  void window_started(const Scenario& s, const CellResult& c, int rep) override {
    if (quiet_) return;
    std::cerr << fmt::format("  {} · {} {} · repetition {}/{} …", s.name, c.reader, c.mode, rep + 1,
                             s.run.repetitions)
              << std::flush;
  }
  void window_finished(const Scenario&, const CellResult&, const RepetitionResult& r) override {
    if (quiet_) return;
    std::cerr << fmt::format(" {} reads in {:.2f}s, {} anomalies\n", format_count(r.reads),
                             r.wall_s, r.anomalies.total());
  }

 private:
  bool quiet_;
};

int run_command(const RunArgs& args, const std::vector<std::string>& command) {
  ScenarioOverrides overrides;
  std::vector<Scenario> scenarios;
  try {
    if (!args.duration.empty()) {
      overrides.duration = parse_duration(args.duration);
      if (!overrides.duration) throw ConfigError("--duration", 0, "duration", "not a duration");
    }
    if (!args.warmup.empty()) {
      overrides.warmup = parse_duration(args.warmup);
      if (!overrides.warmup) throw ConfigError("--warmup", 0, "warmup", "not a duration");
    }
    overrides.repetitions = args.repetitions;
    for (const auto& file : args.scenarios)
      for (auto& s : load_scenarios(file))
        scenarios.push_back(std::move(s));
    for (auto& s : scenarios)
      apply_overrides(s, overrides);
  } catch (const ConfigError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  }

  const KernelFeatures features = probe_kernel_features();
  if (!features.privileges.available) {
    std::cerr << fmt::format("mapsla: insufficient privileges: {} (run as root, e.g. sudo)\n",
                             features.privileges.detail);
    return exit_code::kNoPrivileges;
  }
  for (const auto& s : scenarios) {
    if (s.writer.driver == "test_run" && !features.bpf_loop.available) {
      std::cerr << fmt::format(
          "mapsla: {}: kernel feature missing: bpf_loop ({}), needed by the "
          "test_run writer (Linux 5.17+)\n",
          s.file.string(), features.bpf_loop.detail);
      return exit_code::kEnvironment;
    }
  }

  Report report;
  report.run_id = new_run_id();
  report.started_at = utc_now();
  report.command = command;
  report.environment = collect_environment(features);
  const fs::path out_dir =
      args.out.empty() ? fs::path("mapsla-results") / report.run_id : fs::path(args.out);

  install_stop_signals();
  try {
    BpffsMount bpffs;
    PinDir pins(report.run_id);
    ProgressPrinter progress(args.quiet);
    Runner runner({report.run_id, &features, &pins, &progress});
    if (!args.quiet)
      std::cerr << fmt::format("mapsla run {}: {} scenario(s)\n", report.run_id, scenarios.size());
    for (const auto& scenario : scenarios) {
      if (stop_requested()) break;
      report.scenarios.push_back({scenario.name, scenario.file.string(), to_json(scenario)});
      for (auto& cell : runner.run(scenario))
        report.cells.push_back(std::move(cell));
    }
  } catch (const BpfError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    if (e.is_permission_error()) {
      std::cerr << "mapsla: insufficient privileges; this process lacks " << missing_capabilities()
                << '\n';
      return exit_code::kNoPrivileges;
    }
    return exit_code::kRunFailed;
  }
  report.finished_at = utc_now();

  JsonReporter json;
  TerminalReporter terminal;
  const auto files = json.write(report, out_dir, std::cout);
  terminal.write(report, out_dir, std::cout);
  std::cout << "report: " << files.front().string() << std::endl;

  if (stop_requested()) return exit_code::kInterruptedBase + stop_signal();
  for (const auto& cell : report.cells)
    if (cell.status == CellStatus::failed) return exit_code::kRunFailed;
  return exit_code::kOk;
}

}  // namespace

void add_run_command(CLI::App& app, const std::vector<std::string>& command) {
  auto run_args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run scenarios and write a report");
  run->add_option("scenario", run_args->scenarios, "Scenario or suite YAML files")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--out", run_args->out, "Report directory (default mapsla-results/RUN_ID)");
  run->add_option("--duration", run_args->duration, "Override each measured window (e.g. 2s)");
  run->add_option("--warmup", run_args->warmup, "Override the warm-up before each window");
  run->add_option("--repetitions", run_args->repetitions, "Override repetitions per cell")
      ->check(CLI::Range(1, 1000));
  run->add_flag("--quiet", run_args->quiet, "No progress lines");
  run->callback([run_args, command] { set_exit_status(run_command(*run_args, command)); });
}

}  // namespace mapsla::cli
