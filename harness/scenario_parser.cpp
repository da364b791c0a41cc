#include "harness/scenario_parser.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/faults/fault.h"
#include "harness/phases.h"
#include "harness/sla_parser.h"
#include "harness/util/affinity.h"
#include "harness/writers/writer.h"
#include "readers/registry.h"

namespace mapsla {
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kMaxEntries = 1u << 24;

std::vector<std::string> names_of_kinds() {
  std::vector<std::string> out;
  for (MapKind k : kAllMapKinds)
    out.emplace_back(to_string(k));
  return out;
}

void check_cpus_exist(Fields& fields, const std::string& key, const std::vector<int>& cpus) {
  const int online = online_cpus();
  for (int cpu : cpus)
    if (cpu >= online)
      fields.fail(key,
                  fmt::format("CPU {} does not exist here (online CPUs: 0-{})", cpu, online - 1));
}

MapSpec parse_map(Fields f) {
  MapSpec map;
  map.kind = *map_kind_from_string(f.one_of("kind", names_of_kinds()));
  map.entries = static_cast<uint32_t>(f.integer("entries", 1, kMaxEntries));
  map.keys = static_cast<uint32_t>(f.integer("keys", 1, kMaxEntries, map.entries));
  // Writers keep every key of the set present: a map smaller than the set
  // would fail at run time (E2BIG, or evictions an LRU map calls absent).
  if (map.keys > map.entries)
    f.fail("keys", fmt::format("a {} of {} entries cannot hold {} keys (keys ≤ entries)",
                               to_string(map.kind), map.entries, map.keys));
  map.value_size = static_cast<uint32_t>(f.integer("value_size", 64, 1024, 64));
  if (!is_supported_value_size(map.value_size))
    f.fail("value_size", fmt::format("{} is not one of 64, 256, 1024", map.value_size));
  if (f.has("numa_node")) map.numa_node = static_cast<int>(f.integer("numa_node", 0, 1023));
  f.done();
  return map;
}

WriterSpec parse_writer(Fields f, const MapSpec& map) {
  WriterSpec writer;
  const WriterRegistry& registry = builtin_writers();
  writer.driver = f.one_of("driver", registry.names(), std::string("test_run"));
  const WriterDescriptor& driver = *registry.find(writer.driver);
  std::vector<std::string> pattern_names;
  for (WriterPattern p : driver.patterns)
    pattern_names.emplace_back(to_string(p));
  writer.pattern = *writer_pattern_from_string(
      f.one_of("pattern", pattern_names, std::string(to_string(driver.patterns.front()))));
  if (std::find(driver.kinds.begin(), driver.kinds.end(), map.kind) == driver.kinds.end())
    f.fail("driver",
           fmt::format("the {} writer cannot write a {} map", writer.driver, to_string(map.kind)));
  writer.cpus = f.cpu_list("cpus", std::vector<int>{online_cpus() > 1 ? 1 : 0});
  check_cpus_exist(f, "cpus", writer.cpus);
  if (f.has("rate") && f.yaml()["rate"].IsScalar() && f.yaml()["rate"].Scalar() == "max") {
    f.string("rate");
    writer.rate = 0;
  } else {
    writer.rate = f.integer("rate", 1, 1'000'000'000, 0);
  }
  writer.options = driver.parse(f, writer, map);
  f.done();
  return writer;
}

ReaderSpec parse_reader(Fields f, const MapSpec& map) {
  ReaderSpec spec;
  const ReaderRegistry& registry = builtin_readers();
  spec.reader = f.string("reader");
  const ReaderDescriptor* descriptor = registry.find(spec.reader);
  if (!descriptor)
    f.fail("reader", fmt::format("unknown reader '{}' (known: {})", spec.reader,
                                 fmt::join(registry.names(), ", ")));
  // A strategy without a mode list (external) takes any mode string.
  spec.mode = descriptor->modes.empty()
                  ? f.string_or("mode", "")
                  : f.one_of("mode", descriptor->modes, descriptor->modes.front());
  spec.cpus = f.cpu_list("cpus", std::vector<int>{0});
  check_cpus_exist(f, "cpus", spec.cpus);
  if (f.has("test_slowdown")) {
    if (descriptor->times_itself)
      f.fail("test_slowdown",
             fmt::format("does not apply to {}: it is another program that times its own ops",
                         spec.reader));
    spec.test_slowdown = f.number("test_slowdown", 1.0, 100.0);
  }
  // The rest of the mapping is the strategy's: let it read (and reject) them
  // now, on a copy, so errors surface at load time with their line.
  Fields options = f;
  descriptor->create(spec.mode, options);
  options.done();
  if (descriptor->check) {
    Fields again = f;
    descriptor->check(again, TargetSpec{map.kind, map.value_size, map.entries});
  }
  spec.options = f;
  return spec;
}

std::vector<ReaderSpec> all_readers() {
  std::vector<ReaderSpec> out;
  for (const auto& d : builtin_readers().all())
    for (const auto& mode : d.modes)
      out.push_back({d.name, mode, {0}, 1.0, std::nullopt});
  return out;
}

FaultSpec parse_fault(Fields f) {
  FaultSpec spec;
  const FaultRegistry& registry = builtin_faults();
  spec.kind = f.string("kind");
  const FaultDescriptor* descriptor = registry.find(spec.kind);
  if (!descriptor)
    f.fail("kind", fmt::format("unknown fault '{}' (known: {})", spec.kind,
                               registry.kinds().empty()
                                   ? std::string("none yet")
                                   : fmt::format("{}", fmt::join(registry.kinds(), ", "))));
  spec.options = descriptor->parse(f);
  f.done();
  return spec;
}

// `phased`: the scenario has a window-scope fault (harness/phases.h).
RunSpec parse_run(Fields f, bool phased) {
  RunSpec run;
  run.warmup = f.duration("warmup", 0ns, std::chrono::minutes(10), run.warmup);
  run.duration = f.duration("duration", 10ms, std::chrono::hours(24), run.duration);
  run.repetitions = static_cast<int>(f.integer("repetitions", 1, 1000, run.repetitions));
  if (f.has("phases")) {
    if (!phased)
      f.fail("phases",
             "only a scenario with a fault that starts and stops within each window "
             "has phases");
    run.phases = parse_phases(f.child("phases"), run.duration, f.has("duration"));
  }
  if (f.has("interval"))
    run.interval = f.duration("interval", std::chrono::microseconds(100), std::chrono::hours(1));
  f.done();
  return run;
}

// The fields a scenario's top level may have, and where the run settings
// that users most often put there by mistake belong.
const std::set<std::string> kTopLevelFields = {"name",   "description", "condition", "map",
                                               "writer", "readers",     "faults",    "run",
                                               "sla",    "include"};
const std::set<std::string> kRunFields = {"duration", "warmup", "repetitions", "interval",
                                          "phases"};

// Unknown top-level fields, each with its line (a misplaced run setting says
// where it belongs).
void check_top_level_fields(const Fields& f, ConfigErrors& errors) {
  for (const auto& entry : f.yaml()) {
    const std::string key = f.key_name(entry.first);
    if (kTopLevelFields.contains(key)) continue;
    const std::string hint =
        kRunFields.contains(key) ? fmt::format(" ('{}' belongs under run:)", key) : std::string();
    errors.add(ConfigError(
        f.file(), f.line_of(key), key,
        fmt::format("unknown field{} (known here: {})", hint, fmt::join(kTopLevelFields, ", "))));
  }
}

// Every independent part is parsed even when an earlier one is wrong, and
// all their mistakes are reported together in document order (within one
// part, the first). Parts that depend on the map (writer, readers) are
// skipped when the map itself is wrong, so one mistake does not cascade.
Scenario parse_one(Fields f, const fs::path& file) {
  ConfigErrors errors;
  check_top_level_fields(f, errors);
  Scenario s;
  s.file = file;
  errors.attempt([&] {
    s.name = f.string_or("name", file.stem().string());
    s.description = f.string_or("description", "");
    s.condition = f.string_or("condition", s.name);
  });
  const bool map_ok = errors.attempt([&] { s.map = parse_map(f.child("map")); });
  f.mark_known("map");
  if (map_ok) {
    errors.attempt([&] {
      if (f.has("writer"))
        s.writer = parse_writer(f.child("writer"), s.map);
      else
        f.fail("writer", "is required (use `driver: none` for a map nobody writes)");
    });
    s.map.spin_lock = s.writer.pattern == WriterPattern::locked;
    const YAML::Node readers = f.yaml()["readers"];
    if (readers && readers.IsScalar() && readers.Scalar() == "all") {
      errors.attempt([&] { f.string("readers"); });
      s.readers = all_readers();
    } else {
      errors.attempt([&] {
        std::vector<Fields> entries = f.child_list("readers");
        for (Fields& r : entries)
          errors.attempt([&] { s.readers.push_back(parse_reader(std::move(r), s.map)); });
        if (entries.empty()) f.fail("readers", "needs at least one reader");
      });
    }
  }
  f.mark_known("writer");
  f.mark_known("readers");
  if (f.has("faults"))
    errors.attempt([&] {
      for (Fields& fault : f.child_list("faults"))
        errors.attempt([&] { s.faults.push_back(parse_fault(std::move(fault))); });
    });
  f.mark_known("faults");
  const bool phased = std::any_of(s.faults.begin(), s.faults.end(), [](const FaultSpec& fault) {
    return builtin_faults().find(fault.kind)->scope == FaultScope::window;
  });
  if (f.has("run")) errors.attempt([&] { s.run = parse_run(f.child("run"), phased); });
  f.mark_known("run");
  if (phased && !s.run.phases) s.run.phases = PhaseFractions{};
  if (f.has("sla")) errors.attempt([&] { s.sla = parse_scenario_sla(f, s.name); });
  f.mark_known("sla");
  errors.throw_if_any();
  f.done();
  return s;
}

std::vector<Scenario> load_file(const fs::path& file, std::set<fs::path>& stack);

std::vector<Scenario> parse_text(const std::string& text, const fs::path& file,
                                 std::set<fs::path>& stack) {
  auto file_name = std::make_shared<const std::string>(file.string());
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(*file_name, e.mark.line + 1, "(yaml)", e.msg);
  }
  if (!root.IsMap()) throw ConfigError(*file_name, 1, "(document)", "expected a mapping of fields");
  Fields top(root, file_name, "");
  if (!top.has("include")) {
    Scenario scenario = parse_one(top, file);
    scenario.source = text;
    return {std::move(scenario)};
  }

  top.string_or("name", "");
  top.string_or("description", "");
  const YAML::Node list = top.node("include");
  if (!list.IsSequence() || list.size() == 0)
    top.fail("include", "expected a list of scenario files");
  std::vector<Scenario> out;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].IsScalar())
      throw ConfigError(*file_name, list[i].Mark().line + 1, fmt::format("include[{}]", i),
                        "expected a file name");
    const fs::path included = file.parent_path() / list[i].Scalar();
    std::error_code ec;
    if (!fs::exists(included, ec))
      throw ConfigError(*file_name, list[i].Mark().line + 1, fmt::format("include[{}]", i),
                        fmt::format("{} does not exist", included.string()));
    for (auto& s : load_file(included, stack))
      out.push_back(std::move(s));
  }
  top.done();
  return out;
}

std::vector<Scenario> load_file(const fs::path& file, std::set<fs::path>& stack) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  if (stack.count(canonical)) throw ConfigError(file.string(), 1, "include", "includes itself");
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string(), 0, "(file)", "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  stack.insert(canonical);
  auto out = parse_text(text.str(), file, stack);
  stack.erase(canonical);
  return out;
}

}  // namespace

std::vector<Scenario> load_scenarios(const fs::path& file) {
  std::set<fs::path> stack;
  return load_file(file, stack);
}

std::vector<Scenario> parse_scenarios(const std::string& yaml_text, const std::string& file) {
  std::set<fs::path> stack;
  return parse_text(yaml_text, file, stack);
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
