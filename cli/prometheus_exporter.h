// Live metrics of a running `mapsla run` for Prometheus to scrape
// (`--prometheus-listen ADDR`, path /metrics). Same names and labels as the
// final metrics (reports/prometheus_report.h), updated from the runner's
// progress reports about every RunObserver::kProgressInterval:
//   mapsla_reads_total, mapsla_anomalies_total{class},
//   mapsla_op_latency_seconds (histogram), mapsla_writer_updates_total,
//   mapsla_windows_total (measured windows finished), and
//   mapsla_current_cell_info{scenario,reader,mode} = 1 for the window that
//   is running (absent between windows).
// Counters only count measured time (warm-up excluded) and end each window at
// exactly its final figures. Scrapes are served by prometheus-cpp's threads;
// updates come from the runner's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/runner.h"

namespace prometheus {
class Exposer;
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace mapsla::cli {

class LiveExporter final : public RunObserver {
 public:
  // ADDR: "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" (all interfaces); port
  // 0 picks a free one (see ports()). Throws std::runtime_error naming the
  // address when it cannot listen.
  explicit LiveExporter(const std::string& address);
  ~LiveExporter() override;

  std::vector<int> ports() const;

  void window_started(const Scenario& scenario, const CellResult& cell, int repetition) override;
  void window_progress(const Scenario& scenario, const CellResult& cell,
                       const WindowProgress& progress) override;
  void window_finished(const Scenario& scenario, const CellResult& cell,
                       const RepetitionResult& result) override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* reads_;
  prometheus::Family<prometheus::Counter>* anomalies_;
  prometheus::Family<prometheus::Counter>* updates_;
  prometheus::Family<prometheus::Counter>* windows_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Family<prometheus::Gauge>* current_;
  prometheus::Gauge* current_cell_ = nullptr;
  LiveSnapshot published_;  // what the running window has already added
  uint64_t published_updates_ = 0;
};

}  // namespace mapsla::cli
