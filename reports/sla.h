// The SLA gate: thresholds on a report's cells, and their evaluation.
//
// An SlaSpec is a list of rules. A rule selects cells by `scenario`, `reader`
// and `mode` (each optional; none selects every cell) and sets thresholds on
// metrics (sla_metrics()). When several matching rules set the same metric
// for a cell, the most specific rule (most selectors) wins; among equally
// specific rules, the later one. The YAML form is parsed in harness/
// (sla_parser.h); this file knows only the result model. docs/sla.md is the
// user's reference.
//
// The rule of the gate, per cell:
//   - latency percentiles (op_p50 … pass_p999), per_entry and
//     min_entries_per_s: the median of the per-repetition values, so one
//     disturbed window neither fails nor passes a cell by itself;
//   - op_max and pass_max: the largest value of any repetition;
//   - anomaly counts and rates: pooled over all repetitions (rate = count ÷
//     reads × 10⁶), since every anomaly is a fact, not a noisy estimate;
//   - min_samples: the op-latency samples of the smallest repetition (the
//     percentile estimator works per repetition).
// A cell that is `skipped` or `not_applicable` cannot be measured: its checks
// are `not_evaluated`. A `failed` cell violates every check on it.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reports/result.h"

namespace mapsla {

enum class SlaKind {
  latency,         // ns, an upper limit: measured <= limit
  count,           // anomalies, an upper limit
  rate,            // anomalies per million reads, an upper limit
  min_throughput,  // entries per second, a lower limit: measured >= limit
  min_samples,     // op-latency samples, a lower limit
};

struct SlaMetric {
  std::string_view name;  // the YAML key: op_p99, torn_per_million, …
  SlaKind kind;
  std::string_view meaning;
};
// Every metric, in the order checks are reported.
const std::vector<SlaMetric>& sla_metrics();
const SlaMetric* find_sla_metric(std::string_view name);
bool is_lower_limit(SlaKind kind);

struct SlaThreshold {
  std::string metric;  // a name from sla_metrics()
  double limit = 0;    // in the metric's unit (ns, count, per million, 1/s, samples)
  std::string origin;  // "sla.yaml:7", for messages
};

struct SlaRule {
  std::optional<std::string> scenario;
  std::optional<std::string> reader;
  std::optional<std::string> mode;
  std::vector<SlaThreshold> thresholds;
  std::string origin;  // "sla.yaml:5", where the rule starts

  int specificity() const;
  bool matches(const CellResult& cell) const;
  bool matches(const std::string& scenario, const std::string& reader,
               const std::string& mode) const;
  // "every cell", "reader naive, mode dump".
  std::string describe() const;
};

struct SlaSpec {
  std::vector<SlaRule> rules;
  bool empty() const { return rules.empty(); }
};

enum class SlaOutcome { held, violated, not_evaluated };

struct SlaCheck {
  std::string scenario, reader, mode;
  std::string metric;
  SlaKind kind = SlaKind::latency;
  SlaOutcome outcome = SlaOutcome::held;
  double measured = 0;
  double limit = 0;
  std::string measured_text;  // "2.52µs (median of 3 repetitions)"; why, when not evaluated
  std::string limit_text;     // "1ns"
  std::string origin;         // where the threshold was set

  std::string cell_name() const;  // "quiet.naive.keys" (JUnit classname)
  std::string name() const;       // "op_p99 <= 1ns"
};

enum class SlaVerdict {
  held,           // every evaluated check held, and at least one was evaluated
  violated,       // at least one check was violated
  not_evaluated,  // there were checks, but none could be evaluated (skipped cells)
};

struct SlaResult {
  std::vector<SlaCheck> checks;
  std::vector<const SlaRule*> unmatched;  // rules that selected no cell: a mistake

  SlaVerdict verdict() const;
  size_t count(SlaOutcome outcome) const;
};

// `spec` must outlive the result (unmatched points into it).
SlaResult evaluate_sla(const SlaSpec& spec, const std::vector<CellResult>& cells);

// One line per violated or not-evaluated check, then a summary line.
void print_sla(const SlaResult& result, std::ostream& out);

}  // namespace mapsla
