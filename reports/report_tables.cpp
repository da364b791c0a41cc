#include "reports/report_tables.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>

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

// Windows of the n-th fault of a cell (window scope), or none (run scope).
const json* fault_windows(const CellResult& cell, size_t n) {
  const auto& faults = cell.details.find("faults");
  if (faults == cell.details.end() || !faults->is_array() || n >= faults->size()) return nullptr;
  const auto windows = (*faults)[n].find("windows");
  return windows == (*faults)[n].end() || !windows->is_array() ? nullptr : &*windows;
}

double number_at(const json& j, const json::json_pointer& at) {
  return j.contains(at) && j[at].is_number() ? j[at].get<double>() : 0.0;
}

std::string percent_text(double ratio) {
  return fmt::format("{:.2f} %", ratio * 100);
}

std::string packet_loss_text(const std::vector<const CellResult*>& cells, size_t n) {
  uint64_t windows = 0, within = 0, removed = 0, packets = 0, dropped = 0;
  double requested = 0, tolerance_max = 0;
  std::string impl, impl_reason;
  bool reconciled = true, reconcile_known = false;
  for (const CellResult* cell : cells) {
    if (const json* ws = fault_windows(*cell, n))
      for (const json& w : *ws) {
        if (!w.contains("gone")) continue;
        const json& gone = w["gone"];
        ++windows;
        if (impl.empty()) {
          impl = gone.value("impl", "?");
          impl_reason = gone.value("impl_reason", "");
        }
        const json& ratio =
            gone.contains("ratio_while_active") ? gone["ratio_while_active"] : json();
        if (ratio.is_object()) {
          packets += ratio.value("n", uint64_t{0});
          dropped += ratio.value("dropped", uint64_t{0});
          requested = ratio.value("requested", 0.0);
          tolerance_max = std::max(tolerance_max, ratio.value("tolerance", 0.0));
          within += ratio.value("within_tolerance", false);
        }
        removed += gone.value("gone", false);
      }
    const auto writer = cell->details.find("writer");
    if (writer != cell->details.end() && writer->contains("reconciled")) {
      reconcile_known = true;
      reconciled = reconciled && (*writer)["reconciled"].get<bool>();
    }
  }
  if (!windows) return "no window ran";
  std::string text = fmt::format(
      "{}{} · {} windows · dropped {} of {} packets = {} (requested {}, "
      "tolerance ≤ ±{}) · {}/{} windows within tolerance · injector "
      "removed {}/{}",
      impl, impl_reason.empty() ? "" : " (" + impl_reason + ")", windows,
      format_count(static_cast<double>(dropped)), format_count(static_cast<double>(packets)),
      packets ? percent_text(static_cast<double>(dropped) / static_cast<double>(packets)) : "–",
      percent_text(requested), percent_text(tolerance_max), within, windows, removed, windows);
  if (reconcile_known)
    text += reconciled ? " · flows reconciled (sent − dropped = counted)"
                       : " · flows NOT reconciled (details.writer.reconcile)";
  return text;
}

std::string cpu_stress_text(const std::vector<const CellResult*>& cells, size_t n) {
  uint64_t windows = 0, left = 0;
  double load_min = 1e9, load_max = 0, bogo = 0;
  std::string method, cpus;
  std::map<std::string, uint64_t> stopped_by;
  for (const CellResult* cell : cells) {
    const json* ws = fault_windows(*cell, n);
    if (!ws) continue;
    for (const json& w : *ws) {
      if (!w.contains("active")) continue;
      ++windows;
      const json& active = w["active"];
      const double load = active.value("load_observed_percent", 0.0);
      load_min = std::min(load_min, load);
      load_max = std::max(load_max, load);
      if (cpus.empty() && active.contains("cpus")) cpus = active["cpus"].dump();
      if (w.contains("gone")) {
        const json& gone = w["gone"];
        ++stopped_by[gone.value("stopped_by", "?")];
        left += gone.value("processes_left", uint64_t{0});
        if (gone.contains("metrics") && gone["metrics"].is_array())
          for (const json& m : gone["metrics"]) {
            if (method.empty()) method = m.value("stressor", "");
            bogo += m.value("bogo_ops", 0.0);
          }
      }
    }
  }
  if (!windows) return "no window ran";
  std::string stops;
  for (const auto& [how, count] : stopped_by)
    stops += fmt::format("{}{} {}×", stops.empty() ? "" : ", ", how, count);
  return fmt::format(
      "stress-ng {} on CPUs {} · {} windows · load observed {:.0f}–{:.0f} % · {} bogo-ops · "
      "stopped by {} · {} processes left",
      method.empty() ? "?" : method, cpus, windows, load_min, load_max, format_count(bogo), stops,
      left);
}

std::string map_pressure_text(const std::vector<const CellResult*>& cells, size_t n) {
  uint64_t windows = 0;
  double inserts = 0, evictions = 0;
  std::string source;
  std::map<std::string, double> failures;
  for (const CellResult* cell : cells) {
    const json* ws = fault_windows(*cell, n);
    if (!ws) continue;
    for (const json& w : *ws) {
      if (!w.contains("gone")) continue;
      ++windows;
      // The fault's counters over the whole window, taken when it stopped.
      const json& gone = w["gone"];
      const json& c = gone.contains("counters_at_stop") ? gone["counters_at_stop"] : gone;
      inserts += number_at(c, "/inserts"_json_pointer);
      evictions += number_at(c, "/evictions"_json_pointer);
      if (source.empty() && c.contains("evictions_source"))
        source = c.contains("evictions_kernel") && !c["evictions_kernel"].is_null()
                     ? "kernel count"
                     : "observed, a lower bound";
      if (c.contains("failures") && c["failures"].is_object())
        for (const auto& [name, count] : c["failures"].items())
          if (count.is_number()) failures[name] += count.get<double>();
    }
  }
  if (!windows) return "no window ran";
  std::string failed;
  for (const auto& [name, count] : failures)
    failed += fmt::format("{}{} {}", failed.empty() ? "" : ", ", name, format_count(count));
  return fmt::format("{} windows · {} inserts · failures: {} · {} evictions{}", windows,
                     format_count(inserts), failed.empty() ? "none" : failed,
                     format_count(evictions), source.empty() ? "" : " (" + source + ")");
}

std::string cross_numa_text(const std::vector<const CellResult*>& cells, size_t n) {
  for (const CellResult* cell : cells) {
    const auto& faults = cell->details.find("faults");
    if (faults == cell->details.end() || n >= faults->size() || !(*faults)[n].contains("active"))
      continue;
    const json& a = (*faults)[n]["active"];
    return fmt::format(
        "readers on node {}, map on node {} (BPF_F_NUMA_NODE kept: {}) · distance "
        "{} · topology {}",
        a.value("reader_node", -1), a.value("map_node_requested", -1),
        a.value("map_flags_numa_node", false) ? "yes" : "no",
        a.contains("distance") ? a["distance"].dump() : "?",
        a.contains("topology") ? a["topology"].dump() : "?");
  }
  return "no evidence recorded";
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
      } else if (kind == "packet_loss") {
        text = packet_loss_text(cells, n);
      } else if (kind == "cpu_stress") {
        text = cpu_stress_text(cells, n);
      } else if (kind == "map_pressure") {
        text = map_pressure_text(cells, n);
      } else if (kind == "cross_numa") {
        text = cross_numa_text(cells, n);
      } else {
        text = "see details.faults in report.json";
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
