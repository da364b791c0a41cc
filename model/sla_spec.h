// The SLA spec: the thresholds a user sets on cells, as parsed from YAML
// (model/sla_parser.h). The evaluation against a report's cells is in
// reports/sla.h; this file knows nothing of results.
//
// An SlaSpec is a list of rules. A rule selects cells by `scenario`, `reader`
// and `mode` (each optional; none selects every cell) and sets thresholds on
// metrics (sla_metrics()). When several matching rules set the same metric
// for a cell, the most specific rule (most selectors) wins; among equally
// specific rules, the later one. docs/sla.md is the user's reference.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  bool matches(const std::string& scenario, const std::string& reader,
               const std::string& mode) const;
  // "every cell", "reader naive, mode dump".
  std::string describe() const;
};

struct SlaSpec {
  std::vector<SlaRule> rules;
  bool empty() const { return rules.empty(); }
};

}  // namespace mapsla
