// The scenario model: what to create, write, break and read, and for how long.
// Parsed from YAML by scenario_parser.h; every field is documented in
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

#include "harness/bpf/map.h"
#include "harness/bpf/oracle_record.h"
#include "harness/util/yaml_fields.h"

namespace mapsla {

struct MapSpec {
  MapKind kind = MapKind::array;
  uint32_t entries = 65536;      // max_entries
  uint32_t keys = 65536;         // the key set 0..keys-1 that writers keep present
  uint32_t value_size = 64;      // 64, 256 or 1024
  std::optional<int> numa_node;  // BPF_F_NUMA_NODE
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

struct ReaderSpec {
  std::string reader;  // registry name
  std::string mode;
  std::vector<int> cpus = {0};
  std::optional<Fields> options;  // the strategy's own fields, re-read at creation
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

struct RunSpec {
  std::chrono::nanoseconds warmup = std::chrono::milliseconds(200);
  std::chrono::nanoseconds duration = std::chrono::seconds(2);
  int repetitions = 1;
};

struct Scenario {
  std::string name;
  std::string description;
  std::filesystem::path file;
  MapSpec map;
  WriterSpec writer;
  std::vector<ReaderSpec> readers;
  std::vector<FaultSpec> faults;
  RunSpec run;
};

// Overrides from the command line, applied after parsing.
struct ScenarioOverrides {
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<std::chrono::nanoseconds> warmup;
  std::optional<int> repetitions;
};
void apply_overrides(Scenario& scenario, const ScenarioOverrides& overrides);

nlohmann::json to_json(const Scenario& scenario);

}  // namespace mapsla
