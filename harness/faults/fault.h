// Faults break the environment while readers read. Each is one class behind
// Fault with four steps, and every step's outcome goes into the report as
// evidence of what was actually achieved, not only what was asked:
//
//   start()         apply the fault (qdisc, stress-ng, placement…)
//   verify_active() prove it is in effect; returns the evidence
//   stop()          undo it; idempotent, also run by the destructor
//   verify_gone()   prove nothing of it remains; returns the evidence
//
// A fault that cannot apply on this host (one NUMA node, no sch_netem and no
// fallback) says so from its descriptor's unavailable(), and its cells are
// reported `skipped` with that reason.
//
// One Fault object serves one activation: the runner creates it, calls the
// four steps in order from one thread, and destroys it (window-scope faults
// get a fresh object for every measured window).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bpf/features.h"
#include "core/util/yaml_fields.h"
#include "model/scenario.h"
#include "reports/result.h"

namespace mapsla {

class TargetMap;
class VersionBoard;

struct FaultContext {
  const Scenario& scenario;  // as the runner runs it (after every descriptor's shape())
  const KernelFeatures& features;
  std::string run_id;
  TargetMap* target = nullptr;  // the map under test
  VersionBoard* board = nullptr;
  // Window-scope faults: the reader measured in this window (its CPUs are the
  // natural target of a CPU fault). Null for run-scope faults.
  const ReaderSpec* reader = nullptr;
  // How long the fault is planned to stay active; a fault that spawns a
  // process bounds it by this plus a margin, so nothing outlives a killed run.
  std::chrono::nanoseconds active_for{0};
};

// Where a fault sits in time:
//   window  started after each window's `before` phase and stopped before its
//           `after` phase (run.phases), so each cell shows before/during/after;
//   run     in effect for the whole scenario, from before the map is created
//           (placement such as cross-NUMA): compared against another
//           condition (the `baseline` of the matrix), never phased.
enum class FaultScope { window, run };

// Thrown by start() or verify_active() when the host turns out unable to
// produce the fault (stress-ng exits 3 or 4): the cell is `skipped` with
// what() as the reason, not `failed`.
class FaultUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Fault {
 public:
  virtual ~Fault() = default;
  virtual std::string kind() const = 0;
  virtual void start() = 0;
  virtual nlohmann::json verify_active() = 0;
  virtual void stop() = 0;
  virtual nlohmann::json verify_gone() = 0;
};

struct FaultDescriptor {
  std::string kind;
  std::string summary;
  std::function<std::shared_ptr<const FaultOptions>(Fields& fields)> parse;
  // Empty when the fault can apply here, else the reason it cannot.
  std::function<std::string(const FaultSpec& spec, const KernelFeatures& features)> unavailable;
  std::function<std::unique_ptr<Fault>(const FaultSpec& spec, const FaultContext& context)> create;
  FaultScope scope = FaultScope::window;
  // Optional: adjusts the scenario before anything is created (the map's
  // NUMA node, the readers' CPUs). Called only when unavailable() is empty.
  std::function<void(const FaultSpec& spec, Scenario& scenario)> shape;
  // Optional: why the fault cannot go with the rest of the scenario (its map,
  // its writer), empty when it can. Checked when the file is loaded, so the
  // mistake is FILE:LINE and exit 2, not a failed cell.
  std::function<std::string(const FaultSpec& spec, const Scenario& scenario)> conflicts;
  // What one activation achieved, from its evidence (`active`, `gone`: a
  // window's object of details.faults[n].windows, or a run fault's own), for
  // the reports' fault table. Stored beside the evidence as `summary`.
  std::function<EvidenceSummary(const nlohmann::json& evidence)> summarize;
};

class FaultRegistry {
 public:
  void add(FaultDescriptor descriptor);
  const FaultDescriptor* find(const std::string& kind) const;
  const std::vector<FaultDescriptor>& all() const { return descriptors_; }
  std::vector<std::string> kinds() const;

 private:
  std::vector<FaultDescriptor> descriptors_;
};

const FaultRegistry& builtin_faults();

}  // namespace mapsla
