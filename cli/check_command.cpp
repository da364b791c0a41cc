// `mapsla check REPORT --sla FILE [--junit FILE]`: the SLA gate on a report
// written earlier (exit codes in sla_gate.h). A fleet report (`mapsla merge`)
// is gated input by input; the verdict names every input and cell that
// violated.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/sla_gate.h"
#include "harness/exit_codes.h"
#include "model/sla_parser.h"
#include "reports/decision.h"
#include "reports/merge.h"
#include "reports/report_reader.h"

namespace mapsla::cli {
namespace {

struct CheckArgs {
  std::string report;
  std::string sla;
  std::string junit;
};

// junit.xml → junit-1.xml, junit-2.xml, …: one file per input of a fleet.
std::optional<std::filesystem::path> junit_of_input(const std::string& junit, size_t index) {
  if (junit.empty()) return std::nullopt;
  std::filesystem::path path = junit;
  const std::string ext = path.has_extension() ? path.extension().string() : ".xml";
  return path.replace_filename(fmt::format("{}-{}{}", path.stem().string(), index + 1, ext));
}

// Every input gated as `check` gates one report. Exit: 2 when any input's
// gate found a rule selecting no cell, else 1 when any violated, else 3
// when no input could evaluate anything, else 0.
int check_fleet(const CheckArgs& args, const std::vector<MergeInput>& inputs, const SlaSpec& spec) {
  std::cout << fmt::format("mapsla check {} (fleet of {} input{}) against {}\n", args.report,
                           inputs.size(), inputs.size() == 1 ? "" : "s", args.sla);
  std::vector<std::string> violations;
  size_t violated_inputs = 0, not_evaluated = 0;
  bool bad_input = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const MergeInput& in = inputs[i];
    std::cout << fmt::format("\n== input {} (run {}, {} cells, {}) ==\n", in.label,
                             in.report.run_id, in.report.cells.size(), in.file);
    const int code =
        apply_sla_gate(spec, in.report, junit_of_input(args.junit, i), std::cout, std::cerr);
    bad_input = bad_input || code == exit_code::kBadInput;
    not_evaluated += code == exit_code::kEnvironment;
    if (code != exit_code::kSlaViolated) continue;
    ++violated_inputs;
    for (const SlaCheck& check : evaluate_sla(spec, in.report.cells).checks)
      if (check.outcome == SlaOutcome::violated)
        violations.push_back(fmt::format("{}: {} / {} {}: {}: {}", in.label, check.scenario,
                                         check.reader, check.mode, check.name(),
                                         check.measured_text));
  }
  if (bad_input) return exit_code::kBadInput;
  std::cout << '\n';
  if (violated_inputs > 0) {
    std::cout << fmt::format("fleet: SLA violated on {} of {} input{}:\n", violated_inputs,
                             inputs.size(), inputs.size() == 1 ? "" : "s");
    for (const auto& line : violations)
      std::cout << "  " << line << '\n';
    return exit_code::kSlaViolated;
  }
  if (not_evaluated == inputs.size()) {
    std::cout << "fleet: no check could be evaluated on any input\n";
    return exit_code::kEnvironment;
  }
  std::cout << fmt::format("fleet: SLA held on every input ({})\n", inputs.size());
  return exit_code::kOk;
}

int check_command(const CheckArgs& args) {
  nlohmann::json json;
  SlaSpec spec;
  try {
    json = read_report_json(args.report);
    spec = load_sla_file(args.sla);
  } catch (const ReportError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  } catch (const ConfigError& e) {
    return report_config_error(e);
  }
  Report report;
  std::vector<MergeInput> fleet;
  try {
    if (is_fleet_json(json))
      fleet = fleet_inputs_from_json(json, args.report);
    else
      report = report_from_json(json, args.report);
  } catch (const ReportError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  }
  if (!fleet.empty()) return check_fleet(args, fleet, spec);
  std::cout << "mapsla check " << args.report << " (run " << report.run_id << ", "
            << report.cells.size() << " cells) against " << args.sla << '\n';
  // Which reader to ship under this SLA comes first; the gate's verdict follows.
  print_decision(decide(report.cells, &spec), std::cout);
  std::cout << '\n';
  std::optional<std::filesystem::path> junit;
  if (!args.junit.empty()) junit = args.junit;
  return apply_sla_gate(spec, report, junit, std::cout, std::cerr);
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Check a report against an SLA: exit 0 held, 1 violated, 2 bad input, 3 nothing "
      "could be evaluated");
  check
      ->add_option("report", args->report,
                   "report.json written by `mapsla run`, or a fleet report by `mapsla merge` "
                   "(every input is gated)")
      ->required();
  check->add_option("--sla", args->sla, "SLA file (docs/sla.md)")->required();
  check->add_option("--junit", args->junit,
                    "Also write the checks as JUnit XML to this file (a fleet: one file per "
                    "input, FILE-1.xml, FILE-2.xml, …)");
  check->callback([args] { set_exit_status(check_command(*args)); });
}

}  // namespace mapsla::cli
