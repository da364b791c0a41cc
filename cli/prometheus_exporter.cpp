#include "cli/prometheus_exporter.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <stdexcept>

namespace mapsla::cli {
namespace {

prometheus::Labels cell_labels(const Scenario& scenario, const CellResult& cell) {
  return {{"scenario", scenario.name}, {"reader", cell.reader}, {"mode", cell.mode}};
}

prometheus::Histogram::BucketBoundaries bounds_in_seconds() {
  prometheus::Histogram::BucketBoundaries out;
  for (uint64_t ns : kLatencyBoundsNs)
    out.push_back(static_cast<double>(ns) / 1e9);
  return out;
}

// civetweb takes "PORT" for every interface; ":PORT" is the common spelling.
std::string civetweb_address(const std::string& address) {
  if (!address.empty() && address.front() == ':') return address.substr(1);
  return address;
}

}  // namespace

LiveExporter::LiveExporter(const std::string& address)
    : registry_(std::make_shared<prometheus::Registry>()) {
  reads_ = &prometheus::BuildCounter()
                .Name("mapsla_reads_total")
                .Help("Entries read and judged by the oracle")
                .Register(*registry_);
  anomalies_ = &prometheus::BuildCounter()
                    .Name("mapsla_anomalies_total")
                    .Help(
                        "Anomalous reads by class (torn, missing, skipped, duplicate, stale, "
                        "non_monotonic, error)")
                    .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("mapsla_op_latency_seconds")
                  .Help("Latency of each timed read operation")
                  .Register(*registry_);
  updates_ = &prometheus::BuildCounter()
                  .Name("mapsla_writer_updates_total")
                  .Help("Updates the writers committed during the cell's windows")
                  .Register(*registry_);
  windows_ = &prometheus::BuildCounter()
                  .Name("mapsla_windows_total")
                  .Help("Measured windows finished")
                  .Register(*registry_);
  current_ = &prometheus::BuildGauge()
                  .Name("mapsla_current_cell_info")
                  .Help("1 for the scenario, reader and mode being measured now")
                  .Register(*registry_);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(civetweb_address(address), 1);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on '" + address + "': " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
}

LiveExporter::~LiveExporter() = default;

std::vector<int> LiveExporter::ports() const {
  return exposer_->GetListeningPorts();
}

void LiveExporter::window_started(const Scenario& scenario, const CellResult& cell, int) {
  published_ = {};
  published_updates_ = 0;
  if (current_cell_) current_->Remove(current_cell_);
  current_cell_ = &current_->Add(cell_labels(scenario, cell));
  current_cell_->Set(1);
}

void LiveExporter::window_progress(const Scenario& scenario, const CellResult& cell,
                                   const WindowProgress& progress) {
  if (progress.warming_up) return;
  const prometheus::Labels labels = cell_labels(scenario, cell);
  const LiveSnapshot& now = progress.live;
  const auto delta = [](uint64_t current, uint64_t before) {
    return static_cast<double>(current > before ? current - before : 0);
  };
  reads_->Add(labels).Increment(delta(now.reads, published_.reads));
  for (size_t i = 0; i < kAnomalyClassCount; ++i) {
    prometheus::Labels with_class = labels;
    with_class["class"] = kAnomalyClasses[i];
    anomalies_->Add(with_class).Increment(delta(now.anomalies[i], published_.anomalies[i]));
  }
  std::vector<double> buckets(kLatencyBucketCount);
  for (size_t i = 0; i < kLatencyBucketCount; ++i)
    buckets[i] = delta(now.op_latency[i], published_.op_latency[i]);
  latency_->Add(labels, bounds_in_seconds())
      .ObserveMultiple(buckets, delta(now.op_time_ns, published_.op_time_ns) / 1e9);
  updates_->Add(labels).Increment(delta(progress.writer_updates, published_updates_));
  published_ = now;
  published_updates_ = progress.writer_updates;
}

void LiveExporter::window_finished(const Scenario& scenario, const CellResult& cell,
                                   const RepetitionResult&) {
  windows_->Add(cell_labels(scenario, cell)).Increment();
  if (current_cell_) current_->Remove(current_cell_);
  current_cell_ = nullptr;
}

}  // namespace mapsla::cli
