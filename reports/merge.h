// `mapsla merge`: one report out of several runs of the same scenarios on
// different hosts, kernels or nodes of a fleet (schema mapsla.fleet/v1,
// docs/report-schema.md). Each run is an *input* that keeps its identity
// (host, kernel, placement, run id) and a label; each cell (matched across
// inputs as `mapsla compare` matches them, reports/cell_identity.h) shows
// every input's figures side by side, the worst input per metric, and the
// inputs on which it did not run, with their reasons.
//
// The figures are the ones every other report shows: op P50 and P99 are the
// median across repetitions of each repetition's percentile (the SLA gate's
// rule, reports/statistics.h); anomalies are pooled over the repetitions,
// their rate per million reads likewise.
//
// Every input's whole report is embedded in the fleet report, so `mapsla
// check` can gate each one as it gates a single run.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/cell_identity.h"
#include "reports/result.h"

namespace mapsla {

// A merge that must not happen (different scenario texts, labels that do not
// fit the inputs): one line for the user.
class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MergeInput {
  std::string file;   // as given on the command line
  std::string label;  // unique among the inputs once merged (below)
  Report report;
  // The report as read, embedded as is in the fleet report (fields this
  // mapsla does not know included); null: written from `report`.
  nlohmann::json json;
};

// Labels each input: its `labels` entry when given (one per input, in order),
// otherwise "host/kernel". Inputs that would share a label get their run id
// appended ("node-a/6.1.0 (run 1a2b3c4d)"), then an ordinal if that is still
// not enough. Throws MergeError when `labels` is neither empty nor one per
// input.
void assign_labels(std::vector<MergeInput>& inputs, const std::vector<std::string>& labels);

// Throws MergeError, naming both files and the scenario, when two inputs
// differ in a scenario: its embedded text (scenarios[].config.source.yaml,
// or the resolved config for reports older than the text), or one has a
// scenario the other lacks.
void check_same_scenarios(const std::vector<MergeInput>& inputs);

// One input's figures for one cell.
struct InputCell {
  bool present = false;  // the input's report has this cell
  CellStatus status = CellStatus::ok;
  std::string reason;
  size_t repetitions = 0;
  uint64_t samples = 0;  // op-latency samples, all repetitions
  uint64_t reads = 0;
  std::optional<double> op_p50_ns;  // median across repetitions; none without samples
  std::optional<double> op_p99_ns;
  uint64_t anomalies = 0;                                 // pooled over the repetitions
  std::optional<double> anomalies_per_million;            // none without reads
  std::vector<std::pair<std::string, uint64_t>> classes;  // the classes seen, in report order
  std::vector<std::pair<std::string, std::string>> settings;

  bool measured() const { return present && status == CellStatus::ok && samples > 0; }
};

enum class FleetMetric { op_p50, op_p99, anomalies_per_million };
inline constexpr FleetMetric kFleetMetrics[] = {FleetMetric::op_p50, FleetMetric::op_p99,
                                                FleetMetric::anomalies_per_million};
const char* metric_name(FleetMetric metric);  // "op_p50_ns", "op_p99_ns", "anomalies_per_million"

struct FleetCell {
  CellKey key;
  std::string condition;
  std::vector<InputCell> inputs;  // one per input, in the inputs' order
  // Per metric, the index of the input with the highest figure among those
  // that measured the cell; none when fewer than two did or all are equal.
  std::optional<size_t> worst[3];
  bool settings_differ = false;  // the inputs ran it with different settings
  // Which, e.g. "command: /a/reader on host/6.18, /mapsla/bin/reader on vm/5.10".
  std::string settings_difference;

  std::optional<size_t> worst_of(FleetMetric metric) const {
    return worst[static_cast<size_t>(metric)];
  }
  // Whether any input did not measure it (absent, or not `ok`).
  bool incomplete() const;
};

struct FleetInput {
  std::string label;
  std::string file;
  std::string run_id;
  std::string hostname;
  std::string kernel;
  std::string placement;  // describe(placement), or "unknown" (an older report)
  std::string started_at;
};

struct Fleet {
  std::vector<FleetInput> inputs;
  std::vector<FleetCell> cells;          // first-seen order over the inputs
  std::vector<std::string> notes;        // differing scenarios allowed, overrides, settings
  std::vector<nlohmann::json> embedded;  // the inputs' report.json, in order
  std::vector<std::string> command;
};

// Builds the fleet from labelled inputs (assign_labels first).
Fleet merge_reports(std::vector<MergeInput> inputs);

// The figures of one input's cell (exposed for tests).
InputCell input_cell(const CellResult& cell);

// The JSON document (schema mapsla.fleet/v1).
nlohmann::json to_json(const Fleet& fleet);
// Whether parsed JSON claims to be a fleet report.
bool is_fleet_json(const nlohmann::json& json);
// The embedded inputs of a fleet report, each with its label, file and
// report (validated as report_from_json does); ReportError naming `file` and
// the JSON path of any problem.
std::vector<MergeInput> fleet_inputs_from_json(const nlohmann::json& json, const std::string& file);

}  // namespace mapsla
