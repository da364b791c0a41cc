#include "harness/scenario_parser.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/util/affinity.h"
#include "harness/faults/fault.h"
#include "harness/phases.h"
#include "harness/writers/writer.h"
#include "model/sla_parser.h"
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

// Each part below reads every field on its own (Fields::check), so all of a
// part's mistakes are reported, not only the first; a rule that needs the
// value of a field that was wrong is not checked (it would only repeat it).
MapSpec parse_map(Fields f) {
  MapSpec map;
  const bool kind_ok =
      f.check([&] { map.kind = *map_kind_from_string(f.one_of("kind", names_of_kinds())); });
  const bool entries_ok =
      f.check([&] { map.entries = static_cast<uint32_t>(f.integer("entries", 1, kMaxEntries)); });
  uint32_t keys = 0;  // absent: as many as entries
  const bool keys_ok =
      f.check([&] { keys = static_cast<uint32_t>(f.integer("keys", 1, kMaxEntries, 0)); });
  map.keys = keys ? keys : map.entries;
  // Writers keep every key of the set present: a map smaller than the set
  // would fail at run time (E2BIG, or evictions an LRU map calls absent).
  if (kind_ok && entries_ok && keys_ok && map.keys > map.entries)
    f.check([&] {
      f.fail("keys", fmt::format("a {} of {} entries cannot hold {} keys (keys ≤ entries)",
                                 to_string(map.kind), map.entries, map.keys));
    });
  f.check([&] {
    map.value_size = static_cast<uint32_t>(f.integer("value_size", 64, 1024, 64));
    if (!is_supported_value_size(map.value_size))
      f.fail("value_size", fmt::format("{} is not one of 64, 256, 1024", map.value_size));
  });
  f.check([&] {
    if (f.has("numa_node")) map.numa_node = static_cast<int>(f.integer("numa_node", 0, 1023));
  });
  f.mark_known("numa_node");
  f.check([&] { f.done(); });
  return map;
}

// `map_ok`: the map part had no mistake, so rules that involve it can be checked.
WriterSpec parse_writer(Fields f, const MapSpec& map, bool map_ok) {
  WriterSpec writer;
  const WriterRegistry& registry = builtin_writers();
  const bool driver_ok = f.check(
      [&] { writer.driver = f.one_of("driver", registry.names(), std::string("test_run")); });
  const WriterDescriptor* driver = driver_ok ? registry.find(writer.driver) : nullptr;
  bool pattern_ok = false;
  if (driver)
    pattern_ok = f.check([&] {
      std::vector<std::string> pattern_names;
      for (WriterPattern p : driver->patterns)
        pattern_names.emplace_back(to_string(p));
      writer.pattern = *writer_pattern_from_string(
          f.one_of("pattern", pattern_names, std::string(to_string(driver->patterns.front()))));
    });
  else
    f.mark_known("pattern");
  if (driver && map_ok)
    f.check([&] {
      if (std::find(driver->kinds.begin(), driver->kinds.end(), map.kind) == driver->kinds.end())
        f.fail("driver", fmt::format("the {} writer cannot write a {} map", writer.driver,
                                     to_string(map.kind)));
    });
  const bool cpus_ok = f.check([&] {
    writer.cpus = f.cpu_list("cpus", std::vector<int>{online_cpus() > 1 ? 1 : 0});
    check_cpus_exist(f, "cpus", writer.cpus);
  });
  const bool rate_ok = f.check([&] {
    if (f.has("rate") && f.yaml()["rate"].IsScalar() && f.yaml()["rate"].Scalar() == "max") {
      f.string("rate");
      writer.rate = 0;
    } else {
      writer.rate = f.integer("rate", 1, 1'000'000'000, 0);
    }
  });
  // The driver's own fields, then its rules across them, the pattern, the map
  // and the CPUs when all of those are right.
  if (driver) {
    f.check([&] { writer.options = driver->parse(f, writer, map); });
    if (driver->rules && pattern_ok && cpus_ok && rate_ok && map_ok)
      f.check([&] { driver->rules(f, writer, map); });
  }
  // Without a valid driver its own fields are unknown: they are not called unknown.
  if (driver) f.check([&] { f.done(); });
  return writer;
}

// A reader entry's strategy fields read under `mode`: the options (null when
// the reading stopped at a mistake) and the mistakes, if any.
struct ReadOptions {
  std::shared_ptr<const ReaderOptions> options;
  std::optional<ConfigError> mistakes;
};

ReadOptions read_options(const ReaderDescriptor& descriptor, const std::string& mode,
                         const Fields& entry) {
  Fields fields = entry.detached();
  ReadOptions out;
  try {
    out.options = descriptor.parse(mode, fields);
    fields.check([&] { fields.done(); });
    fields.errors().throw_if_any();
  } catch (const ConfigError& e) {
    out.mistakes = e;
  }
  return out;
}

ReaderSpec parse_reader(Fields f, const MapSpec& map, bool map_ok) {
  ReaderSpec spec;
  const ReaderRegistry& registry = builtin_readers();
  const ReaderDescriptor* descriptor = nullptr;
  f.check([&] {
    spec.reader = f.string("reader");
    descriptor = registry.find(spec.reader);
    if (!descriptor)
      f.fail("reader", fmt::format("unknown reader '{}' (known: {})", spec.reader,
                                   fmt::join(registry.names(), ", ")));
  });
  bool mode_ok = false;
  if (descriptor)
    // A strategy without a mode list (external) takes any mode string.
    mode_ok = f.check([&] {
      spec.mode = descriptor->modes.empty()
                      ? f.string_or("mode", "")
                      : f.one_of("mode", descriptor->modes, descriptor->modes.front());
    });
  f.check([&] {
    spec.cpus = f.cpu_list("cpus", std::vector<int>{0});
    check_cpus_exist(f, "cpus", spec.cpus);
  });
  f.check([&] {
    if (!f.has("test_slowdown")) return;
    if (descriptor && descriptor->times_itself)
      f.fail("test_slowdown",
             fmt::format("does not apply to {}: it is another program that times its own ops",
                         spec.reader));
    spec.test_slowdown = f.number("test_slowdown", 1.0, 100.0);
  });
  f.mark_known("test_slowdown");
  if (!descriptor) return spec;
  // The rest of the mapping is the strategy's: let it read (and reject) them
  // now, on a copy, so errors surface at load time with their line. When the
  // mode is wrong they are judged under each of the strategy's modes and
  // reported only when none accepts them.
  if (!mode_ok) {
    std::optional<ConfigError> first;
    for (const std::string& mode : descriptor->modes) {
      auto mistakes = read_options(*descriptor, mode, f).mistakes;
      if (!mistakes) {
        first.reset();
        break;
      }
      if (!first) first = std::move(mistakes);
    }
    if (first) f.errors().add(*first);
    return spec;
  }
  ReadOptions read = read_options(*descriptor, spec.mode, f);
  if (read.mistakes) f.errors().add(*read.mistakes);
  // The rules against the map need the options' values: not checked when
  // reading them stopped at a mistake (it would only repeat it).
  if (descriptor->check && read.options && map_ok)
    f.check([&] {
      Fields again = f;
      descriptor->check(*read.options, again, TargetSpec{map.kind, map.value_size, map.entries});
    });
  spec.options = std::move(read.options);
  return spec;
}

std::vector<ReaderSpec> all_readers() {
  std::vector<ReaderSpec> out;
  for (const auto& d : builtin_readers().all())
    for (const auto& mode : d.modes)
      out.push_back({d.name, mode, {0}, 1.0, d.default_options(mode)});
  return out;
}

FaultSpec parse_fault(Fields f) {
  FaultSpec spec;
  const FaultRegistry& registry = builtin_faults();
  const FaultDescriptor* descriptor = nullptr;
  f.check([&] {
    spec.kind = f.string("kind");
    descriptor = registry.find(spec.kind);
    if (!descriptor)
      f.fail("kind", fmt::format("unknown fault '{}' (known: {})", spec.kind,
                                 registry.kinds().empty()
                                     ? std::string("none yet")
                                     : fmt::format("{}", fmt::join(registry.kinds(), ", "))));
  });
  // Without a known kind the other fields cannot be judged.
  if (!descriptor) return spec;
  f.check([&] { spec.options = descriptor->parse(f); });
  f.check([&] { f.done(); });
  return spec;
}

// `phased`: the scenario has a window-scope fault (harness/phases.h).
RunSpec parse_run(Fields f, bool phased) {
  RunSpec run;
  f.check([&] { run.warmup = f.duration("warmup", 0ns, std::chrono::minutes(10), run.warmup); });
  const bool duration_ok = f.check(
      [&] { run.duration = f.duration("duration", 10ms, std::chrono::hours(24), run.duration); });
  f.check([&] {
    run.repetitions = static_cast<int>(f.integer("repetitions", 1, 1000, run.repetitions));
  });
  f.check([&] {
    if (!f.has("phases")) return;
    if (!phased)
      f.fail("phases",
             "only a scenario with a fault that starts and stops within each window "
             "has phases");
    if (duration_ok) run.phases = parse_phases(f.child("phases"), run.duration, f.has("duration"));
  });
  f.mark_known("phases");
  f.check([&] {
    if (f.has("interval"))
      run.interval = f.duration("interval", std::chrono::microseconds(100), std::chrono::hours(1));
  });
  f.mark_known("interval");
  f.check([&] { f.done(); });
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
        f.file(), entry.first.Mark().line + 1, key,
        fmt::format("unknown field{} (known here: {})", hint, fmt::join(kTopLevelFields, ", "))));
  }
}

// Every part and every field is read even when an earlier one is wrong, and
// all the mistakes are reported together in document order (Fields::check).
// Rules of the writer and readers that involve the map are skipped when the
// map itself is wrong, so one mistake does not cascade; their own fields are
// still checked.
Scenario parse_one(Fields f, const fs::path& file) {
  ConfigErrors& errors = f.errors();
  check_top_level_fields(f, errors);
  Scenario s;
  s.file = file;
  f.check([&] { s.name = f.string_or("name", file.stem().string()); });
  f.check([&] { s.description = f.string_or("description", ""); });
  f.check([&] { s.condition = f.string_or("condition", s.name); });
  const size_t before_map = errors.count();
  f.check([&] { s.map = parse_map(f.child("map")); });
  const bool map_ok = errors.count() == before_map;
  f.mark_known("map");
  const size_t before_writer = errors.count();
  f.check([&] {
    if (f.has("writer"))
      s.writer = parse_writer(f.child("writer"), s.map, map_ok);
    else
      f.fail("writer", "is required (use `driver: none` for a map nobody writes)");
  });
  const bool writer_ok = errors.count() == before_writer;
  s.map.spin_lock = s.writer.pattern == WriterPattern::locked;
  const YAML::Node readers = f.yaml()["readers"];
  if (readers && readers.IsScalar() && readers.Scalar() == "all") {
    f.check([&] { f.string("readers"); });
    s.readers = all_readers();
  } else {
    f.check([&] {
      std::vector<Fields> entries = f.child_list("readers");
      for (Fields& r : entries)
        s.readers.push_back(parse_reader(std::move(r), s.map, map_ok));
      if (entries.empty() && f.yaml()["readers"].size() == 0)
        f.fail("readers", "needs at least one reader");
    });
  }
  f.mark_known("writer");
  f.mark_known("readers");
  std::vector<Fields> fault_fields;
  if (f.has("faults"))
    f.check([&] {
      fault_fields = f.child_list("faults");
      for (Fields& fault : fault_fields)
        s.faults.push_back(parse_fault(fault));
    });
  f.mark_known("faults");
  // Rules across a fault and the rest of the scenario, at the fault's `kind`.
  for (size_t i = 0; i < s.faults.size() && map_ok && writer_ok; ++i) {
    const FaultDescriptor* d = builtin_faults().find(s.faults[i].kind);
    if (!d || !d->conflicts || !s.faults[i].options) continue;
    if (std::string why = d->conflicts(s.faults[i], s); !why.empty())
      f.check([&] { fault_fields[i].fail("kind", why); });
  }
  const bool phased = std::any_of(s.faults.begin(), s.faults.end(), [](const FaultSpec& fault) {
    const FaultDescriptor* d = builtin_faults().find(fault.kind);
    return d && d->scope == FaultScope::window;
  });
  if (f.has("run")) f.check([&] { s.run = parse_run(f.child("run"), phased); });
  f.mark_known("run");
  if (phased && !s.run.phases) s.run.phases = PhaseFractions{};
  if (f.has("sla")) f.check([&] { s.sla = parse_scenario_sla(f, s.name); });
  f.mark_known("sla");
  errors.throw_if_any();
  f.done();
  return s;
}

std::vector<Scenario> load_file(const fs::path& file, std::set<fs::path>& stack);

std::vector<Scenario> parse_text(const std::string& text, const fs::path& file,
                                 std::set<fs::path>& stack) {
  auto file_name = std::make_shared<const std::string>(file.string());
  const YAML::Node root = load_config_yaml(text, *file_name);
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
  const std::string text = read_config_file(file);
  stack.insert(canonical);
  auto out = parse_text(text, file, stack);
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

}  // namespace mapsla
