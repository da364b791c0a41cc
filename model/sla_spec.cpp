#include "model/sla_spec.h"

namespace mapsla {
namespace {

std::vector<SlaMetric> build_metrics() {
  std::vector<SlaMetric> out;
  for (const char* name : {"op_p50", "op_p90", "op_p99", "op_p999", "op_max"})
    out.push_back({name, SlaKind::latency, "operation latency"});
  for (const char* name : {"pass_p50", "pass_p90", "pass_p99", "pass_p999", "pass_max"})
    out.push_back({name, SlaKind::latency, "pass latency"});
  for (const char* name : {"corrected_pass_p50", "corrected_pass_p90", "corrected_pass_p99",
                           "corrected_pass_p999", "corrected_pass_max"})
    out.push_back({name, SlaKind::latency,
                   "open-loop pass latency from the pass's due time (needs run.interval)"});
  out.push_back({"per_entry", SlaKind::latency, "time per entry read (read_time_ns / reads)"});
  for (const char* cls :
       {"torn", "missing", "skipped", "duplicate", "stale", "non_monotonic", "error", "anomalies"})
    out.push_back({cls, SlaKind::count, "anomaly count"});
  for (const char* cls : {"torn_per_million", "missing_per_million", "skipped_per_million",
                          "duplicate_per_million", "stale_per_million", "non_monotonic_per_million",
                          "error_per_million", "anomalies_per_million"})
    out.push_back({cls, SlaKind::rate, "anomalies per million reads"});
  out.push_back({"min_entries_per_s", SlaKind::min_throughput, "entries read per second"});
  out.push_back({"min_samples", SlaKind::min_samples, "op-latency samples per repetition"});
  return out;
}

}  // namespace

const std::vector<SlaMetric>& sla_metrics() {
  static const std::vector<SlaMetric> metrics = build_metrics();
  return metrics;
}

const SlaMetric* find_sla_metric(std::string_view name) {
  for (const auto& m : sla_metrics())
    if (m.name == name) return &m;
  return nullptr;
}

bool is_lower_limit(SlaKind kind) {
  return kind == SlaKind::min_throughput || kind == SlaKind::min_samples;
}

int SlaRule::specificity() const {
  return int{scenario.has_value()} + int{reader.has_value()} + int{mode.has_value()};
}

bool SlaRule::matches(const std::string& s, const std::string& r, const std::string& m) const {
  return (!scenario || *scenario == s) && (!reader || *reader == r) && (!mode || *mode == m);
}

std::string SlaRule::describe() const {
  std::vector<std::string> parts;
  if (scenario) parts.push_back("scenario " + *scenario);
  if (reader) parts.push_back("reader " + *reader);
  if (mode) parts.push_back("mode " + *mode);
  if (parts.empty()) return "every cell";
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i)
    out += ", " + parts[i];
  return out;
}

}  // namespace mapsla
