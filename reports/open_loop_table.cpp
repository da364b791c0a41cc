#include "reports/open_loop_table.h"

#include <fmt/format.h>

#include "reports/statistics.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

// The scenario's run.interval as recorded in the report, "" when absent.
std::string interval_of(const Report& report, const std::string& scenario) {
  for (const ScenarioRecord& s : report.scenarios)
    if (s.name == scenario && s.config.contains("run") && s.config["run"].contains("interval_ns"))
      return format_ns(s.config["run"]["interval_ns"].get<double>());
  return "";
}

}  // namespace

Table open_loop_table(const Report& report) {
  Table t{{"scenario", "reader", "interval", "passes", "late", "pass p99", "corrected p99",
           "corrected max"},
          {false, false, true, true, true, true, true, true},
          {}};
  for (const CellResult& cell : report.cells) {
    const RepetitionResult all = cell.pooled();
    if (all.pass_latency_corrected.count() == 0) continue;
    const double corrected_max = static_cast<double>(all.pass_latency_corrected.max());
    t.rows.push_back({cell.scenario, reader_label(cell), interval_of(report, cell.scenario),
                      std::to_string(all.passes), std::to_string(all.late_passes),
                      format_ns(median(pass_percentiles(cell, 99))),
                      format_ns(median(corrected_pass_percentiles(cell, 99))),
                      format_ns(corrected_max)});
  }
  return t;
}

}  // namespace mapsla
