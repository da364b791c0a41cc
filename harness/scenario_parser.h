// YAML → Scenario. A file is either one scenario or a suite:
//
//   include: [baseline.yaml, hash-replace.yaml]   # paths relative to the suite
//
// Every problem is a ConfigError, one line: FILE:LINE: field 'X': why.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "model/scenario.h"

namespace mapsla {

// Loads a scenario file or a suite (recursively, cycles rejected).
std::vector<Scenario> load_scenarios(const std::filesystem::path& file);

// Parses YAML text; `file` names it in errors. Suites are expanded relative to
// the directory of `file`.
std::vector<Scenario> parse_scenarios(const std::string& yaml_text, const std::string& file);

}  // namespace mapsla
