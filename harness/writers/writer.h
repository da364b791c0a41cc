// Writer drivers make the target map change while readers read it. Each is
// one class behind WriterDriver, registered by name in registry.cpp; the
// runner only calls start(), stop(), failure() and stats().
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/bpf/features.h"
#include "core/util/yaml_fields.h"
#include "harness/target_map.h"
#include "model/scenario.h"
#include "model/version_board.h"
#include "reports/result.h"

namespace mapsla {

struct WriterContext {
  const Scenario& scenario;
  TargetMap& target;
  VersionBoard& board;
  const KernelFeatures& features;
  std::string run_id;
};

class WriterDriver {
 public:
  virtual ~WriterDriver() = default;
  // Starts writing; returns once the writer runs. Throws on setup failure.
  virtual void start() = 0;
  // Stops and joins; idempotent; also called by the destructor of drivers.
  virtual void stop() = 0;
  // Empty when healthy, else why the writer stopped on its own.
  virtual std::string failure() const = 0;
  // Counters and facts for the report (updates, failures by errno, …).
  virtual nlohmann::json stats() const = 0;
};

struct WriterDescriptor {
  std::string name;
  std::string summary;
  std::vector<WriterPattern> patterns;  // patterns this driver can produce
  std::vector<MapKind> kinds;           // map kinds it can write
  // Reads the driver's own fields from the scenario's `writer:` mapping
  // (errors name file and line; each field checked on its own).
  std::function<std::shared_ptr<const WriterOptions>(Fields& fields, const WriterSpec& spec,
                                                     const MapSpec& map)>
      parse;
  std::function<std::unique_ptr<WriterDriver>(const WriterContext& context)> create;
  // Optional: why this driver cannot produce the scenario's pattern on this
  // kernel, in the feature probe's words ("" when it can). The runner then
  // skips the scenario's cells with the reason instead of failing them.
  std::function<std::string(const Scenario& scenario, const KernelFeatures& features)> unavailable;
  // Optional: rejects combinations of the driver's fields with the pattern,
  // the map and the CPUs, at the field concerned (file and line). Called when
  // the file is loaded, only when all of those were read without a mistake.
  std::function<void(Fields& fields, const WriterSpec& spec, const MapSpec& map)> rules;
  // stats() fields that count events (summed over repetitions) and that
  // assert a property (true only when true in every repetition).
  std::vector<std::string> counters;
  std::vector<std::string> flags;
  // Optional: what the writer's combined stats prove (a traffic writer's
  // flows reconciled), for the reports' fault table; stored as the stats'
  // `summary`.
  std::function<EvidenceSummary(const nlohmann::json& stats)> summarize;
};

// A writer's report entry for a run: each repetition has a writer of its own
// (on a map of its own), so this is the last repetition's stats with the
// descriptor's counters summed and flags and-ed over every repetition, and
// each repetition's own stats under `repetitions`.
nlohmann::json combine_writer_stats(const WriterDescriptor& writer,
                                    const std::vector<nlohmann::json>& per_repetition);

class WriterRegistry {
 public:
  void add(WriterDescriptor descriptor);
  const WriterDescriptor* find(const std::string& name) const;
  const std::vector<WriterDescriptor>& all() const { return descriptors_; }
  std::vector<std::string> names() const;

 private:
  std::vector<WriterDescriptor> descriptors_;
};

const WriterRegistry& builtin_writers();

}  // namespace mapsla
