#include "reports/matrix.h"

#include <cmath>

#include <algorithm>

#include <fmt/format.h>

#include "reports/statistics.h"

#include "reports/terminal_report.h"

namespace mapsla {

std::string condition_of(const CellResult& cell) {
  return cell.condition.empty() ? cell.scenario : cell.condition;
}

Matrix build_matrix(const std::vector<CellResult>& cells) {
  Matrix m;
  for (const CellResult& cell : cells) {
    const std::string condition = condition_of(cell);
    if (std::find(m.conditions.begin(), m.conditions.end(), condition) == m.conditions.end())
      m.conditions.push_back(condition);
    if (condition == m.baseline) m.has_baseline = true;
    auto row = std::find_if(m.rows.begin(), m.rows.end(), [&](const MatrixRow& r) {
      return r.reader == cell.reader && r.mode == cell.mode;
    });
    if (row == m.rows.end()) {
      m.rows.push_back({cell.reader, cell.mode, {}});
      row = std::prev(m.rows.end());
    }
    auto existing = row->conditions.find(condition);
    if (existing != row->conditions.end() && existing->second.status == CellStatus::ok) continue;
    MatrixEntry entry{cell.scenario, cell.status, cell.reason};
    if (!cell.repetitions.empty()) {
      // The figure every output uses: the median of the repetitions' P99s
      // (the SLA gate's rule), never a pooled P99.
      const RepetitionResult all = cell.pooled();
      entry.samples = all.op_latency.count();
      if (entry.samples)
        entry.p99_ns = static_cast<uint64_t>(std::llround(median(op_percentiles(cell, 99))));
    }
    row->conditions[condition] = std::move(entry);
  }
  for (MatrixRow& row : m.rows) {
    const auto base = row.conditions.find(m.baseline);
    if (base == row.conditions.end() || base->second.status != CellStatus::ok ||
        base->second.p99_ns == 0)
      continue;
    for (auto& [condition, entry] : row.conditions)
      if (entry.status == CellStatus::ok && entry.samples)
        entry.ratio = static_cast<double>(entry.p99_ns) / static_cast<double>(base->second.p99_ns);
  }
  return m;
}

nlohmann::json to_json(const Matrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (const MatrixRow& row : m.rows) {
    nlohmann::json cells = nlohmann::json::object();
    for (const auto& [condition, e] : row.conditions) {
      nlohmann::json cell = {{"scenario", e.scenario},
                             {"status", to_string(e.status)},
                             {"reason", e.reason},
                             {"op_p99_ns", e.samples ? nlohmann::json(e.p99_ns) : nullptr},
                             {"samples", e.samples},
                             {"ratio_to_baseline", e.ratio ? nlohmann::json(*e.ratio) : nullptr}};
      cells[condition] = std::move(cell);
    }
    rows.push_back({{"reader", row.reader}, {"mode", row.mode}, {"conditions", std::move(cells)}});
  }
  return {{"figure", "op_p99_ns"},
          {"baseline", m.has_baseline ? nlohmann::json(m.baseline) : nullptr},
          {"conditions", m.conditions},
          {"rows", std::move(rows)}};
}

std::string matrix_cell_text(const MatrixEntry* e) {
  if (!e) return "—";
  switch (e->status) {
    case CellStatus::not_applicable:
      return "n/a";
    case CellStatus::skipped:
      return "skipped";
    case CellStatus::failed:
      return "failed";
    case CellStatus::ok:
      break;
  }
  if (!e->samples) return "no samples";
  const std::string p99 = format_ns(static_cast<double>(e->p99_ns));
  return e->ratio ? fmt::format("{} (×{:.2f})", p99, *e->ratio) : p99;
}

void print_matrix(std::ostream& out, const Matrix& m) {
  if (m.conditions.size() < 2) return;
  out << fmt::format("op P99 by condition{}\n\n",
                     m.has_baseline ? " (×ratio to baseline)" : " (no `baseline` condition)");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"reader/mode"};
  for (const auto& c : m.conditions)
    header.push_back(c);
  rows.push_back(std::move(header));
  for (const MatrixRow& row : m.rows) {
    std::vector<std::string> line = {row.reader + "/" + row.mode};
    for (const auto& c : m.conditions) {
      const auto it = row.conditions.find(c);
      line.push_back(matrix_cell_text(it == row.conditions.end() ? nullptr : &it->second));
    }
    rows.push_back(std::move(line));
  }
  print_table(out, rows, 1);
}

}  // namespace mapsla
