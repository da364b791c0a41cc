// A run's final results as Prometheus metrics, rendered as text: pushed to a
// Pushgateway (`--pushgateway URL`; the HTTP side is cli/pushgateway.h,
// reports/ never opens a socket) or written for node_exporter's textfile
// collector (`--prom-textfile PATH`). The live metrics of a running `mapsla run`
// (`--prometheus-listen`, cli/prometheus_exporter.h) use the same
// names, so dashboards work on either.
//
// Naming follows Prometheus practice: base units (seconds), `_total` for
// counters, and only low-cardinality labels: `scenario`, `reader`, `mode`
// and, for anomalies, `class` (never a run id or a key). Per cell:
//   mapsla_reads_total               counter    entries read and judged
//   mapsla_passes_total              counter    full passes over the key set
//   mapsla_anomalies_total{class}    counter    torn, missing, skipped, duplicate,
//                                               stale, non_monotonic, error
//   mapsla_op_latency_seconds        histogram  per timed operation; buckets
//                                               reports/latency_buckets.h
//   mapsla_op_latency_p99_seconds    gauge      median across repetitions of each
//                                               repetition's P99 (the SLA gate's rule)
//   mapsla_per_entry_seconds         gauge      time in timed ops ÷ reads
//   mapsla_writer_updates_total      counter    writer updates during the windows
//   mapsla_cell_failed               gauge      1 when the cell failed, else 0
// and once per run:
//   mapsla_last_run_timestamp_seconds gauge     when the run finished (Unix time)
// and, in what is pushed (render_pushed_metrics), how the run ended:
//   mapsla_run_success               gauge      1 when the run exited 0, else 0
//   mapsla_run_exit_code             gauge      the documented exit code
//                                               (harness/exit_codes.h; 128+N: signal N)
// A Pushgateway adds its grouping key (job, instance, run_id) to every series.
// Two cells with the same scenario, reader and mode (one reader listed twice
// with different options) share their series: counters add up.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "reports/result.h"

namespace prometheus {
class Registry;
}

namespace mapsla {

std::shared_ptr<prometheus::Registry> final_metrics(const Report& report);

// The text exposition format (version 0.0.4), as node_exporter reads it.
std::string render_textfile(const Report& report);
// Writes render_textfile() to `path` through PATH.tmp and a rename, so the
// collector never reads half a file. Throws std::system_error.
void write_textfile(const Report& report, const std::filesystem::path& path);

// render_textfile() plus mapsla_run_success and mapsla_run_exit_code: what a
// run pushes when it ends, also when it failed before measuring anything (a
// report without cells: only the run's own gauges carry values).
std::string render_pushed_metrics(const Report& report, int exit_code);

}  // namespace mapsla
