// `mapsla merge REPORT.json… --out DIR`: one fleet report out of several
// runs of the same scenarios (reports/merge.h). Exit 0 when written, 2 on bad
// input: an unreadable or invalid report (named), inputs whose scenario texts
// differ (both files and the scenario named; --allow-different-scenarios
// merges them anyway), labels that do not fit the inputs.
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "harness/exit_codes.h"
#include "harness/gnuplot_renderer.h"
#include "reports/merge.h"
#include "reports/merge_report.h"
#include "reports/report_reader.h"

namespace mapsla::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> reports;
  std::string out;
  std::vector<std::string> labels;
  bool allow_different_scenarios = false;
};

// Reads one input; prints the error and returns nothing when it is not a
// report of one run.
std::optional<MergeInput> read_input(const std::string& file) {
  try {
    nlohmann::json j = read_report_json(file);
    if (is_fleet_json(j)) {
      std::cerr << fmt::format(
          "mapsla: {}: is a fleet report ({}); merge takes the reports of single runs "
          "(merge their inputs' report.json files instead)\n",
          file, kFleetSchema);
      return std::nullopt;
    }
    MergeInput in;
    in.file = file;
    in.report = report_from_json(j, file);
    in.json = std::move(j);
    return in;
  } catch (const ReportError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return std::nullopt;
  }
}

int merge_command(const MergeArgs& args, const std::vector<std::string>& command) {
  std::vector<MergeInput> inputs;
  for (const std::string& file : args.reports) {
    auto in = read_input(file);
    if (!in) return exit_code::kBadInput;
    inputs.push_back(std::move(*in));
  }
  try {
    assign_labels(inputs, args.labels);
  } catch (const MergeError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  }
  if (!args.allow_different_scenarios) {
    try {
      check_same_scenarios(inputs);
    } catch (const MergeError& e) {
      std::cerr << "mapsla: " << e.what()
                << "; merge runs of the same scenarios, or pass --allow-different-scenarios\n";
      return exit_code::kBadInput;
    }
  }
  Fleet fleet = merge_reports(std::move(inputs));
  fleet.command = command;

  const auto gnuplot = find_gnuplot();
  if (!gnuplot) std::cerr << "mapsla: html report: plots unavailable: gnuplot not found\n";
  std::optional<GnuplotRenderer> renderer;
  if (gnuplot) renderer.emplace(*gnuplot);
  print_fleet(fleet, std::cout);
  try {
    const auto files = write_fleet(fleet, args.out, renderer ? &*renderer : nullptr);
    std::cout << "\nreport: " << files.at(0).string() << "\nmarkdown: " << files.at(1).string()
              << "\nhtml: " << files.at(2).string() << '\n';
  } catch (const std::exception& e) {
    std::cerr << fmt::format("mapsla: {}: cannot write the fleet report: {}\n", args.out, e.what());
    return exit_code::kBadInput;
  }
  return exit_code::kOk;
}

}  // namespace

void add_merge_command(CLI::App& app, const std::vector<std::string>& command) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* merge = app.add_subcommand(
      "merge",
      "Merge reports of the same scenarios from several hosts or kernels into one fleet "
      "report: exit 0 written, 2 bad input");
  merge->add_option("reports", args->reports, "report.json files written by `mapsla run`")
      ->required();
  merge->add_option("--out", args->out, "Directory for report.json, report.md and report.html")
      ->required();
  merge
      ->add_option("--label", args->labels,
                   "A name per input, in the order of the inputs (default: host/kernel)")
      ->allow_extra_args(false);  // one value per --label, repeatable
  merge->add_flag("--allow-different-scenarios", args->allow_different_scenarios,
                  "Merge even when the inputs' scenario texts differ");
  merge->callback([args, command] { set_exit_status(merge_command(*args, command)); });
}

}  // namespace mapsla::cli
