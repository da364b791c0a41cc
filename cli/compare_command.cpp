// `mapsla compare BASE.json NEW.json`: per-cell changes, bootstrap intervals
// and exact count tests under a false-discovery-rate bound (reports/compare.h). Exit 1 on a
// significant regression beyond --threshold, 0 otherwise, 2 on bad input.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "harness/exit_codes.h"
#include "reports/compare.h"
#include "reports/report_reader.h"

namespace mapsla::cli {
namespace {

struct CompareArgs {
  std::string base;
  std::string next;
  double threshold = CompareOptions{}.threshold_pct;
  double alpha = CompareOptions{}.alpha;
  std::string format = "text";
  bool raw = false;
};

int compare_command(const CompareArgs& args) {
  if (!(args.alpha > 0 && args.alpha < 1)) {
    std::cerr << fmt::format("mapsla: --alpha: {} is not in (0, 1)\n", args.alpha);
    return exit_code::kBadInput;
  }
  Report base, next;
  try {
    base = read_report(args.base);
    next = read_report(args.next);
  } catch (const ReportError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  }
  CompareOptions options;
  options.threshold_pct = args.threshold;
  options.alpha = args.alpha;
  options.relative_to_floor = !args.raw;
  Comparison comparison = compare_reports(base, next, options);
  comparison.base_name = args.base;
  comparison.new_name = args.next;
  if (comparison.cells.empty()) {
    std::cerr << fmt::format(
        "mapsla: {} and {} have no cell in common that is ok in both (cells are matched by "
        "scenario, reader and mode)\n",
        args.base, args.next);
    return exit_code::kBadInput;
  }
  std::cout << (args.format == "markdown" ? render_compare_markdown(comparison)
                                          : render_compare_text(comparison));
  return comparison.count(ChangeVerdict::regression) > 0 ? exit_code::kSlaViolated : exit_code::kOk;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* compare = app.add_subcommand(
      "compare", "Compare two reports: exit 1 on a significant regression beyond --threshold");
  compare->add_option("base", args->base, "The baseline report.json")->required();
  compare->add_option("new", args->next, "The report to judge")->required();
  compare->add_option("--threshold", args->threshold, "Relative change that counts, in % (10)")
      ->check(CLI::NonNegativeNumber);
  compare->add_option("--alpha", args->alpha,
                      "False-discovery rate over all cells and metrics (0.05)");
  compare->add_flag("--raw", args->raw,
                    "Judge raw latency, not latency relative to each window's machine floor");
  compare->add_option("--format", args->format, "text or markdown (a pull-request comment)")
      ->check(CLI::IsMember({"text", "markdown"}));
  compare->callback([args] { set_exit_status(compare_command(*args)); });
}

}  // namespace mapsla::cli
