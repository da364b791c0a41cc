// The tables report.md and report.html share, built once from a Report so
// that the two documents always say the same thing. Text only: renderers
// escape it for their format.
//
// The summary is the fault matrix of reports/matrix.h (the one report.json
// and the terminal show): one row per reader and mode, one column per
// condition (the baseline first here), each entry the op P99 pooled over
// the repetitions with its ratio to the baseline, plus the anomalies of the
// cell it shows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/matrix.h"
#include "reports/result.h"
#include "reports/statistics.h"

namespace mapsla {

struct Table {
  std::vector<std::string> header;
  std::vector<bool> numeric;  // per column: right-aligned
  std::vector<std::vector<std::string>> rows;
};

std::string reader_label(const CellResult& cell);  // "naive keys"
// A phased cell's worst recovery over its repetitions ("12 ms", "12 ms (1 not)",
// "not within after"; "—" without phases).
std::string recovery_text(const CellResult& cell);

// cell_statistics(cell) (reports/statistics.h), computed once per cell of a
// report however many renderers ask: its bootstrap is the costliest step of
// writing the terminal, Markdown and HTML reports. Keyed by the cell's
// address and a fingerprint of its figures, so a cell changed or freed and
// replaced in between is computed afresh. Thread-safe.
CellStatistics statistics_of(const CellResult& cell);

// The median across repetitions of each repetition's op-latency P99 (ns),
// the rule the SLA gate uses; 0 without repetitions.
double cell_p99_ns(const CellResult& cell);

// The matrix's conditions in display order: the baseline first.
std::vector<std::string> display_conditions(const Matrix& matrix);
// The cell a matrix entry shows (same scenario, reader and mode), or null.
const CellResult* shown_cell(const std::vector<CellResult>& cells, const MatrixRow& row,
                             const MatrixEntry& entry);

Table summary_table(const Matrix& matrix, const std::vector<CellResult>& cells);
Table cells_table(const Report& report);
Table anomaly_table(const Report& report);  // counts and rates per million, per class
// One row per cell with phases: op P99 (pooled) before, during and after the
// fault, during ÷ before, and the worst recovery time; no rows without phases.
Table phase_table(const Report& report);
// One row per scenario and fault: what the fault achieved, pooled over every
// window of every cell of the scenario from the `summary` each fault stores
// beside its evidence (EvidenceSummary, reports/result.h; docs/report-schema.md,
// "details.faults"), then the writer's summary (a traffic writer's flows
// reconciled). Knows no fault: the headline, the number of windows (window
// scope), then each figure pooled the way it says. A fault whose cells were
// all skipped says why. No rows when no scenario has faults.
Table fault_table(const Report& report);
Table environment_table(const Report& report);
Table feature_table(const Environment& environment);
// "scenario / reader mode — status: reason" for every cell that is not ok
// or that carries a reason.
std::vector<std::string> cell_reasons(const Report& report);
// "scenario / reader mode: …" for every warning of reports/statistics.h
// (too few samples for a percentile, too few repetitions for a spread).
std::vector<std::string> measurement_warnings(const Report& report);

}  // namespace mapsla
