#include "reports/terminal_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace mapsla {
namespace {

using Row = std::vector<std::string>;

void print_table(std::ostream& out, const std::vector<Row>& rows) {
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
      const bool numeric = i >= 4;  // right-align figures
      const std::string pad(widths[i] - width, ' ');
      line += numeric ? pad + row[i] : row[i] + pad;
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << '\n';
  }
}

}  // namespace

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

std::vector<std::filesystem::path> TerminalReporter::write(const Report& report,
                                                           const std::filesystem::path&,
                                                           std::ostream& out) {
  const Environment& env = report.environment;
  out << fmt::format("\nmapsla {} · run {} · kernel {} · {} · {} cores · {} NUMA node{}\n\n",
                     env.mapsla_version, report.run_id, env.kernel, env.cpu_model, env.cores,
                     env.numa_nodes, env.numa_nodes == 1 ? "" : "s");
  std::vector<Row> rows = {{"scenario", "reader", "mode", "status", "reads", "op p50", "op p99",
                            "op p99.9", "op max", "per entry", "torn", "missing", "skipped", "dup",
                            "stale", "non-mono", "error"}};
  std::vector<std::string> notes;
  for (const auto& cell : report.cells) {
    Row row = {cell.scenario, cell.reader, cell.mode, to_string(cell.status)};
    if (cell.status == CellStatus::ok || cell.status == CellStatus::failed) {
      const RepetitionResult all = cell.pooled();
      const LatencySummary op = summarize(all.op_latency);
      const AnomalyCounts& a = all.anomalies;
      for (const std::string& field :
           {format_count(static_cast<double>(all.reads)), format_ns(static_cast<double>(op.p50)),
            format_ns(static_cast<double>(op.p99)), format_ns(static_cast<double>(op.p999)),
            format_ns(static_cast<double>(op.max)), format_ns(all.per_entry_ns()),
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
  return {};
}

}  // namespace mapsla
