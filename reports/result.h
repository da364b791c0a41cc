// The result model: everything a run measured, independent of how it is
// rendered. Reporters (JSON, terminal, …) depend on this header only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/histogram.h"

namespace mapsla {

inline constexpr const char* kReportSchema = "mapsla.report/v1";

struct LatencySummary {
  uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  double mean = 0;
  uint64_t count = 0;
};
LatencySummary summarize(const LatencyHistogram& histogram);

// Anomaly classes of DESIGN.md. A read is counted in every class that applies
// to it (a stale read can also be non-monotonic); torn reads are not judged
// further because their version field cannot be trusted.
struct AnomalyCounts {
  uint64_t torn = 0;
  uint64_t missing = 0;
  uint64_t skipped = 0;
  uint64_t duplicate = 0;
  uint64_t stale = 0;
  uint64_t non_monotonic = 0;
  std::map<std::string, uint64_t> errors;  // by errno name

  uint64_t error_total() const;
  uint64_t total() const;
  void merge(const AnomalyCounts& other);
};

struct RepetitionResult {
  int index = 0;
  double wall_s = 0;  // measurement window, validation included
  uint64_t passes = 0;
  uint64_t reads = 0;         // entries judged (every status)
  uint64_t ops = 0;           // timed operations (syscalls, batches, retry loops)
  uint64_t read_time_ns = 0;  // time spent inside timed ops
  uint64_t attempts = 0;      // sum of attempts over reads (retrying readers)
  uint64_t max_attempts = 0;
  uint64_t writer_updates = 0;
  LatencyHistogram op_latency;
  LatencyHistogram pass_latency;
  AnomalyCounts anomalies;

  double per_entry_ns() const;
  double entries_per_s() const;
  void merge(const RepetitionResult& other);
};

enum class CellStatus { ok, not_applicable, skipped, failed };
std::string to_string(CellStatus status);

struct CellResult {
  std::string scenario;
  std::string reader;
  std::string mode;
  CellStatus status = CellStatus::ok;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> settings;  // reader configuration
  std::vector<RepetitionResult> repetitions;
  nlohmann::json details = nlohmann::json::object();  // writer, faults, evidence

  // All repetitions merged (samples pooled).
  RepetitionResult pooled() const;
};

struct FeatureRecord {
  std::string name;
  bool available = false;
  std::string detail;
};

struct Environment {
  std::string kernel;
  std::string cpu_model;
  int cores = 0;
  int numa_nodes = 0;
  std::string virtualization;  // "none", or the hypervisor seen from the guest
  std::string hostname;
  std::string mapsla_version;
  std::string git_sha;
  std::vector<FeatureRecord> features;
};

struct ScenarioRecord {
  std::string name;
  std::string file;
  nlohmann::json config;  // the resolved scenario, overrides applied
};

struct Report {
  std::string schema = kReportSchema;
  std::string run_id;
  std::string started_at;
  std::string finished_at;
  std::vector<std::string> command;
  Environment environment;
  std::vector<ScenarioRecord> scenarios;
  std::vector<CellResult> cells;
};

}  // namespace mapsla
