// `mapsla compare BASE NEW`: did a change make readers slower or less
// correct? Cells are matched by scenario, reader and mode; for each cell that
// is `ok` in both reports, every metric (op P50, op P99, per-entry cost, the
// anomaly rate of every class seen, and of all classes together) is compared
// on its per-repetition values: the change of the medians, and a two-sided
// Mann–Whitney U test of the two sets of repetition values (statistics.h),
// as Google Benchmark's compare.py does.
//
// A change is a *regression* when the metric got worse (every metric here is
// better lower) by more than the threshold AND the test says p < α. With few
// repetitions the test cannot reach α at all (3 vs 3: p ≥ 0.1); the
// comparison then says so in a note rather than calling noise a regression.
#pragma once

#include <string>
#include <vector>

#include "reports/result.h"
#include "reports/statistics.h"

namespace mapsla {

struct CompareOptions {
  double threshold_pct = 5.0;  // relative change that counts, in percent
  double alpha = 0.05;         // significance level of the U test
};

enum class ChangeVerdict {
  unchanged,        // within the threshold
  regression,       // worse beyond the threshold, p < α
  improvement,      // better beyond the threshold, p < α
  not_significant,  // beyond the threshold, but p >= α
};

struct MetricComparison {
  std::string metric;   // "op p50", "op p99", "per entry", "torn /M", "anomalies /M"
  bool latency = true;  // ns; else a rate per million reads
  std::vector<double> base_values, new_values;
  double base_median = 0, new_median = 0;
  double change = 0;  // (new − base) ÷ base; ±inf from 0; 0 when both are 0
  MannWhitneyResult test;
  ChangeVerdict verdict = ChangeVerdict::unchanged;
};

struct CellComparison {
  std::string scenario, reader, mode;
  std::vector<MetricComparison> metrics;
  double min_p = 0;  // smallest p-value these repetition counts allow
};

struct Comparison {
  CompareOptions options;
  std::string base_name, new_name;  // file names or run ids, for the heading
  std::string base_run, new_run;    // "run abcd1234 · 2026-11-22T02:00:00Z"
  std::vector<CellComparison> cells;
  std::vector<std::string> not_compared;  // "quiet / naive keys: only in NEW", …
  std::vector<std::string> notes;         // α unreachable, different machines

  size_t count(ChangeVerdict verdict) const;
  // True when some change beyond the threshold could not be tested at α
  // because there are too few repetitions.
  bool inconclusive() const;
};

Comparison compare_reports(const Report& base, const Report& next, const CompareOptions& options);

std::string render_compare_text(const Comparison& comparison);
// GitHub-flavoured Markdown for a pull-request comment: a table with ▲/▼,
// p-values, the notes and a verdict line.
std::string render_compare_markdown(const Comparison& comparison);

}  // namespace mapsla
