// `mapsla compare BASE NEW`: did a change make readers slower or less
// correct? Cells are matched by scenario, reader and mode; for each cell that
// is `ok` in both reports, every metric is compared (docs/sla.md, "compare"):
//
// - Latency (op P50, op P99, per-entry cost): the figure is the median of the
//   repetitions, as everywhere else — divided, window by window, by the
//   machine's floor measured in the same window (RepetitionResult::floor_ns)
//   when both reports carry one, so that the machine's own changes of speed
//   cancel; the floor itself is shown as a context row, not tested
//   (relative_to_floor false, `--raw`: raw latency). Its change is judged by a bootstrap of
//   the ratio NEW ÷ BASE: each replicate redraws both runs' repetitions and
//   their samples (cell_replicates), so the interval carries the drift
//   between windows and the finite samples. p is the bootstrap's evidence
//   that the change lies beyond the threshold.
// - Anomaly rates (all classes, and each class seen): the counts of all
//   repetitions over all their reads (pooled, and labelled so), judged by an
//   exact conditional binomial test; when the repetitions scatter more than
//   Poisson counts would, the counts are scaled down by that dispersion
//   first, so a racy condition's run-to-run noise is not a finding.
//
// Every p-value of the comparison (cells × metrics) goes through
// Benjamini–Hochberg; a change is a *regression* when it is worse (every
// metric here is better lower) by more than the threshold AND its adjusted
// q < α, which bounds the expected share of false findings at α.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/result.h"

namespace mapsla {

struct CompareOptions {
  double threshold_pct = 10.0;    // relative change that counts, in percent
  double alpha = 0.05;            // false-discovery rate over all metrics of all cells
  int resamples = 2000;           // bootstrap replicates per run and cell
  bool relative_to_floor = true;  // latency ÷ the window's floor where both reports have one
};

enum class ChangeVerdict {
  unchanged,        // within the threshold
  regression,       // worse beyond the threshold, q < α
  improvement,      // better beyond the threshold, q < α
  not_significant,  // beyond the threshold, but q >= α
};

struct MetricComparison {
  std::string metric;   // "op p50", "op p99", "per entry", "torn /M (pooled)", …
  bool latency = true;  // ns, median of repetitions; else anomalies per million reads, pooled
  // Latency divided by the window's floor: base/new are ratios, not ns.
  bool relative_to_floor = false;
  // The floor row: shown for context, never tested, never a verdict.
  bool context = false;
  double base_value = 0, new_value = 0;
  double change = 0;  // (new − base) ÷ base; ±inf from 0; 0 when both are 0
  // Latency: the bootstrap's 95 % interval of the change; rates have none.
  bool has_interval = false;
  double ci_low = 0, ci_high = 0;
  // Rates: the counts and reads behind them, and the dispersion the counts
  // were scaled by (1: Poisson-like).
  uint64_t base_count = 0, new_count = 0, base_reads = 0, new_reads = 0;
  double dispersion = 1;
  double p_value = 1;  // before the false-discovery-rate adjustment
  double q_value = 1;  // Benjamini–Hochberg over the whole comparison
  ChangeVerdict verdict = ChangeVerdict::unchanged;
};

struct CellComparison {
  std::string scenario, reader, mode;
  size_t base_repetitions = 0, new_repetitions = 0;
  // Latency judged ÷ floor; false when asked for --raw or a report has no floor.
  bool judged_by_floor = false;
  std::vector<MetricComparison> metrics;
};

struct Comparison {
  CompareOptions options;
  std::string base_name, new_name;  // file names or run ids, for the heading
  std::string base_run, new_run;    // "run abcd1234 · 2026-11-22T02:00:00Z"
  std::vector<CellComparison> cells;
  std::vector<std::string> not_compared;  // "quiet / naive keys: only in NEW", …
  std::vector<std::string> notes;         // single repetitions, different machines
  size_t tests = 0;                       // p-values the adjustment ran over

  size_t count(ChangeVerdict verdict) const;
};

Comparison compare_reports(const Report& base, const Report& next, const CompareOptions& options);

// Exact two-sided test of equal rates for k1 events in n1 trials against k2
// in n2 (conditional on k1 + k2, binomial with p = n2 ÷ (n1 + n2)).
double exact_rate_test(uint64_t k1, double n1, uint64_t k2, double n2);
// Benjamini–Hochberg adjusted p-values (q-values), in the input order.
std::vector<double> benjamini_hochberg(const std::vector<double>& p_values);

std::string render_compare_text(const Comparison& comparison);
// GitHub-flavoured Markdown for a pull-request comment: a table with ▲/▼,
// intervals, q-values, the notes and a verdict line.
std::string render_compare_markdown(const Comparison& comparison);

}  // namespace mapsla
