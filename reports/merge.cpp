#include "reports/merge.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reports/anomaly_classes.h"
#include "reports/json_report.h"
#include "reports/matrix.h"
#include "reports/placement.h"
#include "reports/report_reader.h"
#include "reports/statistics.h"

namespace mapsla {
namespace {

using nlohmann::json;

// What a scenario ran, for telling two inputs' scenarios apart: the embedded
// text when there is one, the resolved config otherwise (older reports).
std::string scenario_text(const ScenarioRecord& s) {
  if (s.config.is_object()) {
    const auto source = s.config.find("source");
    if (source != s.config.end() && source->is_object() && source->contains("yaml") &&
        (*source)["yaml"].is_string())
      return (*source)["yaml"].get<std::string>();
  }
  return s.config.dump();
}

json overrides_of(const ScenarioRecord& s) {
  if (!s.config.is_object() || !s.config.contains("source")) return json::object();
  return s.config["source"].value("overrides", json::object());
}

const ScenarioRecord* find_scenario(const Report& r, const std::string& name) {
  for (const auto& s : r.scenarios)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<double> median_or_none(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  return median(std::move(values));
}

double figure(const InputCell& c, FleetMetric m) {
  switch (m) {
    case FleetMetric::op_p50:
      return c.op_p50_ns.value_or(0);
    case FleetMetric::op_p99:
      return c.op_p99_ns.value_or(0);
    case FleetMetric::anomalies_per_million:
      return c.anomalies_per_million.value_or(0);
  }
  return 0;
}

std::optional<size_t> worst_input(const FleetCell& cell, FleetMetric m) {
  std::optional<size_t> worst;
  size_t measured = 0;
  double low = 0, high = 0;
  for (size_t i = 0; i < cell.inputs.size(); ++i) {
    const InputCell& c = cell.inputs[i];
    if (!c.measured()) continue;
    const double v = figure(c, m);
    if (measured++ == 0 || v < low) low = v;
    if (!worst || v > high) {
      worst = i;
      high = v;
    }
  }
  if (measured < 2 || high == low) return std::nullopt;
  return worst;
}

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

const char* metric_name(FleetMetric metric) {
  switch (metric) {
    case FleetMetric::op_p50:
      return "op_p50_ns";
    case FleetMetric::op_p99:
      return "op_p99_ns";
    case FleetMetric::anomalies_per_million:
      return "anomalies_per_million";
  }
  return "";
}

bool FleetCell::incomplete() const {
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const InputCell& c) { return !c.present || c.status != CellStatus::ok; });
}

namespace {

// The settings two inputs ran a cell with differently: "name: A on LABEL_A,
// B on LABEL_B; …" (a setting only one has reads "unset").
std::string setting_difference(const InputCell& a, const std::string& a_label, const InputCell& b,
                               const std::string& b_label) {
  const auto value = [](const InputCell& in, const std::string& key) -> std::string {
    for (const auto& [k, v] : in.settings)
      if (k == key) return v;
    return "unset";
  };
  std::vector<std::string> keys;
  for (const InputCell* in : {&a, &b})
    for (const auto& [k, v] : in->settings)
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  std::vector<std::string> parts;
  for (const std::string& k : keys)
    if (value(a, k) != value(b, k))
      parts.push_back(
          fmt::format("{}: {} on {}, {} on {}", k, value(a, k), a_label, value(b, k), b_label));
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

void assign_labels(std::vector<MergeInput>& inputs, const std::vector<std::string>& labels) {
  if (!labels.empty() && labels.size() != inputs.size())
    throw MergeError(
        fmt::format("--label given {} time{} for {} input{}: give one per input, in "
                    "the order of the inputs, or none",
                    labels.size(), labels.size() == 1 ? "" : "s", inputs.size(),
                    inputs.size() == 1 ? "" : "s"));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Environment& env = inputs[i].report.environment;
    inputs[i].label = labels.empty() ? fmt::format("{}/{}", env.hostname, env.kernel) : labels[i];
  }
  const auto count = [&](const std::string& label) {
    return std::count_if(inputs.begin(), inputs.end(),
                         [&](const MergeInput& in) { return in.label == label; });
  };
  std::vector<std::string> renamed;
  for (const MergeInput& in : inputs)
    renamed.push_back(count(in.label) > 1 ? fmt::format("{} (run {})", in.label, in.report.run_id)
                                          : in.label);
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i].label = renamed[i];
  // The same run given twice: an ordinal is all that tells them apart.
  std::map<std::string, int> seen;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (std::count(renamed.begin(), renamed.end(), renamed[i]) > 1)
      inputs[i].label += fmt::format(" #{}", ++seen[renamed[i]]);
}

void check_same_scenarios(const std::vector<MergeInput>& inputs) {
  if (inputs.empty()) return;
  const MergeInput& first = inputs.front();
  for (size_t i = 1; i < inputs.size(); ++i) {
    const MergeInput& other = inputs[i];
    for (const ScenarioRecord& s : first.report.scenarios) {
      const ScenarioRecord* o = find_scenario(other.report, s.name);
      if (!o)
        throw MergeError(fmt::format("{} and {} differ: scenario '{}' is in {} only", first.file,
                                     other.file, s.name, first.file));
      if (scenario_text(s) != scenario_text(*o))
        throw MergeError(fmt::format(
            "{} and {} differ in the text of scenario '{}' (scenarios[].config.source.yaml)",
            first.file, other.file, s.name));
    }
    for (const ScenarioRecord& o : other.report.scenarios)
      if (!find_scenario(first.report, o.name))
        throw MergeError(fmt::format("{} and {} differ: scenario '{}' is in {} only", first.file,
                                     other.file, o.name, other.file));
  }
}

InputCell input_cell(const CellResult& cell) {
  InputCell out;
  out.present = true;
  out.status = cell.status;
  out.reason = cell.reason;
  out.settings = cell.settings;
  out.repetitions = cell.repetitions.size();
  if (cell.repetitions.empty()) return out;
  const RepetitionResult all = cell.pooled();
  out.samples = all.op_latency.count();
  out.reads = all.reads;
  if (out.samples) {
    out.op_p50_ns = median_or_none(op_percentiles(cell, 50));
    out.op_p99_ns = median_or_none(op_percentiles(cell, 99));
  }
  out.anomalies = all.anomalies.total();
  if (all.reads)
    out.anomalies_per_million =
        static_cast<double>(out.anomalies) * 1e6 / static_cast<double>(all.reads);
  const auto counts = anomaly_class_counts(all.anomalies);
  for (size_t i = 0; i < kAnomalyClassCount; ++i)
    if (counts[i]) out.classes.emplace_back(kAnomalyClasses[i], counts[i]);
  return out;
}

Fleet merge_reports(std::vector<MergeInput> inputs) {
  Fleet fleet;
  std::vector<std::vector<CellKey>> keys;
  for (const MergeInput& in : inputs) {
    const Environment& env = in.report.environment;
    const auto placement = placement_of(env);
    fleet.inputs.push_back({in.label, in.file, in.report.run_id, env.hostname, env.kernel,
                            placement ? describe(*placement) : "unknown", in.report.started_at});
    keys.push_back(cell_keys(in.report.cells));
  }
  // Every cell of any input, in first-seen order.
  for (size_t i = 0; i < inputs.size(); ++i)
    for (size_t c = 0; c < keys[i].size(); ++c) {
      const CellKey& key = keys[i][c];
      if (std::any_of(fleet.cells.begin(), fleet.cells.end(),
                      [&](const FleetCell& f) { return f.key == key; }))
        continue;
      FleetCell cell;
      cell.key = key;
      cell.condition = condition_of(inputs[i].report.cells[c]);
      for (size_t j = 0; j < inputs.size(); ++j) {
        const CellResult* found = find_cell(inputs[j].report.cells, keys[j], key);
        cell.inputs.push_back(found ? input_cell(*found) : InputCell{});
        if (!found) cell.inputs.back().reason = "not in this input's report";
      }
      // Among the inputs that ran it: a cell that did not run may lack settings.
      std::optional<size_t> ran;
      for (size_t j = 0; j < cell.inputs.size(); ++j) {
        const InputCell& in = cell.inputs[j];
        if (!in.present || in.status != CellStatus::ok) continue;
        if (!ran) {
          ran = j;
        } else if (!cell.settings_differ && in.settings != cell.inputs[*ran].settings) {
          cell.settings_differ = true;
          cell.settings_difference =
              setting_difference(cell.inputs[*ran], inputs[*ran].label, in, inputs[j].label);
        }
      }
      for (FleetMetric m : kFleetMetrics)
        cell.worst[static_cast<size_t>(m)] = worst_input(cell, m);
      fleet.cells.push_back(std::move(cell));
    }

  for (const FleetCell& cell : fleet.cells)
    if (cell.settings_differ)
      fleet.notes.push_back(fmt::format("{}: the inputs ran it with different settings ({})",
                                        cell_key_label(cell.key), cell.settings_difference));
  for (size_t i = 1; i < inputs.size(); ++i)
    for (const ScenarioRecord& s : inputs[0].report.scenarios) {
      const ScenarioRecord* o = find_scenario(inputs[i].report, s.name);
      if (o && scenario_text(s) != scenario_text(*o))
        fleet.notes.push_back(
            fmt::format("scenario '{}' differs between {} and {} (merged with "
                        "--allow-different-scenarios)",
                        s.name, inputs[0].label, inputs[i].label));
      else if (o && overrides_of(s) != overrides_of(*o))
        fleet.notes.push_back(fmt::format(
            "scenario '{}' ran with different command-line overrides on {} ({}) and {} ({})",
            s.name, inputs[0].label, overrides_of(s).dump(), inputs[i].label,
            overrides_of(*o).dump()));
    }
  for (MergeInput& in : inputs)
    fleet.embedded.push_back(in.json.is_null() ? to_json(in.report) : std::move(in.json));
  return fleet;
}

json to_json(const Fleet& fleet) {
  json inputs = json::array();
  for (size_t i = 0; i < fleet.inputs.size(); ++i) {
    const FleetInput& in = fleet.inputs[i];
    const json& report = fleet.embedded[i];
    const json env = report.value("environment", json::object());
    inputs.push_back({{"label", in.label},
                      {"file", in.file},
                      {"run_id", in.run_id},
                      {"hostname", in.hostname},
                      {"kernel", in.kernel},
                      {"placement", env.value("placement", json(nullptr))},
                      {"placement_text", in.placement},
                      {"started_at", in.started_at},
                      {"report", report}});
  }
  json cells = json::array();
  for (const FleetCell& cell : fleet.cells) {
    json per_input = json::array();
    json not_ok = json::array();
    for (size_t i = 0; i < cell.inputs.size(); ++i) {
      const InputCell& c = cell.inputs[i];
      const std::string status = c.present ? to_string(c.status) : "absent";
      json classes = json::object();
      for (const auto& [name, n] : c.classes)
        classes[name] = n;
      per_input.push_back({{"input", fleet.inputs[i].label},
                           {"status", status},
                           {"reason", c.reason},
                           {"repetitions", c.repetitions},
                           {"samples", c.samples},
                           {"reads", c.reads},
                           {"op_p50_ns", optional_number(c.op_p50_ns)},
                           {"op_p99_ns", optional_number(c.op_p99_ns)},
                           {"anomalies", c.anomalies},
                           {"anomalies_per_million", optional_number(c.anomalies_per_million)},
                           {"anomaly_classes", std::move(classes)}});
      if (!c.present || c.status != CellStatus::ok)
        not_ok.push_back(
            {{"input", fleet.inputs[i].label}, {"status", status}, {"reason", c.reason}});
    }
    json worst = json::object();
    for (FleetMetric m : kFleetMetrics) {
      const auto w = cell.worst_of(m);
      worst[metric_name(m)] = w ? json(fleet.inputs[*w].label) : json(nullptr);
    }
    json settings = json::object();
    for (const InputCell& c : cell.inputs)
      if (c.present) {
        for (const auto& [k, v] : c.settings)
          settings[k] = v;
        break;
      }
    cells.push_back({{"scenario", cell.key.scenario},
                     {"reader", cell.key.reader},
                     {"mode", cell.key.mode},
                     {"occurrence", cell.key.occurrence},
                     {"condition", cell.condition},
                     {"settings", std::move(settings)},
                     {"settings_differ", cell.settings_differ},
                     {"inputs", std::move(per_input)},
                     {"worst", std::move(worst)},
                     {"not_ok", std::move(not_ok)}});
  }
  return {{"schema", kFleetSchema},
          {"command", fleet.command},
          {"inputs", std::move(inputs)},
          {"cells", std::move(cells)},
          {"notes", fleet.notes}};
}

bool is_fleet_json(const json& j) {
  return j.is_object() && j.contains("schema") && j["schema"] == kFleetSchema;
}

std::vector<MergeInput> fleet_inputs_from_json(const json& j, const std::string& file) {
  if (!is_fleet_json(j)) throw ReportError(file, "schema", fmt::format("is not {}", kFleetSchema));
  const auto inputs = j.find("inputs");
  if (inputs == j.end() || !inputs->is_array() || inputs->empty())
    throw ReportError(file, "inputs", "expected a non-empty array of inputs");
  std::vector<MergeInput> out;
  for (size_t i = 0; i < inputs->size(); ++i) {
    const json& in = (*inputs)[i];
    const std::string at = fmt::format("inputs[{}]", i);
    if (!in.is_object()) throw ReportError(file, at, "expected an object");
    for (const char* key : {"label", "file"})
      if (!in.contains(key) || !(*inputs)[i][key].is_string())
        throw ReportError(file, at + "." + key, "expected a string");
    if (!in.contains("report")) throw ReportError(file, at + ".report", "is required");
    MergeInput m;
    m.label = in["label"].get<std::string>();
    m.file = in["file"].get<std::string>();
    try {
      m.report = report_from_json(in["report"], file);
    } catch (const ReportError& e) {
      const std::string prefix = fmt::format("{}: at {}: ", e.file(), e.path());
      const std::string what = e.what();
      throw ReportError(file, at + ".report." + e.path(),
                        what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
    }
    m.json = in["report"];
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace mapsla
