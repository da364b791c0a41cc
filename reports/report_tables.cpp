#include "reports/report_tables.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reports/anomaly_classes.h"
#include "reports/statistics.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

constexpr const char* kPhaseNames[] = {"before", "during", "after"};

std::string rate(uint64_t n, uint64_t reads) {
  if (n == 0) return "0";
  const double per_million = reads ? static_cast<double>(n) * 1e6 / static_cast<double>(reads) : 0;
  return fmt::format("{} ({:.3g}/M)", n, per_million);
}

std::string ns_text(double ns) {
  return format_ns(ns);
}

}  // namespace

std::string recovery_text(const CellResult& cell) {
  if (cell.recovery.empty()) return "—";
  uint64_t worst = 0;
  size_t not_recovered = 0;
  for (const Recovery& r : cell.recovery) {
    if (!r.recovered)
      ++not_recovered;
    else
      worst = std::max(worst, r.recovery_ns);
  }
  if (not_recovered == cell.recovery.size()) return "not within after";
  const std::string text = ns_text(static_cast<double>(worst));
  return not_recovered ? fmt::format("{} ({} not)", text, not_recovered) : text;
}

std::string reader_label(const CellResult& cell) {
  return cell.mode.empty() ? cell.reader : cell.reader + " " + cell.mode;
}

CellStatistics statistics_of(const CellResult& cell) {
  // What the statistics depend on, per repetition: enough that two different
  // cells at one address never share an entry.
  std::vector<uint64_t> fingerprint = {
      std::hash<std::string>{}(cell.scenario + '\0' + cell.reader + '\0' + cell.mode)};
  for (const RepetitionResult& r : cell.repetitions)
    for (uint64_t v :
         {r.op_latency.count(), r.op_latency.percentile(50), r.op_latency.percentile(99),
          r.op_latency.percentile(100), r.reads, r.ops, r.read_time_ns})
      fingerprint.push_back(v);
  static std::mutex mutex;
  static std::map<const CellResult*, std::pair<std::vector<uint64_t>, CellStatistics>> cache;
  {
    const std::lock_guard lock(mutex);
    const auto it = cache.find(&cell);
    if (it != cache.end() && it->second.first == fingerprint) return it->second.second;
  }
  CellStatistics stats = cell_statistics(cell);
  const std::lock_guard lock(mutex);
  if (cache.size() >= 65536) cache.clear();  // a long-lived process renders many reports
  cache[&cell] = {std::move(fingerprint), stats};
  return stats;
}

double cell_p99_ns(const CellResult& cell) {
  return median(op_percentiles(cell, 99));
}

std::vector<std::string> display_conditions(const Matrix& m) {
  std::vector<std::string> out = m.conditions;
  std::stable_partition(out.begin(), out.end(),
                        [&](const std::string& c) { return c == m.baseline; });
  return out;
}

const CellResult* shown_cell(const std::vector<CellResult>& cells, const MatrixRow& row,
                             const MatrixEntry& entry) {
  for (const auto& cell : cells)
    if (cell.scenario == entry.scenario && cell.reader == row.reader && cell.mode == row.mode)
      return &cell;
  return nullptr;
}

Table summary_table(const Matrix& m, const std::vector<CellResult>& cells) {
  Table t;
  t.header.push_back("reader");
  t.numeric.push_back(false);
  const std::vector<std::string> conditions = display_conditions(m);
  for (const auto& c : conditions) {
    t.header.push_back(c);
    t.numeric.push_back(true);
  }
  for (const MatrixRow& row : m.rows) {
    std::vector<std::string> line = {row.mode.empty() ? row.reader : row.reader + " " + row.mode};
    for (const auto& c : conditions) {
      const auto it = row.conditions.find(c);
      if (it == row.conditions.end()) {
        line.push_back("—");
        continue;
      }
      std::string text = matrix_cell_text(&it->second);
      const CellResult* cell = shown_cell(cells, row, it->second);
      if (cell && !cell->repetitions.empty()) {
        const uint64_t n = cell->pooled().anomalies.total();
        text += fmt::format(" · {} anomal{}", n, n == 1 ? "y" : "ies");
      }
      line.push_back(std::move(text));
    }
    t.rows.push_back(std::move(line));
  }
  return t;
}

Table cells_table(const Report& report) {
  // One rule with the terminal, the matrix, Prometheus and the SLA gate:
  // percentiles are medians across repetitions, P99.9 only where every
  // repetition has the samples for it, max the largest sample of any.
  Table t{{"scenario", "condition", "reader", "mode", "status", "reps", "reads", "op p50", "op p99",
           "op p99.9", "op max", "op p99 95 % CI", "per entry", "anomalies"},
          {false, false, false, false, false, true, true, true, true, true, true, true, true, true},
          {}};
  for (const auto& cell : report.cells) {
    std::vector<std::string> row = {cell.scenario, condition_of(cell), cell.reader, cell.mode,
                                    to_string(cell.status)};
    if (!cell.repetitions.empty()) {
      const RepetitionResult all = cell.pooled();
      const LatencySummary op = summarize(all.op_latency);
      const CellStatistics stats = statistics_of(cell);
      row.push_back(std::to_string(cell.repetitions.size()));
      row.push_back(format_count(static_cast<double>(all.reads)));
      const bool timed = all.op_latency.count() > 0 && !stats.op_p99.values.empty();
      const bool p999 = stats.min_samples_per_repetition >= kSamplesForP999;
      row.push_back(timed ? ns_text(stats.op_p50.median) : "no samples");
      row.push_back(timed ? ns_text(stats.op_p99.median) : "no samples");
      row.push_back(timed && p999 ? ns_text(stats.op_p999.median) : "—");
      row.push_back(timed ? ns_text(static_cast<double>(op.max)) : "no samples");
      row.push_back(
          timed ? fmt::format("{}–{}", ns_text(stats.op_p99.ci_low), ns_text(stats.op_p99.ci_high))
                : "no samples");
      row.push_back(all.reads ? ns_text(all.per_entry_ns()) : "–");
      row.push_back(rate(all.anomalies.total(), all.reads));
    } else {
      row.resize(t.header.size(), "–");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table anomaly_table(const Report& report) {
  Table t{{"scenario", "reader", "reads"}, {false, false, true}, {}};
  for (const char* name : kAnomalyClasses) {
    t.header.push_back(name);
    t.numeric.push_back(true);
  }
  for (const auto& cell : report.cells) {
    if (cell.repetitions.empty()) continue;
    const RepetitionResult all = cell.pooled();
    std::vector<std::string> row = {cell.scenario, reader_label(cell),
                                    format_count(static_cast<double>(all.reads))};
    for (uint64_t n : anomaly_class_counts(all.anomalies))
      row.push_back(rate(n, all.reads));
    if (!all.anomalies.errors.empty()) {
      std::string names;
      for (const auto& [name, n] : all.anomalies.errors)
        names += fmt::format("{}{} {}", names.empty() ? "" : ", ", name, n);
      row.back() += " [" + names + "]";
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table phase_table(const Report& report) {
  Table t{{"scenario", "reader", "op p99 before", "during", "after", "during ÷ before", "recovery"},
          {false, false, true, true, true, true, true},
          {}};
  for (const auto& cell : report.cells) {
    if (cell.phases.empty() || cell.status == CellStatus::skipped ||
        cell.status == CellStatus::not_applicable)
      continue;
    std::vector<std::string> row = {cell.scenario, reader_label(cell)};
    uint64_t p99[3] = {};
    for (int i = 0; i < 3; ++i) {
      const auto it = cell.phases.find(kPhaseNames[i]);
      if (it != cell.phases.end()) {
        RepetitionResult all;
        for (const auto& r : it->second)
          all.merge(r);
        p99[i] = all.op_latency.percentile(99);
      }
      row.push_back(p99[i] ? ns_text(static_cast<double>(p99[i])) : "—");
    }
    row.push_back(
        p99[0] ? fmt::format("{:.2f}×", static_cast<double>(p99[1]) / static_cast<double>(p99[0]))
               : "—");
    row.push_back(recovery_text(cell));
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

using nlohmann::json;

std::string percent_text(double ratio) {
  return fmt::format("{:.2f} %", ratio * 100);
}

std::string value_text(double v, EvidenceFigure::Format format) {
  switch (format) {
    case EvidenceFigure::Format::count:
      return format_count(v);
    case EvidenceFigure::Format::number:
      return fmt::format("{:.0f}", v);
    case EvidenceFigure::Format::percent:
      return percent_text(v);
  }
  return "?";
}

// One figure pooled over windows (and cells): how it combines is its own.
struct PooledFigure {
  EvidenceFigure first;  // name, combine, format, unit, text of its first window
  size_t seen = 0, trues = 0;
  double sum = 0, total = 0, last = 0;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  std::map<std::string, double> by_text;  // tally: windows; sum_by_text: sums

  void add(const EvidenceFigure& f) {
    if (!seen++) first = f;
    sum += f.value;
    total += f.total;
    last = f.value;
    lo = std::min(lo, f.value);
    hi = std::max(hi, f.value);
    trues += f.value != 0;
    if (first.combine == EvidenceFigure::Combine::tally) by_text[f.text] += 1;
    if (first.combine == EvidenceFigure::Combine::sum_by_text && !f.text.empty())
      by_text[f.text] += f.value;
  }

  std::string text() const {
    using C = EvidenceFigure::Combine;
    const std::string& name = first.name;
    const std::string unit = first.unit.empty() ? "" : " " + first.unit;
    auto v = [&](double x) { return value_text(x, first.format); };
    switch (first.combine) {
      case C::sum:
        return fmt::format("{} {}", v(sum), name);
      case C::share:
        return fmt::format("{} {} of {}{} = {}", name, v(sum), v(total), unit,
                           total > 0 ? percent_text(sum / total) : "–");
      case C::range:
        return fmt::format("{} {}–{}{}", name, v(lo), v(hi), unit);
      case C::max:
        return fmt::format("{} ≤ {}{}", name, v(hi), unit);
      case C::last:
        return fmt::format("{} {}{}", name, v(last), unit);
      case C::count_true:
        return fmt::format("{} {}/{}", name, trues, seen);
      case C::all_true:
        return trues == seen ? name : first.text;
      case C::tally: {
        std::string out;
        for (const auto& [what, count] : by_text)
          out += fmt::format("{}{} {:.0f}×", out.empty() ? "" : ", ", what, count);
        return fmt::format("{} {}", name, out);
      }
      case C::sum_by_text: {
        std::string out;
        for (const auto& [what, count] : by_text)
          if (count != 0) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", what, v(count));
        return fmt::format("{}: {}", name, out.empty() ? "none" : out);
      }
    }
    return name;
  }
};

// Figures pooled by name, in the order they first appear.
class Pool {
 public:
  void add(const EvidenceSummary& s) {
    if (headline_.empty()) headline_ = s.headline;
    for (const EvidenceFigure& f : s.figures) {
      auto it = std::find_if(figures_.begin(), figures_.end(),
                             [&](const PooledFigure& p) { return p.first.name == f.name; });
      if (it == figures_.end()) it = figures_.insert(figures_.end(), PooledFigure{});
      it->add(f);
    }
  }
  const std::string& headline() const { return headline_; }
  std::vector<std::string> figures() const {
    std::vector<std::string> out;
    for (const PooledFigure& f : figures_)
      out.push_back(f.text());
    return out;
  }

 private:
  std::string headline_;
  std::vector<PooledFigure> figures_;
};

// The summary stored at `j` (under `summary`), or nothing when there is none
// or it is not one.
std::optional<EvidenceSummary> summary_in(const json& j) {
  if (!j.is_object() || !j.contains("summary")) return std::nullopt;
  try {
    return evidence_summary_from_json(j["summary"]);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

// What the n-th fault of a scenario achieved, from the summaries of its
// windows (window scope) or of its run (run scope) in every cell, then the
// writer's, pooled; nullopt when no cell has either.
std::optional<std::string> fault_text(const std::vector<const CellResult*>& cells, size_t n) {
  Pool fault, writer;
  size_t windows = 0, summaries = 0;
  bool run_scope = false, run_fault = false, run_evidence = false;
  for (const CellResult* cell : cells) {
    if (const auto w = cell->details.find("writer"); w != cell->details.end())
      if (const auto s = summary_in(*w)) writer.add(*s);
    const auto faults = cell->details.find("faults");
    if (faults == cell->details.end() || !faults->is_array() || n >= faults->size()) continue;
    const json& f = (*faults)[n];
    if (const auto ws = f.find("windows"); ws != f.end() && ws->is_array()) {
      for (const json& w : *ws) {
        ++windows;
        if (const auto s = summary_in(w)) {
          fault.add(*s);
          ++summaries;
        }
      }
    } else {
      run_fault = true;
      run_evidence = run_evidence || f.contains("active");
      if (const auto s = summary_in(f); s && !run_scope) {
        fault.add(*s);  // shared by every cell of the scenario: once
        ++summaries;
        run_scope = true;
      }
    }
  }
  if (!summaries) {
    if (windows || run_evidence) return std::nullopt;  // evidence, but no summary of it
    return std::string(run_fault ? "no evidence recorded" : "no window ran");
  }
  // headline · N windows · the fault's figures · the writer's.
  std::vector<std::string> parts;
  if (!fault.headline().empty()) parts.push_back(fault.headline());
  if (!run_scope) parts.push_back(fmt::format("{} windows", summaries));
  for (std::string& part : fault.figures())
    parts.push_back(std::move(part));
  for (std::string& part : writer.figures())
    parts.push_back(std::move(part));
  return fmt::format("{}", fmt::join(parts, " · "));
}

}  // namespace

Table fault_table(const Report& report) {
  Table t{{"scenario", "fault", "evidence"}, {false, false, false}, {}};
  for (const ScenarioRecord& scenario : report.scenarios) {
    std::vector<const CellResult*> cells;
    for (const auto& cell : report.cells)
      if (cell.scenario == scenario.name) cells.push_back(&cell);
    const json faults = scenario.config.contains("faults") ? scenario.config["faults"] : json();
    if (!faults.is_array() || faults.empty() || cells.empty()) continue;
    // A fault that could not apply skips every cell; say why instead.
    const CellResult* measured = nullptr;
    for (const CellResult* cell : cells)
      if (!cell->repetitions.empty()) measured = cell;
    for (size_t n = 0; n < faults.size(); ++n) {
      const std::string kind = faults[n].value("kind", "?");
      std::string text;
      if (!measured) {
        const auto skipped = std::find_if(cells.begin(), cells.end(), [](const CellResult* c) {
          return c->status == CellStatus::skipped || c->status == CellStatus::failed;
        });
        text = skipped == cells.end()
                   ? "no cell ran"
                   : fmt::format("{}: {}", to_string((*skipped)->status), (*skipped)->reason);
      } else {
        text = fault_text(cells, n).value_or("see details.faults in report.json");
      }
      t.rows.push_back({scenario.name, kind, std::move(text)});
    }
  }
  return t;
}

Table environment_table(const Report& report) {
  const Environment& e = report.environment;
  std::string command;
  for (const auto& arg : report.command)
    command += (command.empty() ? "" : " ") + arg;
  Table t{{"", ""}, {false, false}, {}};
  t.rows = {{"run", report.run_id},
            {"started", report.started_at},
            {"finished", report.finished_at},
            {"command", command},
            {"kernel", e.kernel},
            {"CPU", e.cpu_model},
            {"cores", std::to_string(e.cores)},
            {"NUMA nodes", std::to_string(e.numa_nodes)},
            {"virtualization", e.virtualization},
            {"host", e.hostname},
            {"mapsla", e.mapsla_version + (e.git_sha.empty() ? "" : " (" + e.git_sha + ")")}};
  return t;
}

Table feature_table(const Environment& environment) {
  Table t{{"feature", "available", "detail"}, {false, false, false}, {}};
  for (const auto& f : environment.features)
    t.rows.push_back({f.name, f.available ? "yes" : "no", f.detail});
  return t;
}

std::vector<std::string> cell_reasons(const Report& report) {
  std::vector<std::string> out;
  for (const auto& cell : report.cells) {
    if (cell.status == CellStatus::ok && cell.reason.empty()) continue;
    out.push_back(fmt::format("{} / {} — {}: {}", cell.scenario, reader_label(cell),
                              to_string(cell.status),
                              cell.reason.empty() ? "(no reason recorded)" : cell.reason));
  }
  return out;
}

std::vector<std::string> measurement_warnings(const Report& report) {
  std::vector<std::string> out;
  for (const auto& cell : report.cells) {
    if (cell.repetitions.empty()) continue;
    // The warnings depend on sample counts only: one bootstrap resample is
    // enough, and saves the thousand the interval needs (seconds per report).
    BootstrapOptions counts_only;
    counts_only.resamples = 1;
    for (const auto& warning : cell_statistics(cell, counts_only).warnings)
      out.push_back(fmt::format("{} / {}: {}", cell.scenario, reader_label(cell), warning));
  }
  return out;
}

}  // namespace mapsla
