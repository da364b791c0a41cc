#include "reports/sla.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "reports/statistics.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

struct Measurement {
  double value = 0;
  std::string text;
};

std::string plural_reps(size_t n) {
  return fmt::format("{} repetition{}", n, n == 1 ? "" : "s");
}

std::string format_limit(SlaKind kind, double limit) {
  switch (kind) {
    case SlaKind::latency:
      return format_ns(limit);
    case SlaKind::count:
    case SlaKind::min_samples:
      return fmt::format("{:.0f}", limit);
    case SlaKind::rate:
      return fmt::format("{:g}/M", limit);
    case SlaKind::min_throughput:
      return format_count(limit) + "/s";
  }
  return "";
}

uint64_t anomaly_count(const AnomalyCounts& a, std::string_view cls) {
  if (cls == "torn") return a.torn;
  if (cls == "missing") return a.missing;
  if (cls == "skipped") return a.skipped;
  if (cls == "duplicate") return a.duplicate;
  if (cls == "stale") return a.stale;
  if (cls == "non_monotonic") return a.non_monotonic;
  if (cls == "error") return a.error_total();
  return a.total();  // "anomalies"
}

Measurement latency(const std::vector<double>& values, bool is_max) {
  if (is_max) {
    const double max = *std::max_element(values.begin(), values.end());
    return {max, fmt::format("{} (largest of {})", format_ns(max), plural_reps(values.size()))};
  }
  const double m = median(values);
  return {m, fmt::format("{} (median of {})", format_ns(m), plural_reps(values.size()))};
}

double percentile_of(std::string_view suffix) {
  if (suffix == "p50") return 50;
  if (suffix == "p90") return 90;
  if (suffix == "p99") return 99;
  if (suffix == "p999") return 99.9;
  return 100;  // max
}

Measurement measure(const SlaMetric& metric, const CellResult& cell) {
  const std::string_view name = metric.name;
  const size_t reps = cell.repetitions.size();
  switch (metric.kind) {
    case SlaKind::latency: {
      if (name == "per_entry") return latency(per_entry_values(cell), false);
      if (name.starts_with("corrected_pass_")) {
        const std::string_view suffix = name.substr(15);
        return latency(corrected_pass_percentiles(cell, percentile_of(suffix)), suffix == "max");
      }
      const bool pass = name.substr(0, 5) == "pass_";
      const std::string_view suffix = name.substr(pass ? 5 : 3);
      const double q = percentile_of(suffix);
      return latency(pass ? pass_percentiles(cell, q) : op_percentiles(cell, q), suffix == "max");
    }
    case SlaKind::count: {
      const uint64_t n = anomaly_count(cell.pooled().anomalies, name);
      return {static_cast<double>(n), fmt::format("{} (over {})", n, plural_reps(reps))};
    }
    case SlaKind::rate: {
      const RepetitionResult all = cell.pooled();
      const uint64_t n = anomaly_count(all.anomalies, name.substr(0, name.size() - 12));
      const double rate =
          all.reads ? static_cast<double>(n) * 1e6 / static_cast<double>(all.reads) : 0.0;
      return {rate, fmt::format("{:.4g}/M ({} in {} reads over {})", rate, n,
                                format_count(static_cast<double>(all.reads)), plural_reps(reps))};
    }
    case SlaKind::min_throughput: {
      const double m = median(entries_per_s_values(cell));
      return {m, fmt::format("{}/s (median of {})", format_count(m), plural_reps(reps))};
    }
    case SlaKind::min_samples: {
      uint64_t fewest = UINT64_MAX;
      for (const auto& rep : cell.repetitions)
        fewest = std::min(fewest, rep.op_latency.count());
      return {static_cast<double>(fewest),
              fmt::format("{} (smallest of {})", fewest, plural_reps(reps))};
    }
  }
  return {};
}

const char* outcome_word(SlaOutcome o) {
  switch (o) {
    case SlaOutcome::held:
      return "ok";
    case SlaOutcome::violated:
      return "FAIL";
    case SlaOutcome::not_evaluated:
      return "n/a";
  }
  return "";
}

bool rule_matches(const SlaRule& rule, const CellResult& cell) {
  return rule.matches(cell.scenario, cell.reader, cell.mode);
}

}  // namespace

std::string SlaCheck::cell_name() const {
  return fmt::format("{}.{}.{}", scenario, reader, mode);
}

std::string SlaCheck::name() const {
  return fmt::format("{} {} {}", metric, is_lower_limit(kind) ? ">=" : "<=", limit_text);
}

size_t SlaResult::count(SlaOutcome outcome) const {
  return static_cast<size_t>(std::count_if(
      checks.begin(), checks.end(), [&](const SlaCheck& c) { return c.outcome == outcome; }));
}

SlaVerdict SlaResult::verdict() const {
  if (count(SlaOutcome::violated) > 0) return SlaVerdict::violated;
  if (!checks.empty() && count(SlaOutcome::held) == 0) return SlaVerdict::not_evaluated;
  return SlaVerdict::held;
}

SlaResult evaluate_sla(const SlaSpec& spec, const std::vector<CellResult>& cells) {
  SlaResult result;
  for (const SlaRule& rule : spec.rules)
    if (std::none_of(cells.begin(), cells.end(),
                     [&](const CellResult& c) { return rule_matches(rule, c); }))
      result.unmatched.push_back(&rule);

  for (const CellResult& cell : cells) {
    struct Chosen {
      const SlaThreshold* threshold;
      int specificity;
    };
    std::map<std::string, Chosen> chosen;
    for (const SlaRule& rule : spec.rules) {
      if (!rule_matches(rule, cell)) continue;
      for (const SlaThreshold& t : rule.thresholds) {
        auto it = chosen.find(t.metric);
        if (it == chosen.end() || rule.specificity() >= it->second.specificity)
          chosen[t.metric] = {&t, rule.specificity()};
      }
    }
    for (const SlaMetric& metric : sla_metrics()) {
      const auto it = chosen.find(std::string(metric.name));
      if (it == chosen.end()) continue;
      const SlaThreshold& t = *it->second.threshold;
      SlaCheck check{cell.scenario, cell.reader, cell.mode, t.metric, metric.kind};
      check.limit = t.limit;
      check.limit_text = format_limit(metric.kind, t.limit);
      check.origin = t.origin;
      if (cell.status == CellStatus::skipped || cell.status == CellStatus::not_applicable) {
        check.outcome = SlaOutcome::not_evaluated;
        check.measured_text = fmt::format("cell {}: {}", to_string(cell.status), cell.reason);
      } else if (cell.status == CellStatus::failed) {
        check.outcome = SlaOutcome::violated;
        check.measured_text = fmt::format("nothing: the cell failed: {}", cell.reason);
      } else if (cell.repetitions.empty()) {
        check.outcome = SlaOutcome::not_evaluated;
        check.measured_text = "the cell has no measured repetition";
      } else if (metric.name.starts_with("corrected_pass_") &&
                 cell.pooled().pass_latency_corrected.count() == 0) {
        check.outcome = SlaOutcome::not_evaluated;
        check.measured_text = "no open-loop passes: the scenario sets no run.interval";
      } else {
        const Measurement m = measure(metric, cell);
        check.measured = m.value;
        check.measured_text = m.text;
        const bool holds = is_lower_limit(metric.kind) ? m.value >= t.limit : m.value <= t.limit;
        check.outcome = holds ? SlaOutcome::held : SlaOutcome::violated;
      }
      result.checks.push_back(std::move(check));
    }
  }
  return result;
}

void print_sla(const SlaResult& result, std::ostream& out) {
  for (const SlaCheck& c : result.checks) {
    if (c.outcome == SlaOutcome::held) continue;
    out << fmt::format("  {:<4}  {}  {}: measured {}, limit {} {}  [{}]\n", outcome_word(c.outcome),
                       c.cell_name(), c.metric, c.measured_text,
                       is_lower_limit(c.kind) ? ">=" : "<=", c.limit_text, c.origin);
  }
  const size_t violated = result.count(SlaOutcome::violated);
  const size_t held = result.count(SlaOutcome::held);
  const size_t skipped = result.count(SlaOutcome::not_evaluated);
  const char* verdict = "";
  switch (result.verdict()) {
    case SlaVerdict::held:
      verdict = "SLA held";
      break;
    case SlaVerdict::violated:
      verdict = "SLA VIOLATED";
      break;
    case SlaVerdict::not_evaluated:
      verdict = "SLA not evaluated (no cell could be measured here)";
      break;
  }
  out << fmt::format("{}: {} check{}: {} held, {} violated, {} not evaluated\n", verdict,
                     result.checks.size(), result.checks.size() == 1 ? "" : "s", held, violated,
                     skipped);
}

}  // namespace mapsla
