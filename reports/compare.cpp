#include "reports/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "reports/terminal_report.h"

namespace mapsla {
namespace {

std::string cell_label(const std::string& scenario, const std::string& reader,
                       const std::string& mode) {
  return fmt::format("{} / {} {}", scenario, reader, mode);
}

const CellResult* find_cell(const Report& report, const CellResult& like) {
  for (const auto& c : report.cells)
    if (c.scenario == like.scenario && c.reader == like.reader && c.mode == like.mode) return &c;
  return nullptr;
}

uint64_t class_count(const AnomalyCounts& a, const std::string& cls) {
  if (cls == "torn") return a.torn;
  if (cls == "missing") return a.missing;
  if (cls == "skipped") return a.skipped;
  if (cls == "duplicate") return a.duplicate;
  if (cls == "stale") return a.stale;
  if (cls == "non_monotonic") return a.non_monotonic;
  return a.error_total();
}

std::vector<double> class_rates(const CellResult& cell, const std::string& cls) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    out.push_back(rep.reads ? static_cast<double>(class_count(rep.anomalies, cls)) * 1e6 /
                                  static_cast<double>(rep.reads)
                            : 0.0);
  return out;
}

MetricComparison compare_metric(std::string name, bool latency, std::vector<double> base,
                                std::vector<double> next, const CompareOptions& options) {
  MetricComparison m;
  m.metric = std::move(name);
  m.latency = latency;
  m.base_median = median(base);
  m.new_median = median(next);
  if (m.base_median != 0)
    m.change = (m.new_median - m.base_median) / m.base_median;
  else if (m.new_median != 0)
    m.change = m.new_median > 0 ? std::numeric_limits<double>::infinity()
                                : -std::numeric_limits<double>::infinity();
  m.test = mann_whitney_u(base, next);
  m.base_values = std::move(base);
  m.new_values = std::move(next);
  if (std::abs(m.change) * 100.0 <= options.threshold_pct)
    m.verdict = ChangeVerdict::unchanged;
  else if (m.test.p_value < options.alpha)
    m.verdict = m.change > 0 ? ChangeVerdict::regression : ChangeVerdict::improvement;
  else
    m.verdict = ChangeVerdict::not_significant;
  return m;
}

CellComparison compare_cell(const CellResult& base, const CellResult& next,
                            const CompareOptions& options) {
  CellComparison out{base.scenario, base.reader, base.mode, {}, 0};
  out.min_p = mann_whitney_min_p(base.repetitions.size(), next.repetitions.size());
  out.metrics.push_back(
      compare_metric("op p50", true, op_percentiles(base, 50), op_percentiles(next, 50), options));
  out.metrics.push_back(
      compare_metric("op p99", true, op_percentiles(base, 99), op_percentiles(next, 99), options));
  out.metrics.push_back(
      compare_metric("per entry", true, per_entry_values(base), per_entry_values(next), options));
  out.metrics.push_back(compare_metric("anomalies /M", false, anomaly_rate_values(base),
                                       anomaly_rate_values(next), options));
  const RepetitionResult base_all = base.pooled(), next_all = next.pooled();
  for (const char* cls :
       {"torn", "missing", "skipped", "duplicate", "stale", "non_monotonic", "error"}) {
    if (class_count(base_all.anomalies, cls) == 0 && class_count(next_all.anomalies, cls) == 0)
      continue;
    out.metrics.push_back(compare_metric(fmt::format("{} /M", cls), false, class_rates(base, cls),
                                         class_rates(next, cls), options));
  }
  return out;
}

std::string run_label(const Report& r) {
  return r.started_at.empty() ? fmt::format("run {}", r.run_id)
                              : fmt::format("run {} · {}", r.run_id, r.started_at);
}

std::string format_value(const MetricComparison& m, double v) {
  if (m.latency) return format_ns(v);
  if (v == 0) return "0";
  return fmt::format("{:.3g}", v);
}

std::string format_change(double change) {
  if (std::isinf(change)) return change > 0 ? "▲ from 0" : "▼ to 0";
  if (change == 0) return "= 0.0 %";
  return fmt::format("{} {}{:.1f} %", change > 0 ? "▲" : "▼", change > 0 ? "+" : "−",
                     std::abs(change) * 100.0);
}

std::string format_p(double p) {
  return p < 0.001 ? "<0.001" : fmt::format("{:.3f}", p);
}

const char* verdict_word(ChangeVerdict v, bool markdown) {
  switch (v) {
    case ChangeVerdict::unchanged:
      return "";
    case ChangeVerdict::regression:
      return markdown ? "❌ regression" : "REGRESSION";
    case ChangeVerdict::improvement:
      return markdown ? "✅ improvement" : "improvement";
    case ChangeVerdict::not_significant:
      return "not significant";
  }
  return "";
}

size_t width_of(const std::string& s) {
  size_t w = 0;
  for (unsigned char ch : s)
    w += (ch & 0xC0) != 0x80;
  return w;
}

std::string verdict_line(const Comparison& c, bool markdown) {
  const size_t regressions = c.count(ChangeVerdict::regression);
  const size_t improvements = c.count(ChangeVerdict::improvement);
  const std::string rule =
      fmt::format("beyond {:g} % at α = {:g}", c.options.threshold_pct, c.options.alpha);
  std::string text;
  if (regressions > 0)
    text = fmt::format("{}{} significant regression{} {}",
                       markdown ? "❌ " : "REGRESSION: ", regressions, regressions == 1 ? "" : "s",
                       rule);
  else if (c.inconclusive())
    text = fmt::format(
        "{}inconclusive: no significant regression {}, but too few repetitions to "
        "test every change",
        markdown ? "⚠️ " : "", rule);
  else
    text = fmt::format("{}no significant regression {}", markdown ? "✅ " : "", rule);
  if (improvements > 0)
    text +=
        fmt::format("; {} significant improvement{}", improvements, improvements == 1 ? "" : "s");
  return text;
}

}  // namespace

size_t Comparison::count(ChangeVerdict verdict) const {
  size_t n = 0;
  for (const auto& cell : cells)
    for (const auto& m : cell.metrics)
      n += m.verdict == verdict;
  return n;
}

bool Comparison::inconclusive() const {
  for (const auto& cell : cells)
    if (cell.min_p >= options.alpha)
      for (const auto& m : cell.metrics)
        if (m.verdict == ChangeVerdict::not_significant) return true;
  return false;
}

Comparison compare_reports(const Report& base, const Report& next, const CompareOptions& options) {
  Comparison out;
  out.options = options;
  out.base_run = run_label(base);
  out.new_run = run_label(next);
  std::set<std::pair<size_t, size_t>> unreachable;
  for (const CellResult& b : base.cells) {
    const std::string label = cell_label(b.scenario, b.reader, b.mode);
    const CellResult* n = find_cell(next, b);
    if (!n) {
      out.not_compared.push_back(label + ": only in BASE");
    } else if (b.status != CellStatus::ok || n->status != CellStatus::ok) {
      const CellResult& bad = b.status != CellStatus::ok ? b : *n;
      out.not_compared.push_back(fmt::format("{}: {} in {} ({})", label, to_string(bad.status),
                                             &bad == &b ? "BASE" : "NEW", bad.reason));
    } else if (b.repetitions.empty() || n->repetitions.empty()) {
      out.not_compared.push_back(label + ": no measured repetition");
    } else {
      out.cells.push_back(compare_cell(b, *n, options));
      if (out.cells.back().min_p >= options.alpha)
        unreachable.insert({b.repetitions.size(), n->repetitions.size()});
    }
  }
  for (const CellResult& n : next.cells)
    if (!find_cell(base, n))
      out.not_compared.push_back(cell_label(n.scenario, n.reader, n.mode) + ": only in NEW");

  for (const auto& [n1, n2] : unreachable) {
    size_t enough = std::max(n1, n2);
    while (enough < 1000 && mann_whitney_min_p(enough, enough) >= options.alpha)
      ++enough;
    out.notes.push_back(fmt::format(
        "{} vs {} repetitions: without ties the smallest two-sided p-value is {:.3f}, which cannot "
        "reach α = {:g} (only ties, through the normal approximation, can go lower); run both "
        "with --repetitions {} or more ({} vs {}: p ≥ {:.3f})",
        n1, n2, mann_whitney_min_p(n1, n2), options.alpha, enough, enough, enough,
        mann_whitney_min_p(enough, enough)));
  }
  const Environment &eb = base.environment, &en = next.environment;
  if (eb.kernel != en.kernel || eb.cpu_model != en.cpu_model || eb.cores != en.cores)
    out.notes.push_back(fmt::format(
        "the reports come from different machines or kernels (BASE: {}, {} cores, kernel {}; "
        "NEW: {}, {} cores, kernel {}): a difference may be the machine's",
        eb.cpu_model, eb.cores, eb.kernel, en.cpu_model, en.cores, en.kernel));
  return out;
}

std::string render_compare_text(const Comparison& c) {
  std::string out = fmt::format("mapsla compare: BASE {} ({}) → NEW {} ({})\n", c.base_name,
                                c.base_run, c.new_name, c.new_run);
  out += fmt::format(
      "threshold {:g} %, α = {:g}; medians of the repetitions; Mann–Whitney U (two-sided) over "
      "the repetition values\n\n",
      c.options.threshold_pct, c.options.alpha);
  std::vector<std::vector<std::string>> rows = {
      {"scenario", "reader", "mode", "metric", "base", "new", "change", "p", "verdict"}};
  for (const auto& cell : c.cells)
    for (const auto& m : cell.metrics)
      rows.push_back({cell.scenario, cell.reader, cell.mode, m.metric,
                      format_value(m, m.base_median), format_value(m, m.new_median),
                      format_change(m.change), format_p(m.test.p_value),
                      verdict_word(m.verdict, false)});
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], width_of(row[i]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(widths[i] - width_of(row[i]), ' ');
      const bool right = i >= 4 && i <= 7;
      line += right ? pad + row[i] : row[i] + pad;
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  if (!c.not_compared.empty()) {
    out += "\nnot compared:\n";
    for (const auto& s : c.not_compared)
      out += "  " + s + "\n";
  }
  for (const auto& note : c.notes)
    out += "\nnote: " + note + "\n";
  out += "\nverdict: " + verdict_line(c, false) + "\n";
  return out;
}

std::string render_compare_markdown(const Comparison& c) {
  std::string out = "### mapsla compare\n\n";
  out += fmt::format("**Base** `{}` ({}) → **new** `{}` ({})  \n", c.base_name, c.base_run,
                     c.new_name, c.new_run);
  out += fmt::format(
      "Threshold {:g} %, α = {:g}. Each figure is the median of the repetitions; p is a "
      "two-sided Mann–Whitney U test over the repetition values.\n\n",
      c.options.threshold_pct, c.options.alpha);
  out += "| scenario | reader | mode | metric | base | new | change | p | verdict |\n";
  out += "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n";
  for (const auto& cell : c.cells)
    for (const auto& m : cell.metrics)
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", cell.scenario,
                         cell.reader, cell.mode, m.metric, format_value(m, m.base_median),
                         format_value(m, m.new_median), format_change(m.change),
                         format_p(m.test.p_value), verdict_word(m.verdict, true));
  if (!c.not_compared.empty()) {
    out += "\n**Not compared:**\n\n";
    for (const auto& s : c.not_compared)
      out += "- " + s + "\n";
  }
  if (!c.notes.empty()) {
    out += "\n";
    for (const auto& note : c.notes)
      out += "> **Note:** " + note + "\n>\n";
    out.resize(out.size() - 2);  // no trailing empty quote line
  }
  out += "\n**Verdict: " + verdict_line(c, true) + "**\n";
  return out;
}

}  // namespace mapsla
