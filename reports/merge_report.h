// The fleet report of `mapsla merge` (reports/merge.h) for people: the
// terminal table, report.md and report.html, all built from the same tables
// so that they agree.
//
// - Inputs: one row per input: its label, host, kernel, placement, run id
//   and file.
// - Cells: per cell, one row per input side by side: status, op P50 and P99
//   (median across repetitions), anomalies per million reads (pooled) with
//   the count, the classes seen, and which metrics this input is the worst
//   input of.
// - Worst inputs: per input, in how many cells it is the worst per metric.
// - Not run on every input: each cell that was absent, not_applicable,
//   skipped or failed on some input, with the input and the reason.
// report.html adds, per condition, a plot of op P99 and one of the anomaly
// rate, one bar per input for every reader.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "reports/gnuplot.h"
#include "reports/html_plots.h"
#include "reports/merge.h"
#include "reports/report_tables.h"

namespace mapsla {

Table fleet_inputs_table(const Fleet& fleet);
Table fleet_cells_table(const Fleet& fleet);
Table fleet_worst_table(const Fleet& fleet);
// "quiet / mmap keys on node-b/6.1.0: not_applicable: why", one per input
// and cell that did not measure.
std::vector<std::string> fleet_not_run(const Fleet& fleet);
// Per condition: op P99 by reader and input, and anomalies per million by
// reader and input (a note instead when nothing is to be drawn).
std::vector<PlotSpec> fleet_plots(const Fleet& fleet);

void print_fleet(const Fleet& fleet, std::ostream& out);
std::string render_fleet_markdown(const Fleet& fleet);
// `plots`: what draws the plots (harness/gnuplot_renderer.h), or null.
std::string render_fleet_html(const Fleet& fleet, const PlotRenderer* plots);

// Writes report.json, report.md and report.html into `out_dir` (each
// through a temporary file and a rename); returns their paths.
std::vector<std::filesystem::path> write_fleet(const Fleet& fleet,
                                               const std::filesystem::path& out_dir,
                                               const PlotRenderer* plots);

}  // namespace mapsla
