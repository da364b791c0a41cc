#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/prometheus_exporter.h"
#include "cli/pushgateway.h"
#include "cli/run_command.h"
#include "cli/sla_gate.h"
#include "core/bpf/bpffs.h"
#include "core/bpf/capabilities.h"
#include "core/bpf/error.h"
#include "core/bpf/features.h"
#include "core/util/signals.h"
#include "harness/cleanup.h"
#include "harness/environment.h"
#include "harness/exit_codes.h"
#include "harness/failure.h"
#include "harness/gnuplot_renderer.h"
#include "harness/reproduce.h"
#include "harness/run_lock.h"
#include "harness/runner.h"
#include "harness/scenario_parser.h"
#include "model/sla_parser.h"
#include "reports/decision.h"
#include "reports/gnuplot.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/markdown_report.h"
#include "reports/prometheus_report.h"
#include "reports/terminal_report.h"

namespace mapsla::cli {
namespace fs = std::filesystem;
namespace {

struct RunArgs {
  std::vector<std::string> scenarios;
  std::string out;
  std::string duration;
  std::string warmup;
  std::string interval;  // --interval: open-loop pacing
  std::optional<int> repetitions;
  bool quiet = false;
  bool json_only = false;         // --json-only: no report.md, report.html
  std::string prometheus_listen;  // --prometheus-listen ADDR
  std::string pushgateway;        // --pushgateway URL
  std::string instance;           // --instance NAME (grouping label; default the hostname)
  std::string fleet_run;          // --fleet-run ID (grouping label run_id; default the run id)
  std::string prom_textfile;      // --prom-textfile PATH
  std::string sla;                // --sla FILE
};

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// report.md, report.html and the Prometheus outputs; each failure is printed
// and the others still run. False when any failed.
bool write_outputs(const RunArgs& args, const Report& report, const fs::path& out_dir) {
  bool ok = true;
  const auto attempt = [&](const char* what, const auto& produce) {
    try {
      produce();
    } catch (const std::exception& e) {
      std::cerr << "mapsla: " << what << ": " << e.what() << '\n';
      ok = false;
    }
  };
  if (args.json_only) std::cout << "markdown, html: not written (--json-only)\n";
  if (!args.json_only)
    attempt("markdown report", [&] {
      std::cout << "markdown: "
                << MarkdownReporter().write(report, out_dir, std::cout).front().string() << '\n';
    });
  if (!args.json_only)
    attempt("html report", [&] {
      const auto gnuplot = find_gnuplot();
      if (!gnuplot) std::cerr << "mapsla: html report: plots unavailable: gnuplot not found\n";
      std::optional<GnuplotRenderer> renderer;
      if (gnuplot) renderer.emplace(*gnuplot);
      std::cout << "html: "
                << HtmlReporter(renderer ? &*renderer : nullptr)
                       .write(report, out_dir, std::cout)
                       .front()
                       .string()
                << '\n';
    });
  if (!args.prom_textfile.empty()) {
    attempt("--prom-textfile", [&] {
      write_textfile(report, args.prom_textfile);
      std::cout << "prometheus textfile: " << args.prom_textfile << '\n';
    });
  }
  std::cout << std::flush;
  return ok;
}

int execute_run(const RunArgs& args, Report& report, std::vector<Scenario>& scenarios,
                const ScenarioOverrides& overrides, const SlaSpec& sla);

GroupingKey grouping_key(const RunArgs& args, const Report& report) {
  return {"mapsla",
          {{"instance", args.instance.empty() ? default_instance() : args.instance},
           {"run_id", args.fleet_run.empty() ? report.run_id : args.fleet_run}}};
}

// The final push, whatever the exit status: a node that failed shows up in
// the Pushgateway with mapsla_run_success 0 and its exit code. A failed push
// turns a successful run into a failed one.
int push_final(const RunArgs& args, const std::string& base, Report& report, int status) {
  if (report.finished_at.empty()) report.finished_at = utc_now();
  const GroupingKey key = grouping_key(args, report);
  const PushResult pushed = push_group(base, key, render_pushed_metrics(report, status));
  if (!pushed.ok()) {
    std::cerr << fmt::format("mapsla: --pushgateway {}{}: {}\n", base, grouping_path(key),
                             pushed.describe());
    return status == exit_code::kOk ? exit_code::kRunFailed : status;
  }
  std::cout << fmt::format("pushgateway: pushed to {}{} (exit code {})\n", base, grouping_path(key),
                           status)
            << std::flush;
  return status;
}

int run_scenarios(const RunArgs& args, Report& report);

int run_command(const RunArgs& args, const std::vector<std::string>& command) {
  Report report;
  report.run_id = new_run_id();
  report.started_at = utc_now();
  report.command = command;
  if (args.pushgateway.empty()) return run_scenarios(args, report);
  std::string base;
  try {
    base = parse_pushgateway_url(args.pushgateway);
    grouping_path(grouping_key(args, report));
  } catch (const std::invalid_argument& e) {
    std::cerr << "mapsla: --pushgateway " << e.what() << '\n';
    return exit_code::kBadInput;
  }
  return push_final(args, base, report, run_scenarios(args, report));
}

int run_scenarios(const RunArgs& args, Report& report) {
  ScenarioOverrides overrides;
  std::vector<Scenario> scenarios;
  SlaSpec sla;
  try {
    if (!args.duration.empty()) {
      overrides.duration = parse_duration(args.duration);
      if (!overrides.duration) throw ConfigError("--duration", 0, "duration", "not a duration");
    }
    if (!args.warmup.empty()) {
      overrides.warmup = parse_duration(args.warmup);
      if (!overrides.warmup) throw ConfigError("--warmup", 0, "warmup", "not a duration");
    }
    if (!args.interval.empty()) {
      overrides.interval = parse_duration(args.interval);
      if (!overrides.interval || *overrides.interval < std::chrono::microseconds(100))
        throw ConfigError("--interval", 0, "interval", "not a duration of at least 100us");
    }
    overrides.repetitions = args.repetitions;
    for (const auto& file : args.scenarios)
      for (auto& s : load_scenarios(file))
        scenarios.push_back(std::move(s));
    for (auto& s : scenarios)
      apply_overrides(s, overrides);
    sla = combined_sla(scenarios, args.sla.empty() ? SlaSpec{} : load_sla_file(args.sla));
  } catch (const ConfigError& e) {
    return report_config_error(e);
  }
  if (auto why = unmatched_in_plan(sla, scenarios)) {
    std::cerr << "mapsla: " << *why << '\n';
    return exit_code::kBadInput;
  }
  return execute_run(args, report, scenarios, overrides, sla);
}

// Exit 4, naming the capability, when this process lacks one the run needs:
// CAP_BPF (or CAP_SYS_ADMIN) always, CAP_NET_ADMIN for scenarios that make
// network namespaces and qdiscs. A kernel that refuses BPF maps although the
// capabilities are held is not a privilege problem: exit 3 with its reason.
int check_privileges(const KernelFeatures& features, const std::vector<Scenario>& scenarios) {
  const uint64_t caps = effective_capabilities();
  if (!features.privileges.available) {
    if (!holds(caps, needs::kBpf)) {
      std::cerr << "mapsla: insufficient privileges: " << features.privileges.detail << '\n';
      return exit_code::kNoPrivileges;
    }
    std::cerr << "mapsla: the kernel refuses BPF: " << features.privileges.detail << '\n';
    return exit_code::kEnvironment;
  }
  for (const auto& s : scenarios) {
    bool networked = s.writer.driver == "traffic";
    for (const FaultSpec& fault : s.faults)
      networked = networked || fault.kind == "packet_loss";
    if (networked && !holds(caps, needs::kNetAdmin)) {
      std::cerr << fmt::format(
          "mapsla: insufficient privileges: {}: the traffic writer and packet loss need "
          "CAP_NET_ADMIN (or CAP_SYS_ADMIN), which this process lacks (missing: {})\n",
          s.file.string(), missing_capabilities(caps));
      return exit_code::kNoPrivileges;
    }
  }
  return exit_code::kOk;
}

// Everything after the scenarios, overrides and SLA are resolved.
int execute_run(const RunArgs& args, Report& report, std::vector<Scenario>& scenarios,
                const ScenarioOverrides& overrides, const SlaSpec& sla) {
  const KernelFeatures features = probe_kernel_features();
  if (const int status = check_privileges(features, scenarios); status != exit_code::kOk)
    return status;

  report.environment = collect_environment(features);
  const fs::path out_dir =
      args.out.empty() ? fs::path("mapsla-results") / report.run_id : fs::path(args.out);

  std::unique_ptr<LiveExporter> exporter;
  if (!args.prometheus_listen.empty()) {
    try {
      exporter = std::make_unique<LiveExporter>(args.prometheus_listen);
    } catch (const std::exception& e) {
      std::cerr << "mapsla: --prometheus-listen: " << e.what() << '\n';
      return exit_code::kBadInput;
    }
    for (int port : exporter->ports())
      std::cerr << fmt::format("mapsla: live metrics on port {} at /metrics\n", port);
  }

  install_stop_signals();
  try {
    // Held until the run ends, so `mapsla cleanup` elsewhere leaves it alone.
    const RunLock alive(report.run_id);
    BpffsMount bpffs;
    PinDir pins(report.run_id);
    ProgressPrinter progress(std::cerr, ProgressPrinter::style_for(STDERR_FILENO, args.quiet));
    ObserverFanout observers;
    observers.add(&progress);
    observers.add(exporter.get());
    Runner runner({report.run_id, &features, &pins, &observers});
    if (!args.quiet)
      std::cerr << fmt::format("mapsla run {}: {} scenario(s)\n", report.run_id, scenarios.size());
    for (const auto& scenario : scenarios) {
      if (stop_requested()) break;
      report.scenarios.push_back(
          {scenario.name, scenario.file.string(), scenario_config(scenario, overrides)});
      for (auto& cell : runner.run(scenario))
        report.cells.push_back(std::move(cell));
    }
  } catch (const PrivilegeError& e) {
    std::cerr << "mapsla: insufficient privileges: " << e.what() << '\n';
    return exit_code::kNoPrivileges;
  } catch (const std::exception& e) {
    // Setup outside any scenario (bpffs, the pin directory).
    const Classified c = classify(e);
    std::cerr << "mapsla: " << c.reason << '\n';
    return c.kind == FailureKind::privileges ? exit_code::kNoPrivileges : exit_code::kRunFailed;
  }
  report.finished_at = utc_now();

  JsonReporter json;
  TerminalReporter terminal;
  // Which reader to ship comes first: under the SLA when there is one, else
  // the cheapest reader with 0 anomalies (reports/decision.h).
  const Decision decision = decide(report.cells, sla.empty() ? nullptr : &sla);
  report.decision = to_json(decision);
  const auto files = json.write(report, out_dir, std::cout);
  print_decision(decision, std::cout);
  std::cout << '\n';
  terminal.write(report, out_dir, std::cout);
  std::cout << "report: " << files.front().string() << std::endl;
  const bool outputs_ok = write_outputs(args, report, out_dir);
  const int sla_status =
      sla.empty() ? exit_code::kOk
                  : apply_sla_gate(sla, report, out_dir / "junit.xml", std::cout, std::cerr);

  if (stop_requested()) return exit_code::kInterruptedBase + stop_signal();
  for (const auto& cell : report.cells)
    if (cell.status == CellStatus::failed) return exit_code::kRunFailed;
  if (!outputs_ok && sla_status == exit_code::kOk) return exit_code::kRunFailed;
  return sla_status;
}

}  // namespace

int run_loaded(const LoadedRun& run, const std::vector<std::string>& command) {
  RunArgs args;
  args.out = run.out;
  args.quiet = run.quiet;
  args.json_only = run.json_only;
  std::vector<Scenario> scenarios = run.scenarios;
  SlaSpec sla;
  try {
    sla = combined_sla(scenarios, SlaSpec{});
  } catch (const ConfigError& e) {
    return report_config_error(e);
  }
  if (auto why = unmatched_in_plan(sla, scenarios)) {
    std::cerr << "mapsla: " << *why << '\n';
    return exit_code::kBadInput;
  }
  Report report;
  report.run_id = new_run_id();
  report.started_at = utc_now();
  report.command = command;
  return execute_run(args, report, scenarios, run.overrides, sla);
}

void add_run_command(CLI::App& app, const std::vector<std::string>& command) {
  auto run_args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run scenarios and write a report");
  run->add_option("scenario", run_args->scenarios, "Scenario or suite YAML files")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--out", run_args->out, "Report directory (default mapsla-results/RUN_ID)");
  run->add_option("--duration", run_args->duration, "Override each measured window (e.g. 2s)");
  run->add_option("--warmup", run_args->warmup, "Override the warm-up before each window");
  run->add_option("--interval", run_args->interval,
                  "Open loop: a pass is due every INTERVAL (e.g. 10ms); passes are also timed "
                  "from when they were due");
  run->add_option("--repetitions", run_args->repetitions, "Override repetitions per cell")
      ->check(CLI::Range(1, 1000));
  run->add_flag("--quiet", run_args->quiet, "No progress lines");
  run->add_flag("--json-only", run_args->json_only,
                "Write report.json only, not report.md and report.html (slow under QEMU TCG)");
  run->add_option("--prometheus-listen", run_args->prometheus_listen,
                  "Serve live metrics for Prometheus at ADDR/metrics (e.g. 127.0.0.1:9464)");
  run->add_option("--pushgateway", run_args->pushgateway,
                  "Push the final metrics to this Pushgateway (http://host:port) when the run "
                  "ends, also when it fails; group job/mapsla/instance/NAME/run_id/ID");
  run->add_option("--instance", run_args->instance,
                  "Node name in the Pushgateway grouping key (default: the hostname)");
  run->add_option("--fleet-run", run_args->fleet_run,
                  "run_id in the Pushgateway grouping key, shared by a fleet's nodes "
                  "(default: this run's id)");
  run->add_option("--prom-textfile", run_args->prom_textfile,
                  "Write the final metrics for node_exporter's textfile collector");
  run->add_option("--sla", run_args->sla, "SLA file to gate on (docs/sla.md); writes junit.xml")
      ->check(CLI::ExistingFile);
  run->callback([run_args, command] { set_exit_status(run_command(*run_args, command)); });
}

void add_pushgateway_delete_command(CLI::App& app) {
  struct Args {
    std::string url, job = "mapsla", instance, fleet_run;
  };
  auto args = std::make_shared<Args>();
  CLI::App* del = app.add_subcommand(
      "pushgateway-delete",
      "Delete one node's run from a Pushgateway (group job/JOB/instance/NAME/run_id/ID)");
  del->add_option("url", args->url, "Pushgateway (http://host:port)")->required();
  del->add_option("--instance", args->instance, "Node name (default: the hostname)");
  del->add_option("--fleet-run", args->fleet_run, "The group's run_id")->required();
  del->add_option("--job", args->job, "Job label (default mapsla)");
  del->callback([args] {
    try {
      const std::string base = parse_pushgateway_url(args->url);
      const GroupingKey key{
          args->job,
          {{"instance", args->instance.empty() ? default_instance() : args->instance},
           {"run_id", args->fleet_run}}};
      const PushResult deleted = delete_group(base, key);
      if (!deleted.ok()) {
        std::cerr << fmt::format("mapsla: pushgateway-delete {}{}: {}\n", base, grouping_path(key),
                                 deleted.describe());
        set_exit_status(exit_code::kRunFailed);
        return;
      }
      std::cout << fmt::format("pushgateway: deleted {}{}\n", base, grouping_path(key));
      set_exit_status(exit_code::kOk);
    } catch (const std::invalid_argument& e) {
      std::cerr << "mapsla: pushgateway-delete: " << e.what() << '\n';
      set_exit_status(exit_code::kBadInput);
    }
  });
}

}  // namespace mapsla::cli
