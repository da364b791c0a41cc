// What a running window has measured so far, for progress lines and live
// Prometheus metrics. The oracle is the only writer: it publishes once per
// flushed block and once per pass (relaxed atomics, never per entry), so the
// reader's hot path pays nothing and validation pays a few stores per block.
// Any thread may take a snapshot at any time; each field is monotonic within
// a window, but a snapshot is not a consistent cut across fields (reads may
// be one block ahead of anomalies).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "reports/anomaly_classes.h"
#include "reports/latency_buckets.h"

namespace mapsla {

struct LiveSnapshot {
  uint64_t reads = 0;
  uint64_t ops = 0;
  uint64_t op_time_ns = 0;  // sum of op latencies
  std::array<uint64_t, kAnomalyClassCount> anomalies{};
  std::array<uint64_t, kLatencyBucketCount> op_latency{};  // per kLatencyBoundsNs bucket

  uint64_t anomaly_total() const {
    uint64_t total = 0;
    for (uint64_t n : anomalies)
      total += n;
    return total;
  }
};

class LiveCounters {
 public:
  // Writer side (the oracle's thread). Totals are stored as absolute values,
  // op-latency buckets are added to.
  void store_totals(uint64_t reads, uint64_t ops, uint64_t op_time_ns,
                    const std::array<uint64_t, kAnomalyClassCount>& anomalies) {
    reads_.store(reads, std::memory_order_relaxed);
    ops_.store(ops, std::memory_order_relaxed);
    op_time_ns_.store(op_time_ns, std::memory_order_relaxed);
    for (size_t i = 0; i < kAnomalyClassCount; ++i)
      anomalies_[i].store(anomalies[i], std::memory_order_relaxed);
  }
  void add_op_latency(const std::array<uint64_t, kLatencyBucketCount>& buckets) {
    for (size_t i = 0; i < kLatencyBucketCount; ++i)
      if (buckets[i]) op_latency_[i].fetch_add(buckets[i], std::memory_order_relaxed);
  }

  // Reader side (any thread).
  LiveSnapshot snapshot() const {
    LiveSnapshot s;
    s.reads = reads_.load(std::memory_order_relaxed);
    s.ops = ops_.load(std::memory_order_relaxed);
    s.op_time_ns = op_time_ns_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < kAnomalyClassCount; ++i)
      s.anomalies[i] = anomalies_[i].load(std::memory_order_relaxed);
    for (size_t i = 0; i < kLatencyBucketCount; ++i)
      s.op_latency[i] = op_latency_[i].load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::atomic<uint64_t> reads_{0};
  std::atomic<uint64_t> ops_{0};
  std::atomic<uint64_t> op_time_ns_{0};
  std::array<std::atomic<uint64_t>, kAnomalyClassCount> anomalies_{};
  std::array<std::atomic<uint64_t>, kLatencyBucketCount> op_latency_{};
};

}  // namespace mapsla
