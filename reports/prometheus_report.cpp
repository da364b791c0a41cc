#include "reports/prometheus_report.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <ctime>
#include <sstream>
#include <stdexcept>

#include "reports/anomaly_classes.h"
#include "reports/atomic_file.h"
#include "reports/latency_buckets.h"
#include "reports/report_tables.h"

namespace mapsla {
namespace {

prometheus::Histogram::BucketBoundaries bounds_in_seconds() {
  prometheus::Histogram::BucketBoundaries out;
  for (uint64_t ns : kLatencyBoundsNs)
    out.push_back(static_cast<double>(ns) / 1e9);
  return out;
}

// Each fine bucket goes to the coarse bucket holding its highest value, so
// a coarse count never includes a latency above its bound.
std::vector<double> coarse_counts(const LatencyHistogram& h) {
  std::vector<double> counts(kLatencyBucketCount, 0.0);
  for (const auto& [lower, n] : h.buckets()) {
    const uint64_t highest =
        lower + LatencyHistogram::width_of(LatencyHistogram::index_of(lower)) - 1;
    counts[latency_bucket_of(highest)] += static_cast<double>(n);
  }
  return counts;
}

// "2026-11-22T01:50:18Z" as Unix time; 0 when it does not parse.
double unix_time(const std::string& utc) {
  std::tm tm{};
  const char* end = strptime(utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) return 0;
  return static_cast<double>(timegm(&tm));
}

}  // namespace

std::shared_ptr<prometheus::Registry> final_metrics(const Report& report) {
  using prometheus::Labels;
  auto registry = std::make_shared<prometheus::Registry>();
  auto& reads = prometheus::BuildCounter()
                    .Name("mapsla_reads_total")
                    .Help("Entries read and judged by the oracle")
                    .Register(*registry);
  auto& passes = prometheus::BuildCounter()
                     .Name("mapsla_passes_total")
                     .Help("Full passes over the key set")
                     .Register(*registry);
  auto& anomalies = prometheus::BuildCounter()
                        .Name("mapsla_anomalies_total")
                        .Help(
                            "Anomalous reads by class (torn, missing, skipped, duplicate, "
                            "stale, non_monotonic, error)")
                        .Register(*registry);
  auto& latency = prometheus::BuildHistogram()
                      .Name("mapsla_op_latency_seconds")
                      .Help("Latency of each timed read operation")
                      .Register(*registry);
  auto& p99 = prometheus::BuildGauge()
                  .Name("mapsla_op_latency_p99_seconds")
                  .Help("Op-latency P99: median across repetitions of each repetition's P99")
                  .Register(*registry);
  auto& per_entry = prometheus::BuildGauge()
                        .Name("mapsla_per_entry_seconds")
                        .Help("Time inside timed operations per entry read")
                        .Register(*registry);
  auto& updates = prometheus::BuildCounter()
                      .Name("mapsla_writer_updates_total")
                      .Help("Updates the writers committed during the cell's windows")
                      .Register(*registry);
  auto& failed = prometheus::BuildGauge()
                     .Name("mapsla_cell_failed")
                     .Help("1 when the cell failed (error or interrupted), else 0")
                     .Register(*registry);
  prometheus::BuildGauge()
      .Name("mapsla_last_run_timestamp_seconds")
      .Help("When the run finished, in Unix time")
      .Register(*registry)
      .Add({})
      .Set(unix_time(report.finished_at));

  for (const auto& cell : report.cells) {
    const Labels labels = {
        {"scenario", cell.scenario}, {"reader", cell.reader}, {"mode", cell.mode}};
    failed.Add(labels).Set(cell.status == CellStatus::failed ? 1 : 0);
    if (cell.repetitions.empty()) continue;
    const RepetitionResult all = cell.pooled();
    reads.Add(labels).Increment(static_cast<double>(all.reads));
    passes.Add(labels).Increment(static_cast<double>(all.passes));
    updates.Add(labels).Increment(static_cast<double>(all.writer_updates));
    const auto counts = anomaly_class_counts(all.anomalies);
    for (size_t i = 0; i < kAnomalyClassCount; ++i) {
      Labels with_class = labels;
      with_class["class"] = kAnomalyClasses[i];
      anomalies.Add(with_class).Increment(static_cast<double>(counts[i]));
    }
    latency.Add(labels, bounds_in_seconds())
        .ObserveMultiple(coarse_counts(all.op_latency), all.op_latency.sum() / 1e9);
    p99.Add(labels).Set(cell_p99_ns(cell) / 1e9);
    per_entry.Add(labels).Set(all.per_entry_ns() / 1e9);
  }
  return registry;
}

std::string render_textfile(const Report& report) {
  // prometheus-cpp keeps a family's series in a hash map; sorted by labels,
  // the file reads well and is the same for the same report.
  std::vector<prometheus::MetricFamily> families = final_metrics(report)->Collect();
  for (auto& family : families)
    std::stable_sort(family.metric.begin(), family.metric.end(),
                     [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                       return a.label < b.label;
                     });
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

void write_textfile(const Report& report, const std::filesystem::path& path) {
  write_file_atomically(path, render_textfile(report));
}

std::string render_pushed_metrics(const Report& report, int exit_code) {
  std::ostringstream out;
  out << render_textfile(report);
  out << "# HELP mapsla_run_success 1 when the run exited 0 (every cell ran, every gate held), "
         "else 0\n"
      << "# TYPE mapsla_run_success gauge\n"
      << "mapsla_run_success " << (exit_code == 0 ? 1 : 0) << '\n'
      << "# HELP mapsla_run_exit_code The run's exit code (README: Exit codes)\n"
      << "# TYPE mapsla_run_exit_code gauge\n"
      << "mapsla_run_exit_code " << exit_code << '\n';
  return out.str();
}

}  // namespace mapsla
