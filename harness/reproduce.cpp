#include "harness/reproduce.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "harness/scenario_parser.h"
#include "reports/report_reader.h"
#include "reports/result.h"

namespace mapsla {
using nlohmann::json;
using std::chrono::nanoseconds;

namespace {

// A recorded count of nanoseconds or repetitions, as a positive integer.
int64_t positive(const json& node, const std::string& file, const std::string& path) {
  if (!node.is_number_integer() || node.get<int64_t>() <= 0)
    throw ReportError(file, path, fmt::format("expected a positive integer, got {}", node.dump()));
  return node.get<int64_t>();
}

ScenarioOverrides overrides_from(const json& o, const std::string& file, const std::string& path) {
  if (!o.is_object()) throw ReportError(file, path, "expected an object");
  ScenarioOverrides out;
  for (const auto& [key, value] : o.items()) {
    const std::string at = path + "." + key;
    if (key == "duration_ns")
      out.duration = nanoseconds(positive(value, file, at));
    else if (key == "warmup_ns")
      out.warmup = nanoseconds(
          value.is_number_integer() && value.get<int64_t>() == 0 ? 0 : positive(value, file, at));
    else if (key == "repetitions")
      out.repetitions = static_cast<int>(positive(value, file, at));
    else if (key == "interval_ns")
      out.interval = nanoseconds(positive(value, file, at));
    else
      throw ReportError(file, at, "unknown override");
  }
  return out;
}

const json& field(const json& node, const char* key, const std::string& file,
                  const std::string& path) {
  if (!node.is_object() || !node.contains(key))
    throw ReportError(file, path, fmt::format("missing field '{}'", key));
  return node.at(key);
}

std::string string_field(const json& node, const char* key, const std::string& file,
                         const std::string& path) {
  const json& value = field(node, key, file, path);
  if (!value.is_string())
    throw ReportError(file, path + "." + key,
                      fmt::format("expected a string, got {}", value.dump()));
  return value.get<std::string>();
}

}  // namespace

json to_json(const ScenarioOverrides& o) {
  json out = json::object();
  if (o.duration) out["duration_ns"] = o.duration->count();
  if (o.warmup) out["warmup_ns"] = o.warmup->count();
  if (o.repetitions) out["repetitions"] = *o.repetitions;
  if (o.interval) out["interval_ns"] = o.interval->count();
  return out;
}

json scenario_config(const Scenario& scenario, const ScenarioOverrides& overrides) {
  json config = to_json(scenario);
  config["source"] = {{"file", scenario.file.string()},
                      {"yaml", scenario.source},
                      {"overrides", to_json(overrides)}};
  return config;
}

std::vector<RecordedScenario> recorded_scenarios(const json& report, const std::string& file) {
  if (!report.is_object()) throw ReportError(file, "(document)", "expected a JSON object");
  const std::string schema = string_field(report, "schema", file, "(document)");
  if (schema != kReportSchema)
    throw ReportError(
        file, "schema",
        fmt::format("'{}' is not {} (a report of another mapsla version?)", schema, kReportSchema));
  const json& scenarios = field(report, "scenarios", file, "(document)");
  if (!scenarios.is_array()) throw ReportError(file, "scenarios", "expected an array");
  if (scenarios.empty())
    throw ReportError(file, "scenarios", "the report recorded no scenario (nothing to reproduce)");
  std::vector<RecordedScenario> out;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const std::string at = fmt::format("scenarios[{}]", i);
    const json& s = scenarios[i];
    RecordedScenario r;
    r.where = at;
    r.name = string_field(s, "name", file, at);
    r.file = string_field(s, "file", file, at);
    r.config = field(s, "config", file, at);
    if (!r.config.is_object()) throw ReportError(file, at + ".config", "expected an object");
    if (r.config.contains("source")) {
      const std::string src = at + ".config.source";
      const json& source = r.config.at("source");
      r.yaml = string_field(source, "yaml", file, src);
      if (r.yaml.empty()) throw ReportError(file, src + ".yaml", "is empty");
      if (source.contains("file")) r.file = string_field(source, "file", file, src);
      if (source.contains("overrides"))
        r.overrides = overrides_from(source.at("overrides"), file, src + ".overrides");
    } else {
      // Before `source` was recorded: the resolved run figures are the truth.
      const std::string run_at = at + ".config.run";
      const json& run = field(r.config, "run", file, at + ".config");
      json o = json::object();
      for (const char* key : {"duration_ns", "warmup_ns", "repetitions", "interval_ns"})
        if (run.contains(key)) o[key] = run.at(key);
      r.overrides = overrides_from(o, file, run_at);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Scenario load_recorded(const RecordedScenario& recorded) {
  std::vector<Scenario> parsed;
  if (!recorded.yaml.empty()) {
    parsed = parse_scenarios(recorded.yaml, recorded.file);
  } else {
    std::ifstream in(recorded.file);
    if (!in)
      throw ConfigError(recorded.file, 0, "(file)",
                        "the report does not embed the scenario text (written by an older "
                        "mapsla) and the recorded file cannot be read");
    parsed = parse_scenarios(read_config_file(recorded.file), recorded.file);
  }
  // A recorded file is one scenario: suites are recorded per included file.
  auto it = std::find_if(parsed.begin(), parsed.end(),
                         [&](const Scenario& s) { return s.name == recorded.name; });
  if (it == parsed.end())
    throw ConfigError(
        recorded.file, 0, "name",
        fmt::format("the recorded text defines no scenario named '{}'", recorded.name));
  Scenario scenario = std::move(*it);
  apply_overrides(scenario, recorded.overrides);
  return scenario;
}

std::vector<std::string> config_differences(const json& recorded, const json& rebuilt) {
  std::vector<std::string> out;
  if (!recorded.is_object() || !rebuilt.is_object()) return {"(config)"};
  for (const auto& [key, value] : recorded.items())
    if (key != "source" && (!rebuilt.contains(key) || rebuilt.at(key) != value)) out.push_back(key);
  for (const auto& [key, value] : rebuilt.items())
    if (key != "source" && !recorded.contains(key)) out.push_back(key);
  return out;
}

std::vector<std::string> recorded_seeds(const json& config) {
  std::vector<std::string> out;
  if (!config.is_object() || !config.contains("faults") || !config.at("faults").is_array())
    return out;
  for (const auto& fault : config.at("faults")) {
    if (!fault.is_object() || !fault.contains("options")) continue;
    const json& options = fault.at("options");
    if (options.is_object() && options.contains("seed"))
      out.push_back(fmt::format("{}.seed={}", fault.value("kind", std::string("fault")),
                                options.at("seed").dump()));
  }
  return out;
}

}  // namespace mapsla
