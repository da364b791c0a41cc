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
// `mapsla merge`'s report of several runs (reports/merge.h).
inline constexpr const char* kFleetSchema = "mapsla.fleet/v1";

struct LatencySummary {
  uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  double mean = 0;
  uint64_t count = 0;
  uint64_t min = 0;
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
  // Reads that returned ENOENT while keys could legitimately vanish (LRU
  // eviction): not anomalies, counted so a report shows the oracle saw them.
  uint64_t absent = 0;
  // Entries outside the key set read while a fault kept its own keys in the
  // map (map_pressure): not anomalies.
  uint64_t foreign = 0;
  // Passes that ended early (the reader recorded a pass-level error: a dump's
  // E2BIG cap, a get_next_key/batch/iterator errno, an external pass status)
  // by that error's name, and the keys those passes did not reach. Keys an
  // early-ended pass did not reach are not `skipped`: the pass never claimed
  // to have walked the map; the error itself is counted under errors.
  std::map<std::string, uint64_t> early_ended_passes;
  uint64_t unreached = 0;
  LatencyHistogram op_latency;
  LatencyHistogram pass_latency;
  // Open-loop windows (run.interval): each pass timed from its intended
  // start, so the wait a slow pass imposes on the next ones is counted
  // (coordinated omission); `late_passes` began after their intended start.
  LatencyHistogram pass_latency_corrected;
  uint64_t late_passes = 0;
  AnomalyCounts anomalies;
  // The machine's floor in this window: bursts of a reference op (one lookup
  // in a private one-entry array map) timed on the reader's CPU between
  // passes, a burst every few milliseconds of passes (harness/floor_probe.h);
  // the sum of the bursts' medians. It moves with the machine's speed (a
  // noisy neighbour, frequency), not with the reader, so compare judges
  // latency relative to it. 0 bursts: none was measured (an older report).
  uint64_t floor_bursts = 0;
  uint64_t floor_median_sum_ns = 0;

  double per_entry_ns() const;
  double floor_ns() const;  // mean of the bursts' medians; 0 without one
  double entries_per_s() const;
  void merge(const RepetitionResult& other);
};

// How long after a fault stopped the reader's op latency came back: the
// smallest offset (kRecoveryStepNs steps) after the stop at which the op P99
// over the next kRecoveryWindowNs is within kRecoveryFactor × the before
// phase's op P99 (docs/report-schema.md, "Phases and recovery").
inline constexpr uint64_t kRecoveryWindowNs = 100'000'000;
inline constexpr uint64_t kRecoveryStepNs = 10'000'000;
inline constexpr double kRecoveryFactor = 1.2;
struct Recovery {
  int index = 0;  // repetition
  bool recovered = false;
  uint64_t recovery_ns = 0;  // meaningful when recovered
  uint64_t before_p99_ns = 0;
  uint64_t threshold_ns = 0;         // kRecoveryFactor × before_p99_ns
  uint64_t first_window_p99_ns = 0;  // op P99 over the first window after the stop
  uint64_t windows_judged = 0;       // windows with enough ops to judge
};

// What a fault (or a writer) achieved in one window or run, in a shape the
// reports can pool and print without knowing the fault: a headline and named
// figures, each saying how it pools over windows and cells. The harness fills
// it from the fault's evidence (FaultDescriptor::summarize); report.json holds
// it under `summary` beside the evidence it sums up (docs/report-schema.md,
// "details.faults").
struct EvidenceFigure {
  // How a figure pools over windows (and printed, after pooling):
  //   sum          the sum: "1.5k bogo-ops" (value, then name)
  //   share        value is a part of total, both summed:
  //                "dropped 1.3k of 40.0k packets = 3.28 %"
  //   range        lowest–highest: "load observed 97–99 %"
  //   max          the highest: "tolerance ≤ 0.40 %"
  //   last         the last one: "requested 2.00 %"
  //   count_true   value ≠ 0 in how many: "injector removed 3/3"
  //   all_true     name when value ≠ 0 in all, else `text`
  //   tally        windows per `text`: "stopped by SIGINT 2×"
  //   sum_by_text  value summed per `text`: "failures: E2BIG 6" ("none" when all 0)
  enum class Combine { sum, share, range, max, last, count_true, all_true, tally, sum_by_text };
  // How a value prints: count (1.5k), number (97), percent (value is a
  // ratio: 2.00 %).
  enum class Format { count, number, percent };

  std::string name;
  Combine combine = Combine::sum;
  Format format = Format::count;
  double value = 0;
  double total = 0;  // share: the whole that value is a part of
  std::string text;  // tally, sum_by_text: what is counted; all_true: said when not all true
  std::string unit;  // printed after the value ("packets", "%")
};

struct EvidenceSummary {
  std::string headline;  // the first window's is printed ("stress-ng cpu on CPUs [0]")
  std::vector<EvidenceFigure> figures;
  bool empty() const { return headline.empty() && figures.empty(); }
};

nlohmann::json to_json(const EvidenceSummary& summary);
// std::invalid_argument naming the member when `j` is not a summary.
EvidenceSummary evidence_summary_from_json(const nlohmann::json& j);

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
  std::string condition;  // the scenario's `condition:` (a column of the matrix)
  // Cells of scenarios with window-scope faults: figures per phase ("before",
  // "during", "after"), one per repetition; `repetitions` holds the during
  // phase, so the summary is the fault's effect. Empty otherwise.
  std::map<std::string, std::vector<RepetitionResult>> phases;
  std::vector<Recovery> recovery;  // one per repetition of a phased cell

  // All repetitions merged (samples pooled).
  RepetitionResult pooled() const;
};

struct FeatureRecord {
  std::string name;
  bool available = false;
  std::string detail;
  std::string error;     // errno name of the refused attempt ("EPERM"), or ""
  std::string verifier;  // the verifier's last line when it rejected a program, or ""
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
  // Which reader to ship (reports/decision.h), computed by the run with its
  // SLA; null in reports written before it existed.
  nlohmann::json decision;
};

}  // namespace mapsla
