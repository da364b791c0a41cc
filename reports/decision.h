// The decision view: which reader to ship, from cost and correctness.
//
// Per condition (a matrix column: the scenario's `condition:`, else its
// name), every reader/mode is a point: x = per-entry cost (the median across
// repetitions, the SLA gate's rule; the worst such median when the reader
// ran in several scenarios of the condition), y = anomalies per million
// reads (pooled, as the gate pools them). A point is on the Pareto front
// when no other point of its condition is at least as cheap and at least as
// correct, and strictly better in one.
//
// The recommendation:
//   - with an SLA: per condition, the cheapest candidate that meets every
//     threshold in *every* repetition (each repetition evaluated on its own,
//     stricter than the gate's median); across conditions, the cheapest
//     candidate (by its worst per-entry cost) that does so in every condition
//     that ran — "ship READER MODE: meets every threshold in every condition
//     at X–Y ns per entry; OTHER also meets it at Z";
//   - without an SLA: the same with "0 anomalies in every repetition" as the
//     only threshold.
// A condition whose cells were all skipped (cross-NUMA on a one-node host)
// is left out of "every condition" and named as not judged. A candidate that
// was not_applicable, failed or missing in a condition that ran does not
// meet it there; when none meets everywhere the text says so and lists,
// per candidate, the first threshold it missed and where.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reports/result.h"
#include "reports/sla.h"

namespace mapsla {

struct DecisionPoint {
  std::string candidate;  // "retry keys" (with the reader's `name` setting when it has one)
  CellStatus status = CellStatus::ok;  // ok when any of its cells in the condition measured
  std::string reason;                  // why not measured
  double per_entry_ns = 0;             // worst median across its cells in the condition
  uint64_t reads = 0;
  uint64_t anomalies = 0;
  double anomalies_per_million = 0;
  bool pareto = false;
  bool meets = false;               // every threshold in every repetition
  std::vector<std::string> misses;  // "torn ≤ 0: 3 in repetition 2 (scenario s)"
};

struct ConditionDecision {
  std::string condition;
  bool judged = true;  // false when no cell of the condition ran (skipped, not applicable)
  std::string not_judged_reason;
  std::vector<DecisionPoint> points;    // measured first, by cost; then the rest by name
  std::optional<std::string> cheapest;  // the cheapest point that meets
};

struct Decision {
  bool with_sla = false;
  std::vector<ConditionDecision> conditions;
  std::optional<std::string> ship;  // meets in every judged condition
  double ship_cost_low = 0, ship_cost_high = 0;
  std::vector<std::pair<std::string, double>> also;  // others that meet, worst cost
  std::string recommendation;                        // the sentence, always set
  std::vector<std::string> explanation;              // per candidate, what it missed
};

// `sla` null: rank by cost among readers with 0 anomalies.
Decision decide(const std::vector<CellResult>& cells, const SlaSpec* sla);

nlohmann::json to_json(const Decision& decision);
// The recommendation, then per condition a ranked table (terminal).
void print_decision(const Decision& decision, std::ostream& out);
// The same as Markdown (a section with one table per condition), from the
// JSON form a report stores.
std::string decision_markdown(const nlohmann::json& decision);

}  // namespace mapsla
