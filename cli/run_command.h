// The part of `mapsla run` that runs scenarios already loaded, shared with
// `mapsla reproduce` (reproduce_command.cpp).
#pragma once

#include <string>
#include <vector>

#include "model/scenario.h"

namespace mapsla::cli {

struct LoadedRun {
  std::vector<Scenario> scenarios;  // overrides already applied
  ScenarioOverrides overrides;      // recorded in the report (harness/reproduce.h)
  std::string out;                  // report directory; empty: mapsla-results/RUN_ID
  bool quiet = false;
  bool json_only = false;  // report.json only: no report.md, report.html
};

// Probes the kernel, runs every scenario, writes the reports and prints the
// summary exactly as `mapsla run` does (scenario SLAs included). Returns the
// documented exit code (harness/exit_codes.h).
int run_loaded(const LoadedRun& run, const std::vector<std::string>& command);

}  // namespace mapsla::cli
