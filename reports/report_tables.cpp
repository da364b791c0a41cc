#include "reports/report_tables.h"

#include <algorithm>

#include <fmt/format.h>

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

// Worst recovery over the repetitions, as the terminal's phase table says it.
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

}  // namespace

std::string reader_label(const CellResult& cell) {
  return cell.mode.empty() ? cell.reader : cell.reader + " " + cell.mode;
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
  Table t{{"scenario", "condition", "reader", "mode", "status", "reps", "reads", "op p50", "op p99",
           "op p99.9", "op max", "p99 median of reps [95 % CI]", "per entry", "anomalies"},
          {false, false, false, false, false, true, true, true, true, true, true, true, true, true},
          {}};
  for (const auto& cell : report.cells) {
    std::vector<std::string> row = {cell.scenario, condition_of(cell), cell.reader, cell.mode,
                                    to_string(cell.status)};
    if (!cell.repetitions.empty()) {
      const RepetitionResult all = cell.pooled();
      const LatencySummary op = summarize(all.op_latency);
      const CellStatistics stats = cell_statistics(cell);
      row.push_back(std::to_string(cell.repetitions.size()));
      row.push_back(format_count(static_cast<double>(all.reads)));
      const bool timed = all.op_latency.count() > 0;
      for (uint64_t v : {op.p50, op.p99, op.p999, op.max})
        row.push_back(timed ? ns_text(static_cast<double>(v)) : "no samples");
      row.push_back(timed ? fmt::format("{} [{}–{}]", ns_text(stats.op_p99.median),
                                        ns_text(stats.op_p99.ci_low), ns_text(stats.op_p99.ci_high))
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
    for (const auto& warning : cell_statistics(cell).warnings)
      out.push_back(fmt::format("{} / {}: {}", cell.scenario, reader_label(cell), warning));
  }
  return out;
}

}  // namespace mapsla
