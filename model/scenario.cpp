#include "model/scenario.h"

namespace mapsla {

nlohmann::json to_json(const PhaseFractions& f) {
  return {{"before", f.before}, {"during", f.during}, {"after", f.after}};
}

void apply_overrides(Scenario& s, const ScenarioOverrides& o) {
  if (o.duration) s.run.duration = *o.duration;
  if (o.warmup) s.run.warmup = *o.warmup;
  if (o.repetitions) s.run.repetitions = *o.repetitions;
  if (o.interval) s.run.interval = *o.interval;
}

nlohmann::json to_json(const Scenario& s) {
  nlohmann::json readers = nlohmann::json::array();
  for (const auto& r : s.readers)
    readers.push_back({{"reader", r.reader}, {"mode", r.mode}, {"cpus", r.cpus}});
  nlohmann::json faults = nlohmann::json::array();
  for (const auto& f : s.faults)
    faults.push_back({{"kind", f.kind},
                      {"options", f.options ? f.options->to_json() : nlohmann::json::object()}});
  nlohmann::json map = {{"kind", std::string(to_string(s.map.kind))},
                        {"entries", s.map.entries},
                        {"keys", s.map.keys},
                        {"value_size", s.map.value_size}};
  if (s.map.numa_node) map["numa_node"] = *s.map.numa_node;
  if (s.map.spin_lock) map["spin_lock"] = true;
  nlohmann::json run = {{"warmup_ns", s.run.warmup.count()},
                        {"duration_ns", s.run.duration.count()},
                        {"repetitions", s.run.repetitions}};
  if (s.run.phases) run["phases"] = to_json(*s.run.phases);
  if (s.run.interval) run["interval_ns"] = s.run.interval->count();
  return {
      {"name", s.name},
      {"description", s.description},
      {"condition", s.condition},
      {"map", map},
      {"writer",
       {{"driver", s.writer.driver},
        {"pattern", std::string(to_string(s.writer.pattern))},
        {"cpus", s.writer.cpus},
        {"rate", s.writer.rate},
        {"options", s.writer.options ? s.writer.options->to_json() : nlohmann::json::object()}}},
      {"readers", readers},
      {"faults", faults},
      {"run", run}};
}

}  // namespace mapsla
