#include "reports/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "reports/cell_identity.h"
#include "reports/statistics.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

std::string cell_label(const std::string& scenario, const std::string& reader,
                       const std::string& mode) {
  return fmt::format("{} / {} {}", scenario, reader, mode);
}

uint64_t class_count(const AnomalyCounts& a, const std::string& cls) {
  if (cls == "torn") return a.torn;
  if (cls == "missing") return a.missing;
  if (cls == "skipped") return a.skipped;
  if (cls == "duplicate") return a.duplicate;
  if (cls == "stale") return a.stale;
  if (cls == "non_monotonic") return a.non_monotonic;
  if (cls == "error") return a.error_total();
  return a.total();  // "all"
}

uint64_t class_total(const CellResult& cell, const std::string& cls) {
  uint64_t n = 0;
  for (const auto& rep : cell.repetitions)
    n += class_count(rep.anomalies, cls);
  return n;
}

uint64_t reads_total(const CellResult& cell) {
  uint64_t n = 0;
  for (const auto& rep : cell.repetitions)
    n += rep.reads;
  return n;
}

double relative_change(double base, double next) {
  if (base != 0) return (next - base) / base;
  if (next != 0)
    return next > 0 ? std::numeric_limits<double>::infinity()
                    : -std::numeric_limits<double>::infinity();
  return 0;
}

// The bootstrap of NEW ÷ BASE for one latency figure: p is twice the smaller
// share of replicates on the near side of the threshold band (add-one, so a
// replicate count bounds it from below).
MetricComparison compare_latency(std::string name, const std::vector<double>& base_values,
                                 const std::vector<double>& new_values,
                                 const std::vector<double>& base_replicates,
                                 const std::vector<double>& new_replicates,
                                 const CompareOptions& options) {
  MetricComparison m;
  m.metric = std::move(name);
  m.latency = true;
  m.base_value = median(base_values);
  m.new_value = median(new_values);
  m.change = relative_change(m.base_value, m.new_value);
  const double t = options.threshold_pct / 100.0;
  std::vector<double> changes;
  size_t not_above = 0, not_below = 0;
  for (size_t b = 0; b < base_replicates.size() && b < new_replicates.size(); ++b) {
    const double c = relative_change(base_replicates[b], new_replicates[b]);
    changes.push_back(c);
    not_above += c <= t;
    not_below += c >= -t;
  }
  if (changes.empty()) return m;
  std::sort(changes.begin(), changes.end());
  m.has_interval = true;
  m.ci_low = quantile_sorted(changes, 0.025);
  m.ci_high = quantile_sorted(changes, 0.975);
  const double n = static_cast<double>(changes.size()) + 1.0;
  const double p_up = (static_cast<double>(not_above) + 1.0) / n;
  const double p_down = (static_cast<double>(not_below) + 1.0) / n;
  m.p_value = std::min(1.0, 2.0 * std::min(p_up, p_down));
  return m;
}

// Pearson's dispersion of the repetitions' counts around each run's pooled
// rate: about 1 for Poisson counts, more when a racy condition makes the
// rate itself vary between windows. Never below 1.
double dispersion_of(const CellResult& base, const CellResult& next, const std::string& cls) {
  double chi2 = 0;
  int df = 0;
  for (const CellResult* cell : {&base, &next}) {
    const uint64_t total = class_total(*cell, cls), reads = reads_total(*cell);
    if (total == 0 || reads == 0) continue;
    const double rate = static_cast<double>(total) / static_cast<double>(reads);
    int used = 0;
    for (const auto& rep : cell->repetitions) {
      const double expected = rate * static_cast<double>(rep.reads);
      if (expected <= 0) continue;
      const double d = static_cast<double>(class_count(rep.anomalies, cls)) - expected;
      chi2 += d * d / expected;
      ++used;
    }
    df += std::max(0, used - 1);
  }
  return df > 0 ? std::max(1.0, chi2 / df) : 1.0;
}

MetricComparison compare_rate(const std::string& cls, const CellResult& base,
                              const CellResult& next) {
  MetricComparison m;
  m.metric = (cls == "all" ? std::string("anomalies") : cls) + " /M (pooled)";
  m.latency = false;
  m.base_count = class_total(base, cls);
  m.new_count = class_total(next, cls);
  m.base_reads = reads_total(base);
  m.new_reads = reads_total(next);
  m.base_value = m.base_reads
                     ? static_cast<double>(m.base_count) * 1e6 / static_cast<double>(m.base_reads)
                     : 0;
  m.new_value =
      m.new_reads ? static_cast<double>(m.new_count) * 1e6 / static_cast<double>(m.new_reads) : 0;
  m.change = relative_change(m.base_value, m.new_value);
  if (m.base_reads == 0 || m.new_reads == 0) return m;
  m.dispersion = dispersion_of(base, next, cls);
  const double phi = m.dispersion;
  m.p_value =
      exact_rate_test(static_cast<uint64_t>(std::llround(static_cast<double>(m.base_count) / phi)),
                      static_cast<double>(m.base_reads) / phi,
                      static_cast<uint64_t>(std::llround(static_cast<double>(m.new_count) / phi)),
                      static_cast<double>(m.new_reads) / phi);
  return m;
}

std::vector<double> divided(std::vector<double> values, const std::vector<double>& floors) {
  for (size_t i = 0; i < values.size() && i < floors.size(); ++i)
    values[i] = floors[i] > 0 ? values[i] / floors[i] : 0;
  return values;
}

// The machine's floor in both runs: its median and the bootstrap interval of
// its change, for context (a machine that ran slower explains raw latency).
MetricComparison floor_row(const CellResult& base, const CellResult& next, const CellReplicates& b,
                           const CellReplicates& n) {
  MetricComparison m;
  m.metric = "floor";
  m.context = true;
  m.base_value = median(floor_values(base));
  m.new_value = median(floor_values(next));
  m.change = relative_change(m.base_value, m.new_value);
  std::vector<double> changes;
  for (size_t i = 0; i < b.floor.size() && i < n.floor.size(); ++i)
    changes.push_back(relative_change(b.floor[i], n.floor[i]));
  if (changes.empty()) return m;
  std::sort(changes.begin(), changes.end());
  m.has_interval = true;
  m.ci_low = quantile_sorted(changes, 0.025);
  m.ci_high = quantile_sorted(changes, 0.975);
  return m;
}

CellComparison compare_cell(const CellResult& base, const CellResult& next,
                            const CompareOptions& options) {
  const bool by_floor = options.relative_to_floor && has_floor(base) && has_floor(next);
  CellComparison out{base.scenario,           base.reader, base.mode, base.repetitions.size(),
                     next.repetitions.size(), by_floor,    {}};
  BootstrapOptions boot;
  boot.resamples = options.resamples;
  const CellReplicates b = cell_replicates(base, boot, by_floor);
  boot.seed ^= 0x9e37'79b9'7f4a'7c15;  // the two runs' replicates are independent
  const CellReplicates n = cell_replicates(next, boot, by_floor);
  const auto values = [&](const CellResult& cell, std::vector<double> raw) {
    return by_floor ? divided(std::move(raw), floor_values(cell)) : raw;
  };
  const auto latency = [&](const char* name, std::vector<double> base_raw,
                           std::vector<double> next_raw, const std::vector<double>& base_reps,
                           const std::vector<double>& next_reps) {
    MetricComparison m = compare_latency(
        by_floor ? std::string(name) + " ÷ floor" : name, values(base, std::move(base_raw)),
        values(next, std::move(next_raw)), base_reps, next_reps, options);
    m.relative_to_floor = by_floor;
    out.metrics.push_back(std::move(m));
  };
  latency("op p50", op_percentiles(base, 50), op_percentiles(next, 50), b.op_p50, n.op_p50);
  latency("op p99", op_percentiles(base, 99), op_percentiles(next, 99), b.op_p99, n.op_p99);
  latency("per entry", per_entry_values(base), per_entry_values(next), b.per_entry, n.per_entry);
  if (has_floor(base) && has_floor(next)) out.metrics.push_back(floor_row(base, next, b, n));
  out.metrics.push_back(compare_rate("all", base, next));
  for (const char* cls :
       {"torn", "missing", "skipped", "duplicate", "stale", "non_monotonic", "error"}) {
    if (class_total(base, cls) == 0 && class_total(next, cls) == 0) continue;
    out.metrics.push_back(compare_rate(cls, base, next));
  }
  return out;
}

void decide(Comparison& c) {
  std::vector<MetricComparison*> all;
  std::vector<double> p;
  for (auto& cell : c.cells)
    for (auto& m : cell.metrics)
      if (!m.context) {
        all.push_back(&m);
        p.push_back(m.p_value);
      }
  const std::vector<double> q = benjamini_hochberg(p);
  c.tests = all.size();
  const double t = c.options.threshold_pct / 100.0;
  for (size_t i = 0; i < all.size(); ++i) {
    MetricComparison& m = *all[i];
    m.q_value = q[i];
    if (std::abs(m.change) <= t)
      m.verdict = ChangeVerdict::unchanged;
    else if (m.q_value < c.options.alpha)
      m.verdict = m.change > 0 ? ChangeVerdict::regression : ChangeVerdict::improvement;
    else
      m.verdict = ChangeVerdict::not_significant;
  }
}

std::string run_label(const Report& r) {
  return r.started_at.empty() ? fmt::format("run {}", r.run_id)
                              : fmt::format("run {} · {}", r.run_id, r.started_at);
}

std::string format_value(const MetricComparison& m, double v) {
  if (m.relative_to_floor) return fmt::format("{:.3g}×", v);
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

std::string format_interval(const MetricComparison& m) {
  if (!m.has_interval) return "—";
  const auto pct = [](double v) {
    if (std::isinf(v)) return std::string(v > 0 ? "+∞" : "−∞");
    return fmt::format("{}{:.1f}", v < 0 ? "−" : "+", std::abs(v) * 100.0);
  };
  return fmt::format("[{}, {}] %", pct(m.ci_low), pct(m.ci_high));
}

std::string rule_of(const Comparison& c) {
  return fmt::format("beyond {:g} % at a false-discovery rate of {:g} over {} test{}",
                     c.options.threshold_pct, c.options.alpha, c.tests, c.tests == 1 ? "" : "s");
}

std::string verdict_line(const Comparison& c, bool markdown) {
  const size_t regressions = c.count(ChangeVerdict::regression);
  const size_t improvements = c.count(ChangeVerdict::improvement);
  const size_t unsure = c.count(ChangeVerdict::not_significant);
  std::string text;
  if (regressions > 0)
    text = fmt::format("{}{} significant regression{} {}",
                       markdown ? "❌ " : "REGRESSION: ", regressions, regressions == 1 ? "" : "s",
                       rule_of(c));
  else
    text = fmt::format("{}no significant regression {}", markdown ? "✅ " : "", rule_of(c));
  if (improvements > 0)
    text +=
        fmt::format("; {} significant improvement{}", improvements, improvements == 1 ? "" : "s");
  if (unsure > 0)
    text += fmt::format("; {} change{} beyond the threshold not significant", unsure,
                        unsure == 1 ? "" : "s");
  return text;
}

const char* kMethod =
    "latency: median of the repetitions (÷ floor: each window's latency divided by the machine's "
    "floor measured in it, a reference lookup on the reader's CPU; the floor row is context, not "
    "tested), 95 % interval of the change from a bootstrap that "
    "redraws repetitions and samples; anomaly rates: counts over all reads (pooled), exact "
    "binomial test, scaled by the repetitions' dispersion; q: Benjamini–Hochberg";

std::vector<std::string> row_of(const CellComparison& cell, const MetricComparison& m,
                                bool markdown) {
  return {cell.scenario,
          cell.reader,
          cell.mode,
          m.metric,
          format_value(m, m.base_value),
          format_value(m, m.new_value),
          format_change(m.change),
          format_interval(m),
          m.context ? "—" : format_p(m.q_value),
          m.context ? "context" : verdict_word(m.verdict, markdown)};
}

// What the reader should know about the floor: cells judged raw for want of
// one, and a machine that ran at another speed in NEW than in BASE.
void add_floor_notes(Comparison& c, const Report& base, const Report& next) {
  size_t raw = 0, moved = 0;
  const MetricComparison* example = nullptr;
  for (const auto& cell : c.cells) {
    if (!cell.judged_by_floor) ++raw;
    for (const auto& m : cell.metrics) {
      const double t = c.options.threshold_pct / 100.0;
      if (m.context && m.has_interval && (m.ci_low > t || m.ci_high < -t)) {
        ++moved;
        if (!example) example = &m;
      }
    }
  }
  const bool base_has = std::ranges::any_of(base.cells, has_floor);
  const bool next_has = std::ranges::any_of(next.cells, has_floor);
  // Two reports without any floor (both from a mapsla before floors) are
  // judged raw as they always were: the method line says so.
  if (c.options.relative_to_floor && raw > 0 && (base_has || next_has)) {
    c.notes.push_back(fmt::format(
        "{} cell{} judged on raw latency: {} no machine floor ({}), so the machine's own "
        "changes of speed are not separated from the reader's",
        raw, raw == 1 ? "" : "s",
        !base_has   ? "BASE has"
        : !next_has ? "NEW has"
                    : "some windows have",
        "a report from a mapsla before floors, or windows too short for a burst"));
  }
  if (moved > 0)
    c.notes.push_back(fmt::format(
        "the machine's floor moved in {} cell{} (e.g. {} {}): raw latencies moved with the "
        "machine; the ÷ floor rows judge the readers (--raw judges raw latency)",
        moved, moved == 1 ? "" : "s", format_change(example->change), format_interval(*example)));
}

}  // namespace

size_t Comparison::count(ChangeVerdict verdict) const {
  size_t n = 0;
  for (const auto& cell : cells)
    for (const auto& m : cell.metrics)
      n += m.verdict == verdict;
  return n;
}

double exact_rate_test(uint64_t k1, double n1, uint64_t k2, double n2) {
  const uint64_t k = k1 + k2;
  if (k == 0 || n1 <= 0 || n2 <= 0) return 1.0;
  const double p = n2 / (n1 + n2);
  const double kd = static_cast<double>(k);
  const auto log_pmf = [&](uint64_t j) {
    const double jd = static_cast<double>(j);
    return std::lgamma(kd + 1) - std::lgamma(jd + 1) - std::lgamma(kd - jd + 1) + jd * std::log(p) +
           (kd - jd) * std::log1p(-p);
  };
  // The tail on the far side of the mean, summed outward until its terms
  // stop mattering (they fall monotonically there).
  const bool upper = static_cast<double>(k2) >= kd * p;
  double tail = 0;
  for (uint64_t j = k2;; upper ? ++j : --j) {
    const double term = std::exp(log_pmf(j));
    tail += term;
    if (term < tail * 1e-17 || (upper && j == k) || (!upper && j == 0)) break;
  }
  return std::min(1.0, 2.0 * tail);
}

std::vector<double> benjamini_hochberg(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  for (size_t i = 0; i < m; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> q(m, 1.0);
  double running = 1.0;
  for (size_t r = m; r-- > 0;) {
    const size_t i = order[r];
    running = std::min(running, p_values[i] * static_cast<double>(m) / static_cast<double>(r + 1));
    q[i] = std::min(1.0, running);
  }
  return q;
}

Comparison compare_reports(const Report& base, const Report& next, const CompareOptions& options) {
  Comparison out;
  out.options = options;
  out.base_run = run_label(base);
  out.new_run = run_label(next);
  bool single = false;
  const std::vector<CellKey> base_keys = cell_keys(base.cells);
  const std::vector<CellKey> next_keys = cell_keys(next.cells);
  for (size_t i = 0; i < base.cells.size(); ++i) {
    const CellResult& b = base.cells[i];
    const std::string label = cell_label(b.scenario, b.reader, b.mode);
    const CellResult* n = find_cell(next.cells, next_keys, base_keys[i]);
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
      single = single || b.repetitions.size() == 1 || n->repetitions.size() == 1;
    }
  }
  for (size_t i = 0; i < next.cells.size(); ++i)
    if (!find_cell(base.cells, base_keys, next_keys[i]))
      out.not_compared.push_back(
          cell_label(next.cells[i].scenario, next.cells[i].reader, next.cells[i].mode) +
          ": only in NEW");
  decide(out);
  add_floor_notes(out, base, next);

  if (single)
    out.notes.push_back(
        "some cells have a single repetition: their intervals cover the finite samples of one "
        "window only, not the drift between windows, and are too narrow for a gate; run both "
        "with --repetitions 3 or more");
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
  out += fmt::format("threshold {:g} %, false-discovery rate {:g}; {}\n\n", c.options.threshold_pct,
                     c.options.alpha, kMethod);
  std::vector<std::vector<std::string>> rows = {{"scenario", "reader", "mode", "metric", "base",
                                                 "new", "change", "95 % interval", "q", "verdict"}};
  for (const auto& cell : c.cells)
    for (const auto& m : cell.metrics)
      rows.push_back(row_of(cell, m, false));
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], width_of(row[i]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(widths[i] - width_of(row[i]), ' ');
      const bool right = i >= 4 && i <= 8;
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
  out += fmt::format("Threshold {:g} %, false-discovery rate {:g}; {}.\n\n",
                     c.options.threshold_pct, c.options.alpha, kMethod);
  out +=
      "| scenario | reader | mode | metric | base | new | change | 95 % interval | q | verdict |\n";
  out += "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const auto& cell : c.cells)
    for (const auto& m : cell.metrics) {
      std::string line = "|";
      for (const auto& field : row_of(cell, m, true))
        line += " " + field + " |";
      out += line + "\n";
    }
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
