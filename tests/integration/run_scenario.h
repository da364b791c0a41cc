// Runs a scenario given as YAML text through the real Runner.
#pragma once

#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario_parser.h"
#include "tests/integration/privileged.h"

namespace mapsla::testing {

inline std::vector<CellResult> run_yaml(const std::string& yaml) {
  std::vector<CellResult> cells;
  PinDir pins("itest-" + std::to_string(::getpid()));
  Runner runner({"itest", &kernel_features(), &pins, nullptr});
  for (const Scenario& s : parse_scenarios(yaml, "inline.yaml"))
    for (auto& c : runner.run(s))
      cells.push_back(std::move(c));
  return cells;
}

inline const CellResult& cell(const std::vector<CellResult>& cells, const std::string& reader,
                              const std::string& mode) {
  for (const auto& c : cells)
    if (c.reader == reader && c.mode == mode) return c;
  throw std::runtime_error("no cell " + reader + "/" + mode);
}

}  // namespace mapsla::testing
