// The plots of report.html as gnuplot jobs (reports/gnuplot.h), built from
// the result model alone:
//   - op-latency CDF, one plot per condition with one curve per reader, on a
//     log latency axis and a "nines" percentile axis (0 %, 90 %, 99 %, …) so
//     the tail is as visible as the median; drawn from each cell's pooled
//     op-latency histogram buckets;
//   - op-latency P99 by condition and reader (clustered bars);
//   - anomaly rates per million reads, per class and cell (log scale);
//   - the decision view (decision_plots): cost against correctness;
//   - per-phase timelines for fault scenarios: op P99 before, during and
//     after the fault, one plot per scenario with phases, a line per reader.
// A plot with nothing to draw has no job but a note saying why.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/gnuplot.h"
#include "reports/report_tables.h"

namespace mapsla {

struct PlotSpec {
  std::string id;     // unique within the report, usable as an HTML id
  std::string title;  // the figure caption
  std::optional<PlotJob> job;
  std::string note;  // why there is no job
};

std::vector<PlotSpec> report_plots(const Report& report, const Matrix& matrix);

// Clustered bars on a log axis (the report's P99 plot, the fleet report's
// plots): one cluster per category, one bar per series. A series with no
// figure at all is left out (gnuplot refuses a column of NaN); the axis
// starts at the decade below the smallest bar. No series left: `spec` gets
// `nothing` as its note and no job.
struct ClusteredBars {
  std::string file;             // the data file's name ("p99.dat")
  std::string category_header;  // the first column's header ("condition")
  std::vector<std::string> categories;
  std::vector<std::string> series;
  // values[category][series]; nullopt or ≤ 0 (no bar on a log axis): none.
  std::vector<std::vector<std::optional<double>>> values;
  std::string value_format = "{:.6g}";  // of a value in the data file
  std::string ylabel;
  int width_per_bar = 40;  // the plot is max(900, this × categories × (series + 1)) wide
  int height = 420;
  std::string nothing;  // the note when no series has a figure
};
PlotSpec clustered_bars(PlotSpec spec, const ClusteredBars& bars);

// A string field in a gnuplot data file: double-quoted, no quote inside.
std::string data_string(const std::string& text);
// `text` with every character but letters and digits replaced by '-' (an HTML id).
std::string id_safe(const std::string& text);

// One scatter per judged condition of a report's `decision` (reports/decision.h):
// per-entry cost (x, log) against anomalies per million reads (y, log, the
// bottom line standing for 0), each point labelled with its reader, the Pareto
// front drawn and coloured apart. No legend to decode.
std::vector<PlotSpec> decision_plots(const nlohmann::json& decision);

}  // namespace mapsla
