#include "reports/result.h"

namespace mapsla {

LatencySummary summarize(const LatencyHistogram& h) {
  LatencySummary s;
  s.p50 = h.percentile(50);
  s.p90 = h.percentile(90);
  s.p99 = h.percentile(99);
  s.p999 = h.percentile(99.9);
  s.max = h.max();
  s.mean = h.mean();
  s.count = h.count();
  s.min = h.min();
  return s;
}

uint64_t AnomalyCounts::error_total() const {
  uint64_t total = 0;
  for (const auto& [name, n] : errors)
    total += n;
  return total;
}

uint64_t AnomalyCounts::total() const {
  return torn + missing + skipped + duplicate + stale + non_monotonic + error_total();
}

void AnomalyCounts::merge(const AnomalyCounts& o) {
  torn += o.torn;
  missing += o.missing;
  skipped += o.skipped;
  duplicate += o.duplicate;
  stale += o.stale;
  non_monotonic += o.non_monotonic;
  for (const auto& [name, n] : o.errors)
    errors[name] += n;
}

double RepetitionResult::per_entry_ns() const {
  return reads ? static_cast<double>(read_time_ns) / static_cast<double>(reads) : 0.0;
}

double RepetitionResult::floor_ns() const {
  return floor_bursts ? static_cast<double>(floor_median_sum_ns) / static_cast<double>(floor_bursts)
                      : 0.0;
}

double RepetitionResult::entries_per_s() const {
  return read_time_ns ? static_cast<double>(reads) * 1e9 / static_cast<double>(read_time_ns) : 0.0;
}

void RepetitionResult::merge(const RepetitionResult& o) {
  wall_s += o.wall_s;
  passes += o.passes;
  reads += o.reads;
  ops += o.ops;
  read_time_ns += o.read_time_ns;
  attempts += o.attempts;
  if (o.max_attempts > max_attempts) max_attempts = o.max_attempts;
  writer_updates += o.writer_updates;
  absent += o.absent;
  foreign += o.foreign;
  for (const auto& [why, n] : o.early_ended_passes)
    early_ended_passes[why] += n;
  unreached += o.unreached;
  floor_bursts += o.floor_bursts;
  floor_median_sum_ns += o.floor_median_sum_ns;
  op_latency.merge(o.op_latency);
  pass_latency.merge(o.pass_latency);
  pass_latency_corrected.merge(o.pass_latency_corrected);
  late_passes += o.late_passes;
  anomalies.merge(o.anomalies);
}

std::string to_string(CellStatus status) {
  switch (status) {
    case CellStatus::ok:
      return "ok";
    case CellStatus::not_applicable:
      return "not_applicable";
    case CellStatus::skipped:
      return "skipped";
    case CellStatus::failed:
      return "failed";
  }
  return "failed";
}

RepetitionResult CellResult::pooled() const {
  RepetitionResult all;
  all.index = -1;
  for (const auto& r : repetitions)
    all.merge(r);
  return all;
}

}  // namespace mapsla
