#include "model/sla_parser.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/format.h>

namespace mapsla {
namespace {

constexpr const char* kSelectors[] = {"scenario", "reader", "mode"};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_field_message(const std::string& key) {
  std::string best;
  size_t best_distance = 3;  // suggest only near misses
  for (const auto& m : sla_metrics())
    if (size_t d = edit_distance(key, m.name); d < best_distance) {
      best_distance = d;
      best = m.name;
    }
  for (const char* s : kSelectors)
    if (size_t d = edit_distance(key, s); d < best_distance) {
      best_distance = d;
      best = s;
    }
  std::string why = "is not an SLA metric or selector";
  if (!best.empty()) why += fmt::format(" (did you mean '{}'?)", best);
  return why + "; selectors: scenario, reader, mode; metrics: see docs/sla.md";
}

// "5us", "1.5 ms", "800ns", "2µs" → ns. A bare number is refused: seconds
// (the scenario default) would make `op_p99: 5` a five-second limit.
double parse_latency(Fields& f, const std::string& key) {
  std::string text = f.string(key);
  for (size_t at; (at = text.find("µs")) != std::string::npos;)
    text.replace(at, std::string("µs").size(), "us");
  const auto last = text.find_last_not_of(" \t");
  if (last == std::string::npos || !std::isalpha(static_cast<unsigned char>(text[last])))
    f.fail(key, fmt::format("'{}' needs a unit (e.g. 5us, 800ns, 2ms)", f.yaml()[key].Scalar()));
  const auto ns = parse_duration(text);
  if (!ns) f.fail(key, fmt::format("'{}' is not a latency (e.g. 5us, 800ns, 2ms)", text));
  return static_cast<double>(ns->count());
}

// "2500", "1.5M", "10k" → a non-negative number.
double parse_scaled(Fields& f, const std::string& key, bool integer) {
  const std::string text = f.string(key);
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  double scale = 1;
  std::string suffix = end ? std::string(end) : "";
  suffix.erase(0, suffix.find_first_not_of(" \t"));
  if (suffix == "k" || suffix == "K")
    scale = 1e3;
  else if (suffix == "M")
    scale = 1e6;
  else if (suffix == "G")
    scale = 1e9;
  else if (!suffix.empty())
    end = nullptr;
  value *= scale;
  if (end == nullptr || end == text.c_str() || !std::isfinite(value) || value < 0 ||
      (integer && value != std::floor(value)))
    f.fail(key, fmt::format("expected a non-negative {} (k, M, G suffixes allowed), got '{}'",
                            integer ? "integer" : "number", text));
  return value;
}

std::string location(const Fields& f, const std::string& key) {
  return fmt::format("{}:{}", f.file(), f.line_of(key));
}

void parse_rule_field(Fields& f, const std::string& key,
                      const std::optional<std::string>& only_scenario, SlaRule& rule);

SlaRule parse_rule(Fields f, const std::optional<std::string>& only_scenario) {
  SlaRule rule;
  rule.origin = fmt::format("{}:{}", f.file(), f.yaml().Mark().line + 1);
  // Every field is read even after a wrong one: all of a rule's mistakes are
  // reported together, in document order.
  ConfigErrors errors;
  for (const auto& entry : f.yaml())
    errors.attempt([&] { parse_rule_field(f, f.key_name(entry.first), only_scenario, rule); });
  errors.throw_if_any();
  if (only_scenario && !rule.scenario) rule.scenario = only_scenario;
  if (rule.thresholds.empty())
    f.fail_here("a rule needs at least one threshold (e.g. op_p99: 5us, torn: 0)");
  f.done();
  return rule;
}

void parse_rule_field(Fields& f, const std::string& key,
                      const std::optional<std::string>& only_scenario, SlaRule& rule) {
  {
    if (key == "scenario") {
      rule.scenario = f.string(key);
      if (only_scenario && *rule.scenario != *only_scenario)
        f.fail(key, fmt::format("an SLA inside scenario '{}' can only select that scenario",
                                *only_scenario));
    } else if (key == "reader") {
      rule.reader = f.string(key);
    } else if (key == "mode") {
      rule.mode = f.string(key);
    } else if (const SlaMetric* metric = find_sla_metric(key)) {
      double limit = 0;
      switch (metric->kind) {
        case SlaKind::latency:
          limit = parse_latency(f, key);
          break;
        case SlaKind::count:
          limit = static_cast<double>(f.integer(key, 0, UINT64_MAX));
          break;
        case SlaKind::rate:
          limit = f.number(key, 0, 1e6);
          break;
        case SlaKind::min_throughput:
          limit = parse_scaled(f, key, false);
          break;
        case SlaKind::min_samples:
          limit = parse_scaled(f, key, true);
          break;
      }
      rule.thresholds.push_back({key, limit, location(f, key)});
    } else {
      f.mark_known(key);
      f.fail(key, unknown_field_message(key));
    }
  }
}

SlaSpec parse_section(Fields& parent, const std::string& key,
                      const std::optional<std::string>& only_scenario) {
  SlaSpec spec;
  const YAML::Node node = parent.node(key);
  if (node.IsMap()) {
    spec.rules.push_back(parse_rule(parent.child(key), only_scenario));
  } else if (node.IsSequence()) {
    // Each rule is read even after a wrong one (all mistakes, in order).
    ConfigErrors errors;
    std::vector<Fields> rules = parent.child_list(key);
    for (Fields& rule : rules)
      errors.attempt([&] { spec.rules.push_back(parse_rule(std::move(rule), only_scenario)); });
    errors.throw_if_any();
    if (node.size() == 0) parent.fail(key, "needs at least one rule");
  } else {
    parent.fail(key, "expected a rule (a mapping) or a list of rules");
  }
  return spec;
}

}  // namespace

SlaSpec parse_sla_text(const std::string& text, const std::string& file) {
  auto file_name = std::make_shared<const std::string>(file);
  const YAML::Node root = load_config_yaml(text, file);
  if (!root.IsMap())
    throw ConfigError(file, 1, "(document)", "expected a mapping with an `sla:` field");
  Fields top(root, file_name, "");
  top.string_or("description", "");
  if (!top.has("sla")) top.fail("sla", "is required (the list of rules)");
  SlaSpec spec;
  top.check([&] { spec = parse_section(top, "sla", std::nullopt); });
  top.check([&] { top.done(); });
  top.errors().throw_if_any();
  return spec;
}

SlaSpec load_sla_file(const std::filesystem::path& file) {
  return parse_sla_text(read_config_file(file), file.string());
}

SlaSpec parse_scenario_sla(Fields& scenario_fields, const std::string& scenario_name) {
  return parse_section(scenario_fields, "sla", scenario_name);
}

}  // namespace mapsla
