#include "reports/decision.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reports/anomaly_classes.h"
#include "reports/markup_escape.h"
#include "reports/statistics.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

std::string candidate_of(const CellResult& cell) {
  std::string out = cell.reader + " " + cell.mode;
  for (const auto& [key, value] : cell.settings)
    if (key == "name" && !value.empty()) out += " (" + value + ")";
  return out;
}

std::string condition_of(const CellResult& cell) {
  return cell.condition.empty() ? cell.scenario : cell.condition;
}

bool measured(const CellResult& cell) {
  return cell.status == CellStatus::ok && !cell.repetitions.empty();
}

std::string anomaly_breakdown(const AnomalyCounts& a) {
  std::string out;
  const auto counts = anomaly_class_counts(a);
  for (size_t i = 0; i < kAnomalyClassCount; ++i)
    if (counts[i])
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", kAnomalyClasses[i], counts[i]);
  return out;
}

// Why `cell` does not meet the bar, one line per repetition and check that
// failed; empty when it meets it in every repetition.
std::vector<std::string> misses_of(const CellResult& cell, const SlaSpec* sla) {
  std::vector<std::string> out;
  if (cell.status != CellStatus::ok)
    return {
        fmt::format("{} in scenario {}: {}", to_string(cell.status), cell.scenario, cell.reason)};
  if (cell.repetitions.empty()) return {"no measured repetition in scenario " + cell.scenario};
  for (const RepetitionResult& rep : cell.repetitions) {
    if (!sla) {
      if (rep.anomalies.total() != 0)
        out.push_back(fmt::format("0 anomalies: {} ({}) in repetition {} of {}",
                                  rep.anomalies.total(), anomaly_breakdown(rep.anomalies),
                                  rep.index + 1, cell.scenario));
      continue;
    }
    CellResult one = cell;
    one.repetitions = {rep};
    one.phases.clear();
    one.recovery.clear();
    for (const SlaCheck& check : evaluate_sla(*sla, {one}).checks)
      if (check.outcome == SlaOutcome::violated)
        out.push_back(fmt::format("{}: {} in repetition {} of {}", check.name(),
                                  check.measured_text, rep.index + 1, cell.scenario));
  }
  return out;
}

DecisionPoint point_of(const std::string& candidate, const std::vector<const CellResult*>& cells,
                       const SlaSpec* sla) {
  DecisionPoint p;
  p.candidate = candidate;
  bool any = false;
  AnomalyCounts anomalies;
  for (const CellResult* cell : cells) {
    for (std::string& miss : misses_of(*cell, sla))
      p.misses.push_back(std::move(miss));
    if (!measured(*cell)) continue;
    any = true;
    p.per_entry_ns = std::max(p.per_entry_ns, median(per_entry_values(*cell)));
    const RepetitionResult pooled = cell->pooled();
    p.reads += pooled.reads;
    anomalies.merge(pooled.anomalies);
  }
  if (!any) {
    p.status = cells.front()->status == CellStatus::ok ? CellStatus::failed : cells.front()->status;
    p.reason = cells.front()->reason.empty() ? "no measured repetition" : cells.front()->reason;
  }
  p.anomalies = anomalies.total();
  p.anomalies_per_million = p.reads ? 1e6 * static_cast<double>(p.anomalies) / p.reads : 0;
  p.meets = any && p.misses.empty();
  return p;
}

void mark_pareto(std::vector<DecisionPoint>& points) {
  for (DecisionPoint& p : points) {
    if (p.status != CellStatus::ok) continue;
    p.pareto = std::none_of(points.begin(), points.end(), [&](const DecisionPoint& q) {
      if (&q == &p || q.status != CellStatus::ok) return false;
      const bool no_worse =
          q.per_entry_ns <= p.per_entry_ns && q.anomalies_per_million <= p.anomalies_per_million;
      const bool better =
          q.per_entry_ns < p.per_entry_ns || q.anomalies_per_million < p.anomalies_per_million;
      return no_worse && better;
    });
  }
}

ConditionDecision decide_condition(const std::string& condition,
                                   const std::vector<const CellResult*>& cells,
                                   const SlaSpec* sla) {
  ConditionDecision out{condition};
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CellResult*>> by_candidate;
  for (const CellResult* cell : cells) {
    const std::string c = candidate_of(*cell);
    if (!by_candidate.contains(c)) order.push_back(c);
    by_candidate[c].push_back(cell);
  }
  // Judged when something ran (or failed trying); a condition of skipped and
  // not_applicable cells only (cross-NUMA on one node) could not be.
  out.judged = std::any_of(cells.begin(), cells.end(), [](const CellResult* c) {
    return c->status == CellStatus::ok || c->status == CellStatus::failed;
  });
  if (!out.judged) {
    const auto skipped = std::find_if(cells.begin(), cells.end(), [](const CellResult* c) {
      return c->status == CellStatus::skipped;
    });
    out.not_judged_reason = (skipped != cells.end() ? *skipped : cells.front())->reason;
  }
  for (const std::string& c : order)
    out.points.push_back(point_of(c, by_candidate[c], sla));
  mark_pareto(out.points);
  std::stable_sort(out.points.begin(), out.points.end(),
                   [](const DecisionPoint& a, const DecisionPoint& b) {
                     const bool am = a.status == CellStatus::ok, bm = b.status == CellStatus::ok;
                     if (am != bm) return am;
                     if (am && a.per_entry_ns != b.per_entry_ns)
                       return a.per_entry_ns < b.per_entry_ns;
                     return !am && a.candidate < b.candidate;
                   });
  for (const DecisionPoint& p : out.points)
    if (p.meets) {
      out.cheapest = p.candidate;
      break;
    }
  return out;
}

struct Overall {
  bool meets_everywhere = true;
  double low = std::numeric_limits<double>::infinity(), high = 0;
  std::string first_miss;
};

void recommend(Decision& d) {
  std::vector<std::string> candidates;
  std::map<std::string, Overall> overall;
  for (const ConditionDecision& c : d.conditions)
    for (const DecisionPoint& p : c.points)
      if (!overall.contains(p.candidate)) {
        candidates.push_back(p.candidate);
        overall[p.candidate];
      }
  size_t judged = 0;
  for (const ConditionDecision& c : d.conditions) {
    if (!c.judged) continue;
    ++judged;
    for (const std::string& name : candidates) {
      Overall& o = overall[name];
      const auto it = std::find_if(c.points.begin(), c.points.end(),
                                   [&](const DecisionPoint& p) { return p.candidate == name; });
      if (it == c.points.end()) {
        if (o.first_miss.empty()) o.first_miss = fmt::format("did not run in {}", c.condition);
        o.meets_everywhere = false;
        continue;
      }
      if (it->status == CellStatus::ok) {
        o.low = std::min(o.low, it->per_entry_ns);
        o.high = std::max(o.high, it->per_entry_ns);
      }
      if (!it->meets) {
        o.meets_everywhere = false;
        if (o.first_miss.empty())
          o.first_miss = fmt::format("{}: {}", c.condition,
                                     it->misses.empty() ? it->reason : it->misses.front());
      }
    }
  }
  std::vector<std::pair<std::string, double>> meeting;
  for (const std::string& name : candidates)
    if (judged && overall[name].meets_everywhere) meeting.emplace_back(name, overall[name].high);
  std::stable_sort(meeting.begin(), meeting.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  const std::string bar = d.with_sla ? "meets every threshold" : "reads 0 anomalies";
  if (judged == 0) {
    d.recommendation = "no recommendation: no condition could be judged (every cell was skipped)";
  } else if (meeting.empty()) {
    d.recommendation = fmt::format(
        "no reader {} in every repetition of every condition; what each missed first:", bar);
    for (const std::string& name : candidates)
      d.explanation.push_back(fmt::format("{}: {}", name, overall[name].first_miss));
  } else {
    const Overall& best = overall[meeting.front().first];
    d.ship = meeting.front().first;
    d.ship_cost_low = best.low;
    d.ship_cost_high = best.high;
    d.recommendation = fmt::format(
        "ship {}: {} in every repetition of every condition at {}", *d.ship, bar,
        best.low == best.high ? format_ns(best.low) + " per entry"
                              : format_ns(best.low) + "–" + format_ns(best.high) + " per entry");
    // The sentence names the next three; report.json's `also` lists them all.
    constexpr size_t kNamed = 3;
    for (size_t i = 1; i < meeting.size(); ++i) {
      d.also.push_back(meeting[i]);
      if (i <= kNamed)
        d.recommendation +=
            fmt::format("; {} also does at {}", meeting[i].first, format_ns(meeting[i].second));
    }
    if (meeting.size() > kNamed + 1)
      d.recommendation += fmt::format("; {} more do (listed below)", meeting.size() - kNamed - 1);
  }
  for (const ConditionDecision& c : d.conditions)
    if (!c.judged)
      d.explanation.push_back(fmt::format("{} not judged: {}", c.condition, c.not_judged_reason));
}

}  // namespace

Decision decide(const std::vector<CellResult>& cells, const SlaSpec* sla) {
  Decision d;
  d.with_sla = sla && !sla->empty();
  const SlaSpec* bar = d.with_sla ? sla : nullptr;
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CellResult*>> by_condition;
  for (const CellResult& cell : cells) {
    const std::string c = condition_of(cell);
    if (!by_condition.contains(c)) order.push_back(c);
    by_condition[c].push_back(&cell);
  }
  for (const std::string& c : order)
    d.conditions.push_back(decide_condition(c, by_condition[c], bar));
  recommend(d);
  return d;
}

nlohmann::json to_json(const Decision& d) {
  nlohmann::json conditions = nlohmann::json::array();
  for (const ConditionDecision& c : d.conditions) {
    nlohmann::json points = nlohmann::json::array();
    for (const DecisionPoint& p : c.points) {
      nlohmann::json j = {{"candidate", p.candidate},
                          {"status", to_string(p.status)},
                          {"meets", p.meets},
                          {"misses", p.misses}};
      if (p.status == CellStatus::ok) {
        j["per_entry_ns"] = p.per_entry_ns;
        j["reads"] = p.reads;
        j["anomalies"] = p.anomalies;
        j["anomalies_per_million"] = p.anomalies_per_million;
        j["pareto"] = p.pareto;
      } else {
        j["reason"] = p.reason;
      }
      points.push_back(std::move(j));
    }
    nlohmann::json cj = {{"condition", c.condition}, {"judged", c.judged}, {"points", points}};
    cj["cheapest"] = c.cheapest ? nlohmann::json(*c.cheapest) : nlohmann::json(nullptr);
    if (!c.judged) cj["reason"] = c.not_judged_reason;
    conditions.push_back(std::move(cj));
  }
  nlohmann::json also = nlohmann::json::array();
  for (const auto& [name, cost] : d.also)
    also.push_back({{"candidate", name}, {"per_entry_ns_max", cost}});
  nlohmann::json out = {{"bar", d.with_sla ? "sla" : "zero_anomalies"},
                        {"recommendation", d.recommendation},
                        {"explanation", d.explanation},
                        {"also", also},
                        {"conditions", conditions}};
  out["ship"] = d.ship ? nlohmann::json(*d.ship) : nlohmann::json(nullptr);
  if (d.ship) out["ship_per_entry_ns"] = {d.ship_cost_low, d.ship_cost_high};
  return out;
}

namespace {

std::string rate_text(const DecisionPoint& p) {
  if (p.anomalies == 0) return "0";
  const double r = p.anomalies_per_million;
  const std::string rate = r >= 100 ? fmt::format("{:.0f}", r)
                           : r >= 1 ? fmt::format("{:.1f}", r)
                                    : fmt::format("{:.2g}", r);
  return fmt::format("{}/M ({})", rate, p.anomalies);
}

std::string verdict_text(const DecisionPoint& p) {
  if (p.status != CellStatus::ok) return to_string(p.status) + ": " + p.reason;
  if (p.meets) return "meets";
  return "misses: " + p.misses.front() +
         (p.misses.size() > 1 ? fmt::format(" (+{} more)", p.misses.size() - 1) : "");
}

}  // namespace

void print_decision(const Decision& d, std::ostream& out) {
  out << "recommendation: " << d.recommendation << '\n';
  for (const std::string& line : d.explanation)
    out << "  " << line << '\n';
  for (const ConditionDecision& c : d.conditions) {
    if (!c.judged) continue;
    out << fmt::format("\n{}: cheapest that {}: {}\n", c.condition,
                       d.with_sla ? "meets the SLA" : "reads 0 anomalies",
                       c.cheapest.value_or("none"));
    out << fmt::format("  {:<4} {:<28} {:>10} {:>18} {:<6} {}\n", "rank", "reader", "per entry",
                       "anomalies", "pareto", "verdict");
    int rank = 0;
    for (const DecisionPoint& p : c.points) {
      const bool ok = p.status == CellStatus::ok;
      out << fmt::format("  {:<4} {:<28} {:>10} {:>18} {:<6} {}\n",
                         ok ? std::to_string(++rank) : "-", p.candidate,
                         ok ? format_ns(p.per_entry_ns) : "", ok ? rate_text(p) : "",
                         p.pareto ? "yes" : "", verdict_text(p));
    }
  }
}

static std::string md(const std::string& text) {
  return markdown_escape(text);
}

std::string decision_markdown(const nlohmann::json& d) {
  std::string out =
      "## Which reader to ship\n\n**" + md(d.value("recommendation", std::string())) + "**\n\n";
  for (const auto& line : d.value("explanation", nlohmann::json::array()))
    out += "- " + md(line.get<std::string>()) + "\n";
  if (!d.value("explanation", nlohmann::json::array()).empty()) out += "\n";
  const bool sla = d.value("bar", "") == "sla";
  for (const auto& c : d.value("conditions", nlohmann::json::array())) {
    if (!c.value("judged", false)) continue;
    const auto cheapest = c.find("cheapest");
    out += fmt::format(
        "### {} — cheapest that {}: {}\n\n", md(c.value("condition", "")),
        sla ? "meets the SLA" : "reads 0 anomalies",
        cheapest != c.end() && cheapest->is_string() ? md(cheapest->get<std::string>()) : "none");
    out += "| rank | reader | per entry | anomalies | Pareto | verdict |\n";
    out += "| ---: | --- | ---: | ---: | :---: | --- |\n";
    int rank = 0;
    for (const auto& p : c["points"]) {
      DecisionPoint point;
      point.candidate = p.value("candidate", "");
      point.status = p.value("status", "") == "ok"               ? CellStatus::ok
                     : p.value("status", "") == "not_applicable" ? CellStatus::not_applicable
                     : p.value("status", "") == "skipped"        ? CellStatus::skipped
                                                                 : CellStatus::failed;
      point.reason = p.value("reason", "");
      point.per_entry_ns = p.value("per_entry_ns", 0.0);
      point.anomalies = p.value("anomalies", uint64_t{0});
      point.anomalies_per_million = p.value("anomalies_per_million", 0.0);
      point.pareto = p.value("pareto", false);
      point.meets = p.value("meets", false);
      point.misses = p.value("misses", std::vector<std::string>{});
      const bool ok = point.status == CellStatus::ok;
      out +=
          fmt::format("| {} | {} | {} | {} | {} | {} |\n", ok ? std::to_string(++rank) : "–",
                      md(point.candidate), ok ? format_ns(point.per_entry_ns) : "",
                      ok ? rate_text(point) : "", point.pareto ? "●" : "", md(verdict_text(point)));
    }
    out += "\n";
  }
  return out;
}

}  // namespace mapsla
