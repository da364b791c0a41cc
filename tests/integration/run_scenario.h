// Runs a scenario given as YAML text through the real Runner.
#pragma once

#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario_parser.h"
#include "tests/integration/privileged.h"

namespace mapsla::testing {

// A scenario that does not set `repetitions` measures one window here: the
// default of 3 would triple every test's time without testing more.
inline std::vector<CellResult> run_yaml(const std::string& yaml) {
  std::vector<CellResult> cells;
  PinDir pins("itest-" + std::to_string(::getpid()));
  // Per-process run id: a traffic run names its network namespaces after it.
  Runner runner({"itest" + std::to_string(::getpid()), &kernel_features(), &pins, nullptr});
  for (Scenario& s : parse_scenarios(yaml, "inline.yaml")) {
    if (yaml.find("repetitions") == std::string::npos) s.run.repetitions = 1;
    for (auto& c : runner.run(s))
      cells.push_back(std::move(c));
  }
  return cells;
}

inline const CellResult& cell(const std::vector<CellResult>& cells, const std::string& reader,
                              const std::string& mode) {
  for (const auto& c : cells)
    if (c.reader == reader && c.mode == mode) return c;
  throw std::runtime_error("no cell " + reader + "/" + mode);
}

}  // namespace mapsla::testing
