// The scenario model: what to create, write, break and read, and for how long.
// Parsed from YAML by harness/scenario_parser.h; every field is documented in
// docs/scenarios.md.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bpf/map.h"
#include "core/bpf/oracle_record.h"
#include "core/util/yaml_fields.h"
#include "model/sla_spec.h"

namespace mapsla {

struct MapSpec {
  MapKind kind = MapKind::array;
  uint32_t entries = 65536;      // max_entries
  uint32_t keys = 65536;         // the key set 0..keys-1 that writers keep present
  uint32_t value_size = 64;      // 64, 256 or 1024
  std::optional<int> numa_node;  // BPF_F_NUMA_NODE
  // Values start with a bpf_spin_lock header (bpf/record.h) and the map is
  // created with BTF describing it; the parser sets it for the locked pattern.
  bool spin_lock = false;
};

// Driver-specific writer options (test_run's keys_per_run, traffic's pps…).
struct WriterOptions {
  virtual ~WriterOptions() = default;
  virtual nlohmann::json to_json() const = 0;
};

struct WriterSpec {
  std::string driver = "test_run";  // "none": no writer runs during the reads
  WriterPattern pattern = WriterPattern::inplace;
  std::vector<int> cpus = {1};
  uint64_t rate = 0;  // updates per second over all writer CPUs; 0 = as fast as possible
  std::shared_ptr<const WriterOptions> options;
};

struct ReaderOptions;  // readers/registry.h

struct ReaderSpec {
  std::string reader;  // registry name
  std::string mode;
  std::vector<int> cpus = {0};
  // Test-only: every timed op of a built-in reader takes this many times as
  // long (ReadBlock::set_slowdown), to measure what `mapsla compare` detects.
  double test_slowdown = 1.0;
  // The strategy's own fields, read when the file was loaded (its descriptor's
  // parse()); the registry's create() builds the reader from them.
  std::shared_ptr<const ReaderOptions> options;
};

// A fault's own options (packet loss percent, stress-ng method…).
struct FaultOptions {
  virtual ~FaultOptions() = default;
  virtual nlohmann::json to_json() const = 0;
};

struct FaultSpec {
  std::string kind;
  std::shared_ptr<const FaultOptions> options;
};

// Shares of a measured window given to the phases of a fault scenario.
struct PhaseFractions {
  double before = 0.25;
  double during = 0.5;
  double after = 0.25;
};
nlohmann::json to_json(const PhaseFractions& fractions);

struct RunSpec {
  std::chrono::nanoseconds warmup = std::chrono::milliseconds(200);
  std::chrono::nanoseconds duration = std::chrono::seconds(2);
  // Windows per reader; 3 by default so every figure has a spread (min–max)
  // and a median that one disturbed window cannot move.
  int repetitions = 3;
  // Scenarios with window-scope faults split each measured window into
  // before/during/after phases (harness/phases.h); shares of `duration`.
  std::optional<PhaseFractions> phases;
  // Open-loop mode: a pass is due every `interval` (harness/open_loop.h).
  std::optional<std::chrono::nanoseconds> interval;
};

struct Scenario {
  std::string name;
  std::string description;
  std::filesystem::path file;
  std::string condition;  // the matrix column (`condition:`, default: the name)
  MapSpec map;
  WriterSpec writer;
  std::vector<ReaderSpec> readers;
  std::vector<FaultSpec> faults;
  RunSpec run;
  SlaSpec sla;  // `sla:`: thresholds on this scenario's cells (model/sla_parser.h)
  // The YAML text of the file that defined it, embedded in reports so that
  // `mapsla reproduce` works after the file moved or changed.
  std::string source;
};

// Overrides from the command line, applied after parsing.
struct ScenarioOverrides {
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<std::chrono::nanoseconds> warmup;
  std::optional<int> repetitions;
  std::optional<std::chrono::nanoseconds> interval;
};
void apply_overrides(Scenario& scenario, const ScenarioOverrides& overrides);

nlohmann::json to_json(const Scenario& scenario);

}  // namespace mapsla
