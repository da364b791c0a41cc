// What the scenario parser says about a broken scenario, for the tests of
// each part of the scenario file (map, readers, writer, faults, phases).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/util/yaml_fields.h"
#include "harness/scenario_parser.h"

namespace mapsla::testing {

// The error parse_scenarios reports for `text` read as the file `file` (the
// name is part of the message); a test failure when `text` parses.
inline std::string scenario_parse_error(const std::string& text,
                                        const std::string& file = "s.yaml") {
  try {
    parse_scenarios(text, file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

// The error for the valid `scenario` once its first `from` is replaced by `to`.
inline std::string scenario_parse_error_replacing(std::string scenario, const std::string& from,
                                                  const std::string& to) {
  const auto at = scenario.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  scenario.replace(at, from.size(), to);
  return scenario_parse_error(scenario);
}

}  // namespace mapsla::testing
