#include "reports/terminal_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "reports/matrix.h"
#include "reports/phase_report.h"
#include "reports/statistics.h"

namespace mapsla {

using Row = std::vector<std::string>;

void print_table(std::ostream& out, const std::vector<Row>& rows, size_t numeric_from) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      // Column width in code points: µ is two bytes but one column.
      size_t width = 0;
      for (unsigned char ch : row[i])
        width += (ch & 0xC0) != 0x80;
      widths[i] = std::max(widths[i], width);
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      size_t width = 0;
      for (unsigned char ch : row[i])
        width += (ch & 0xC0) != 0x80;
      const bool numeric = i >= numeric_from;  // right-align figures
      const std::string pad(widths[i] - width, ' ');
      line += numeric ? pad + row[i] : row[i] + pad;
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << '\n';
  }
}

std::string format_ns(double ns) {
  if (ns < 1e3) return fmt::format("{:.0f}ns", ns);
  if (ns < 1e6) return fmt::format("{:.2f}µs", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f}ms", ns / 1e6);
  return fmt::format("{:.2f}s", ns / 1e9);
}

std::string format_count(double n) {
  if (n < 1e3) return fmt::format("{:.0f}", n);
  if (n < 1e6) return fmt::format("{:.1f}k", n / 1e3);
  if (n < 1e9) return fmt::format("{:.2f}M", n / 1e6);
  return fmt::format("{:.2f}G", n / 1e9);
}

namespace {

std::string format_range(double lo, double hi) {
  return fmt::format("{}–{}", format_ns(lo), format_ns(hi));
}

// Every figure of the main table that is a median, with its spread across
// repetitions and its bootstrap interval, then the sample-count warnings.
void print_spread(std::ostream& out,
                  const std::vector<std::pair<const CellResult*, CellStatistics>>& measured) {
  if (measured.empty()) return;
  out << "across repetitions: median, min–max, bootstrap 95 % CI (reports/statistics.h)\n";
  std::vector<Row> rows = {{"scenario", "reader", "mode", "figure", "median", "min–max", "95% CI"}};
  std::vector<std::string> warnings;
  for (const auto& [cell, stats] : measured) {
    const std::pair<const char*, const FigureSpread*> figures[] = {{"op p50", &stats.op_p50},
                                                                   {"op p99", &stats.op_p99},
                                                                   {"op p99.9", &stats.op_p999},
                                                                   {"per entry", &stats.per_entry_ns}};
    bool first = true;
    for (const auto& [name, f] : figures) {
      rows.push_back({first ? cell->scenario : "", first ? cell->reader : "",
                      first ? cell->mode : "", name, format_ns(f->median),
                      format_range(f->min, f->max), format_range(f->ci_low, f->ci_high)});
      first = false;
    }
    for (const auto& w : stats.warnings)
      warnings.push_back(fmt::format("{} / {} {}: {}", cell->scenario, cell->reader, cell->mode, w));
  }
  print_table(out, rows, 4);
  if (!warnings.empty()) {
    out << "\nwarnings:\n";
    for (const auto& w : warnings)
      out << "  " << w << '\n';
  }
  out << '\n';
}

}  // namespace

std::vector<std::filesystem::path> TerminalReporter::write(const Report& report,
                                                           const std::filesystem::path&,
                                                           std::ostream& out) {
  const Environment& env = report.environment;
  out << fmt::format("\nmapsla {} · run {} · kernel {} · {} · {} cores · {} NUMA node{}\n\n",
                     env.mapsla_version, report.run_id, env.kernel, env.cpu_model, env.cores,
                     env.numa_nodes, env.numa_nodes == 1 ? "" : "s");
  std::vector<Row> rows = {{"scenario", "reader", "mode", "status", "reps", "samples", "reads",
                            "op p50", "op p99", "op p99.9", "op max", "per entry", "torn",
                            "missing", "skipped", "dup", "stale", "non-mono", "error"}};
  std::vector<std::string> notes;
  std::vector<std::pair<const CellResult*, CellStatistics>> measured;
  for (const auto& cell : report.cells) {
    Row row = {cell.scenario, cell.reader, cell.mode, to_string(cell.status)};
    if (cell.status == CellStatus::ok || cell.status == CellStatus::failed) {
      const RepetitionResult all = cell.pooled();
      const LatencySummary op = summarize(all.op_latency);
      const AnomalyCounts& a = all.anomalies;
      // Latency figures are medians across repetitions (the SLA gate's rule).
      const CellStatistics& stats = measured.emplace_back(&cell, cell_statistics(cell)).second;
      for (const std::string& field :
           {std::to_string(stats.repetitions), format_count(static_cast<double>(stats.samples)),
            format_count(static_cast<double>(all.reads)), format_ns(stats.op_p50.median),
            format_ns(stats.op_p99.median), format_ns(stats.op_p999.median),
            format_ns(static_cast<double>(op.max)), format_ns(stats.per_entry_ns.median),
            std::to_string(a.torn), std::to_string(a.missing), std::to_string(a.skipped),
            std::to_string(a.duplicate), std::to_string(a.stale), std::to_string(a.non_monotonic),
            std::to_string(a.error_total())})
        row.push_back(field);
    }
    if (!cell.reason.empty())
      notes.push_back(
          fmt::format("{} / {} {}: {}", cell.scenario, cell.reader, cell.mode, cell.reason));
    rows.push_back(std::move(row));
  }
  print_table(out, rows);
  if (!notes.empty()) {
    out << '\n';
    for (const auto& note : notes)
      out << "  " << note << '\n';
  }
  out << '\n';
  print_spread(out, measured);
  print_phase_table(out, report.cells);
  print_matrix(out, build_matrix(report.cells));
  return {};
}

}  // namespace mapsla
