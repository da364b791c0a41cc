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
// fallback) says so from applies(), and its cells are reported `skipped`
// with that reason.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/bpf/features.h"
#include "harness/scenario.h"
#include "harness/util/yaml_fields.h"

namespace mapsla {

class TargetMap;

struct FaultContext {
  const Scenario& scenario;
  const KernelFeatures& features;
  std::string run_id;
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
