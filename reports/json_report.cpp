#include "reports/json_report.h"

#include <fstream>
#include <system_error>

#include "reports/matrix.h"
#include "reports/phase_report.h"
#include "reports/placement.h"

namespace mapsla {
using nlohmann::json;

json to_json(const LatencySummary& s) {
  return {{"p50", s.p50}, {"p90", s.p90},   {"p99", s.p99},     {"p999", s.p999},
          {"max", s.max}, {"mean", s.mean}, {"count", s.count}, {"min", s.min}};
}

json to_json(const AnomalyCounts& a, uint64_t reads) {
  const double scale = reads ? 1e6 / static_cast<double>(reads) : 0.0;
  json errors = json::object();
  for (const auto& [name, n] : a.errors)
    errors[name] = n;
  const std::pair<const char*, uint64_t> classes[] = {
      {"torn", a.torn},           {"missing", a.missing}, {"skipped", a.skipped},
      {"duplicate", a.duplicate}, {"stale", a.stale},     {"non_monotonic", a.non_monotonic},
      {"error", a.error_total()}};
  json out = json::object();
  json per_million = json::object();
  for (const auto& [name, n] : classes) {
    out[name] = n;
    per_million[name] = static_cast<double>(n) * scale;
  }
  out["errors"] = errors;
  out["per_million"] = per_million;
  return out;
}

json to_json(const RepetitionResult& r, bool with_histogram) {
  json out = {
      {"wall_s", r.wall_s},
      {"passes", r.passes},
      {"reads", r.reads},
      {"ops", r.ops},
      {"read_time_ns", r.read_time_ns},
      {"op_latency_ns", to_json(summarize(r.op_latency))},
      {"pass_latency_ns", to_json(summarize(r.pass_latency))},
      {"per_entry_ns", r.per_entry_ns()},
      {"entries_per_s", r.entries_per_s()},
      {"writer_updates", r.writer_updates},
      {"absent", r.absent},
      {"foreign", r.foreign},
      {"early_ended_passes", r.early_ended_passes},
      {"unreached", r.unreached},
      {"attempts",
       {{"total", r.attempts},
        {"mean", r.reads ? static_cast<double>(r.attempts) / static_cast<double>(r.reads) : 0.0},
        {"max", r.max_attempts}}},
      {"anomalies", to_json(r.anomalies, r.reads)},
  };
  if (r.index >= 0) out["index"] = r.index;
  if (r.floor_bursts)
    out["floor"] = {{"bursts", r.floor_bursts},
                    {"median_sum_ns", r.floor_median_sum_ns},
                    {"mean_ns", r.floor_ns()}};
  if (r.pass_latency_corrected.count()) {
    out["open_loop"] = {{"pass_latency_corrected_ns", to_json(summarize(r.pass_latency_corrected))},
                        {"late_passes", r.late_passes}};
    if (with_histogram) {
      json buckets = json::array();
      for (const auto& [lower, n] : r.pass_latency_corrected.buckets())
        buckets.push_back({lower, n});
      out["open_loop"]["pass_latency_corrected_histogram"] = std::move(buckets);
    }
  }
  if (with_histogram) {
    json buckets = json::array();
    for (const auto& [lower, n] : r.op_latency.buckets())
      buckets.push_back({lower, n});
    out["op_latency_histogram"] = std::move(buckets);
    json pass_buckets = json::array();
    for (const auto& [lower, n] : r.pass_latency.buckets())
      pass_buckets.push_back({lower, n});
    out["pass_latency_histogram"] = std::move(pass_buckets);
  }
  return out;
}

json to_json(const CellResult& c) {
  json settings = json::object();
  for (const auto& [k, v] : c.settings)
    settings[k] = v;
  json reps = json::array();
  for (const auto& r : c.repetitions)
    reps.push_back(to_json(r, true));
  json out = {{"scenario", c.scenario},        {"reader", c.reader},  {"mode", c.mode},
              {"status", to_string(c.status)}, {"reason", c.reason},  {"settings", settings},
              {"repetitions", reps},           {"details", c.details}};
  json summary = to_json(c.pooled(), false);
  summary["repetitions"] = c.repetitions.size();
  const CellStatistics stats = cell_statistics(c);
  summary["samples"] = stats.samples;
  summary["samples_per_repetition_min"] = stats.min_samples_per_repetition;
  summary["across_repetitions"] = to_json(stats);
  summary["warnings"] = stats.warnings;
  out["summary"] = std::move(summary);
  out["condition"] = condition_of(c);
  if (!c.phases.empty()) {
    out["phases"] = phases_to_json(c);
    out["recovery"] = recovery_to_json(c);
  }
  return out;
}

json to_json(const FigureSpread& f) {
  return {{"values", f.values}, {"median", f.median},   {"min", f.min},
          {"max", f.max},       {"ci95_low", f.ci_low}, {"ci95_high", f.ci_high}};
}

json to_json(const CellStatistics& s) {
  const BootstrapOptions bootstrap;
  return {{"op_p50_ns", to_json(s.op_p50)},
          {"op_p99_ns", to_json(s.op_p99)},
          {"op_p999_ns", to_json(s.op_p999)},
          {"per_entry_ns", to_json(s.per_entry_ns)},
          {"ci",
           {{"method", "stratified percentile bootstrap over op-latency samples"},
            {"confidence", bootstrap.confidence},
            {"resamples", bootstrap.resamples},
            {"seed", bootstrap.seed}}}};
}

json to_json(const Environment& e) {
  json features = json::object();
  for (const auto& f : e.features)
    if (!is_placement_record(f)) {
      features[f.name] = {{"available", f.available}, {"detail", f.detail}};
      if (!f.error.empty()) features[f.name]["errno"] = f.error;
      if (!f.verifier.empty()) features[f.name]["verifier"] = f.verifier;
    }
  json out = {{"kernel", e.kernel},
              {"cpu_model", e.cpu_model},
              {"cores", e.cores},
              {"numa_nodes", e.numa_nodes},
              {"virtualization", e.virtualization},
              {"hostname", e.hostname},
              {"mapsla_version", e.mapsla_version},
              {"git_sha", e.git_sha},
              {"features", features}};
  if (const auto placement = placement_of(e)) out["placement"] = to_json(*placement);
  return out;
}

json to_json(const Report& r) {
  json scenarios = json::array();
  for (const auto& s : r.scenarios)
    scenarios.push_back({{"name", s.name}, {"file", s.file}, {"config", s.config}});
  json cells = json::array();
  for (const auto& c : r.cells)
    cells.push_back(to_json(c));
  json out = {{"schema", r.schema},
              {"run_id", r.run_id},
              {"started_at", r.started_at},
              {"finished_at", r.finished_at},
              {"command", r.command},
              {"environment", to_json(r.environment)},
              {"scenarios", scenarios},
              {"cells", cells},
              {"matrix", to_json(build_matrix(r.cells))}};
  if (!r.decision.is_null()) out["decision"] = r.decision;
  return out;
}

std::vector<std::filesystem::path> JsonReporter::write(const Report& report,
                                                       const std::filesystem::path& out_dir,
                                                       std::ostream&) {
  std::filesystem::create_directories(out_dir);
  const auto path = out_dir / "report.json";
  const auto tmp = out_dir / "report.json.tmp";
  {
    std::ofstream out(tmp);
    out << to_json(report).dump(2) << '\n';
    if (!out) throw std::system_error(errno, std::generic_category(), "write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);  // readers of the file never see half a report
  return {path};
}

}  // namespace mapsla
