// What a report records so that `mapsla reproduce` can run its scenarios
// again, and reading it back.
//
// `mapsla run` writes, per scenario, `scenarios[].config.source`:
//   {"file": the path it was loaded from, "yaml": the file's text,
//    "overrides": {duration_ns, warmup_ns, repetitions, interval_ns} — only
//    those given on the command line}
// Seeds and every other setting are in the YAML text (e.g. a packet_loss
// fault's `seed:`), so parsing it again and applying the same overrides gives
// the same scenario, even after the file moved or changed. A report written
// before `source` existed is reproduced from the recorded file, if it still
// exists, with the recorded `config.run` figures as overrides.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "model/scenario.h"

namespace mapsla {

struct RecordedScenario {
  std::string name;
  std::string file;  // as recorded; may no longer exist
  std::string yaml;  // embedded source text; empty in reports older than it
  ScenarioOverrides overrides;
  nlohmann::json config;  // the resolved scenario as recorded (`source` included)
  std::string where;      // JSON path in the report, for messages ("scenarios[0]")
};

nlohmann::json to_json(const ScenarioOverrides& overrides);

// to_json(scenario) plus `source` (above): what `scenarios[].config` holds.
nlohmann::json scenario_config(const Scenario& scenario, const ScenarioOverrides& overrides);

// Reads the scenarios a report recorded. `file` names the report in errors.
// Throws ReportError ("FILE: at scenarios[0].config.source.yaml: why") when
// the report is not a mapsla report or a recorded field is malformed.
std::vector<RecordedScenario> recorded_scenarios(const nlohmann::json& report,
                                                 const std::string& file);

// Parses the recorded YAML (or the recorded file, for an old report) and
// applies the recorded overrides. Throws ConfigError when the text no longer
// parses here (e.g. it names a CPU this machine lacks) or defines a scenario
// of another name.
Scenario load_recorded(const RecordedScenario& recorded);

// Top-level fields of `config` whose values differ between the recorded and
// a rebuilt scenario (`source` ignored): empty when the reproduction is
// exactly the recorded scenario.
std::vector<std::string> config_differences(const nlohmann::json& recorded,
                                            const nlohmann::json& rebuilt);

// The `seed` options of the scenario's faults, "kind.seed=N" each.
std::vector<std::string> recorded_seeds(const nlohmann::json& config);

}  // namespace mapsla
