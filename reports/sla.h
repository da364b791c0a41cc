// The SLA gate: the evaluation of an SlaSpec (model/sla_spec.h: the rules,
// their selectors and thresholds, parsed by model/sla_parser.h) against a
// report's cells. This file knows only the spec and the result model.
// docs/sla.md is the user's reference.
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

#include "model/sla_spec.h"
#include "reports/result.h"

namespace mapsla {

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
