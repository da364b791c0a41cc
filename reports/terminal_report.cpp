#include "reports/terminal_report.h"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "reports/matrix.h"
#include "reports/open_loop_table.h"
#include "reports/phase_report.h"
#include "reports/placement.h"
#include "reports/report_tables.h"
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

// A P99.9 is printed only where every repetition holds the samples it needs
// (reports/statistics.h); elsewhere it would be one of the last few samples.
bool p999_supported(const CellStatistics& stats) {
  return stats.min_samples_per_repetition >= kSamplesForP999;
}

// Repetitions without a timed op (a bpftool run still going when its window
// ended) are left out of the medians (with a warning); a cell with none left
// has no median to print.
bool medians_defined(const CellStatistics& stats) {
  return !stats.op_p99.values.empty();
}

constexpr const char* kNoP999 = "—";

std::string median_text(const CellStatistics& stats, const FigureSpread& f) {
  if (!medians_defined(stats) || (&f == &stats.op_p999 && !p999_supported(stats))) return kNoP999;
  return format_ns(f.median);
}

// Every figure of the main table that is a median, with its spread across
// repetitions and its bootstrap interval, then the sample-count warnings.
void print_spread(std::ostream& out,
                  const std::vector<std::pair<const CellResult*, CellStatistics>>& measured) {
  if (measured.empty()) return;
  out << "across repetitions: median, min–max, bootstrap 95 % CI (reports/statistics.h)\n";
  std::vector<Row> rows = {{"scenario", "reader", "mode", "figure", "median", "min–max", "95% CI"}};
  std::vector<std::string> warnings;
  bool hidden_p999 = false;
  for (const auto& [cell, stats] : measured) {
    const std::pair<const char*, const FigureSpread*> figures[] = {
        {"op p50", &stats.op_p50},
        {"op p99", &stats.op_p99},
        {"op p99.9", &stats.op_p999},
        {"per entry", &stats.per_entry_ns}};
    bool first = true;
    for (const auto& [name, f] : figures) {
      const bool shown = medians_defined(stats) && (f != &stats.op_p999 || p999_supported(stats));
      rows.push_back({first ? cell->scenario : "", first ? cell->reader : "",
                      first ? cell->mode : "", name, shown ? format_ns(f->median) : kNoP999,
                      shown ? format_range(f->min, f->max) : kNoP999,
                      shown ? format_range(f->ci_low, f->ci_high) : kNoP999});
      first = false;
    }
    for (const auto& w : stats.warnings) {
      // A P99.9 that is not printed needs no warning; the note below says why.
      if (w.rfind("op p99.9 ", 0) == 0) {
        hidden_p999 = true;
        continue;
      }
      warnings.push_back(
          fmt::format("{} / {} {}: {}", cell->scenario, cell->reader, cell->mode, w));
    }
  }
  print_table(out, rows, 4);
  if (!warnings.empty()) {
    out << "\nwarnings:\n";
    for (const auto& w : warnings)
      out << "  " << w << '\n';
    out << "  (one op of batched, iter, go-cilium batch and bpftool is a whole batch, 64 KiB\n"
           "   buffer, pass or process run: those cells hold far fewer ops per window;\n"
           "   docs/scenarios.md, \"Samples per cell\")\n";
  }
  if (hidden_p999)
    out << fmt::format(
        "\nop p99.9 is shown only where every repetition has at least {} samples "
        "(—: fewer)\n",
        kSamplesForP999);
  out << '\n';
}

// Seconds from started_at to finished_at ("2026-11-22T02:05:19Z"), when
// both parse.
std::optional<long> run_seconds(const Report& report) {
  const auto parse = [](const std::string& text) -> std::optional<std::time_t> {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    if (in.fail()) return std::nullopt;
    return timegm(&tm);
  };
  const auto start = parse(report.started_at), end = parse(report.finished_at);
  if (!start || !end || *end < *start) return std::nullopt;
  return static_cast<long>(*end - *start);
}

void print_open_loop(std::ostream& out, const Report& report) {
  const Table t = open_loop_table(report);
  if (t.rows.empty()) return;
  out << "open loop (run.interval): " << kOpenLoopExplanation << '\n';
  std::vector<Row> rows = {t.header};
  rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  print_table(out, rows, 2);
  out << '\n';
}

void print_fault_evidence(std::ostream& out, const Report& report) {
  const Table t = fault_table(report);
  if (t.rows.empty()) return;
  out << "fault evidence (summed over every window; details.faults in report.json)\n";
  std::vector<Row> rows = {t.header};
  rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  print_table(out, rows, 3);
  out << '\n';
}

// The ratio to baseline compares like with like only where a condition ran
// the baseline's map and writer; name the conditions that did not.
void print_matrix_setups(std::ostream& out, const Report& report) {
  const Matrix m = build_matrix(report.cells);
  if (m.conditions.size() < 2 || !m.has_baseline) return;
  const auto setup = [&](const std::string& condition) -> const nlohmann::json* {
    for (const auto& s : report.scenarios) {
      const std::string c = s.config.value("condition", "");
      if ((c.empty() ? s.name : c) == condition) return &s.config;
    }
    return nullptr;
  };
  const nlohmann::json* base = setup(m.baseline);
  if (!base || !base->contains("map") || !base->contains("writer")) return;
  const auto describe = [](const nlohmann::json& config) {
    return fmt::format("{} {} × {} B, {} {} writer", config["map"].value("kind", "?"),
                       format_count(config["map"].value("entries", 0.0)),
                       config["map"].value("value_size", 0), config["writer"].value("driver", "?"),
                       config["writer"].value("pattern", "?"));
  };
  std::vector<std::string> others;
  for (const auto& c : m.conditions) {
    const nlohmann::json* config = setup(c);
    if (config && config->contains("map") && config->contains("writer") &&
        ((*config)["map"] != (*base)["map"] || (*config)["writer"] != (*base)["writer"]))
      others.push_back(fmt::format("{} ({})", c, describe(*config)));
  }
  if (others.empty()) return;
  out << fmt::format(
      "\nbaseline: {}. These conditions ran another setup, so their ratio also holds "
      "the map's and writer's own cost:\n",
      describe(*base));
  for (const auto& o : others)
    out << "  " << o << '\n';
}

}  // namespace

std::vector<std::filesystem::path> TerminalReporter::write(const Report& report,
                                                           const std::filesystem::path&,
                                                           std::ostream& out) {
  const Environment& env = report.environment;
  const auto placement = placement_of(env);
  const std::string where =
      placement ? fmt::format("{} · ", describe_where(*placement)) : std::string();
  const std::string numa_kind =
      placement && placement->numa == "emulated" ? " (emulated)" : std::string();
  out << fmt::format("\nmapsla {} · run {} · {}kernel {} · {} · {} cores · {} NUMA node{}{}\n\n",
                     env.mapsla_version, report.run_id, where, env.kernel, env.cpu_model, env.cores,
                     env.numa_nodes, env.numa_nodes == 1 ? "" : "s", numa_kind);
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
      const CellStatistics& stats = measured.emplace_back(&cell, statistics_of(cell)).second;
      for (const std::string& field :
           {std::to_string(stats.repetitions), format_count(static_cast<double>(stats.samples)),
            format_count(static_cast<double>(all.reads)), median_text(stats, stats.op_p50),
            median_text(stats, stats.op_p99), median_text(stats, stats.op_p999),
            format_ns(static_cast<double>(op.max)), median_text(stats, stats.per_entry_ns),
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
  print_open_loop(out, report);
  print_phase_table(out, report.cells);
  print_fault_evidence(out, report);
  print_matrix(out, build_matrix(report.cells));
  print_matrix_setups(out, report);
  if (const auto took = run_seconds(report))
    out << fmt::format("\nrun took {} s ({} → {})\n", *took, report.started_at, report.finished_at);
  return {};
}

}  // namespace mapsla
