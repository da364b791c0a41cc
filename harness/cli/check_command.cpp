// `mapsla check REPORT --sla FILE [--junit FILE]`: the SLA gate on a report
// written earlier (exit codes in sla_gate.h).
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/cli/sla_gate.h"
#include "harness/exit_codes.h"
#include "harness/sla_parser.h"
#include "reports/decision.h"
#include "reports/report_reader.h"

namespace mapsla::cli {
namespace {

struct CheckArgs {
  std::string report;
  std::string sla;
  std::string junit;
};

int check_command(const CheckArgs& args) {
  Report report;
  SlaSpec spec;
  try {
    report = read_report(args.report);
    spec = load_sla_file(args.sla);
  } catch (const ReportError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  } catch (const ConfigError& e) {
    return report_config_error(e);
  }
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
  check->add_option("report", args->report, "report.json written by `mapsla run`")->required();
  check->add_option("--sla", args->sla, "SLA file (docs/sla.md)")->required();
  check->add_option("--junit", args->junit, "Also write the checks as JUnit XML to this file");
  check->callback([args] { set_exit_status(check_command(*args)); });
}

}  // namespace mapsla::cli
