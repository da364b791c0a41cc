// The faults of one scenario as RAII objects, by scope (harness/faults/fault.h):
//
//   RunScopeFaults  started once the map and the writer run, held for every
//                   window, stopped and verified gone when the scenario ends;
//   WindowFaults    started when one window's `before` phase ends, stopped and
//                   verified gone when its `during` phase ends.
//
// Both record each fault's evidence (active, gone, or the error) for the
// report, stop in reverse order of starting, and never throw from stop():
// the destructor is the guarantee that a fault is undone on every path,
// exceptions and stop signals included. Errors name the fault; a
// FaultUnavailable stays one (its cells are skipped), a privilege error
// propagates (harness/failure.h), anything else is a failure of the cells.
#pragma once

#include <nlohmann/json.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/failure.h"
#include "harness/faults/fault.h"

namespace mapsla {

class RunScopeFaults {
 public:
  // `indices` into scenario.faults; `details[i]` receives the i-th fault's evidence.
  RunScopeFaults(const Scenario& scenario, std::vector<size_t> indices, FaultContext context,
                 nlohmann::json& details);
  ~RunScopeFaults() { stop(); }
  RunScopeFaults(const RunScopeFaults&) = delete;
  RunScopeFaults& operator=(const RunScopeFaults&) = delete;

  // Starts and verifies each fault; the first one that fails ends the start
  // and is returned classified (skipped or failed, reason naming the fault).
  // Privilege errors propagate.
  std::optional<Classified> start();
  // Stops every started fault and verifies it gone; returns one reason per
  // fault that failed to stop or to prove itself gone. Idempotent.
  std::vector<std::string> stop() noexcept;

 private:
  const Scenario& scenario_;
  std::vector<size_t> indices_;
  FaultContext context_;
  nlohmann::json& details_;
  std::vector<std::unique_ptr<Fault>> started_;
};

class WindowFaults {
 public:
  WindowFaults(const Scenario& scenario, const std::vector<size_t>& indices, FaultContext context,
               int repetition);
  ~WindowFaults() { stop(); }
  WindowFaults(const WindowFaults&) = delete;
  WindowFaults& operator=(const WindowFaults&) = delete;

  void start();
  void verify();
  // Never throws: the first failure is kept for rethrow_failure().
  void stop() noexcept;
  void rethrow_failure() const;
  // True once a fault failed to start, verify or stop: a window that ends in
  // an error then ended because of a fault, not the reader.
  bool failed() const { return failed_ || failure_ != nullptr; }
  // Evidence of the n-th window-scope fault.
  const nlohmann::json& evidence(size_t n) const { return evidence_[n]; }

 private:
  const Scenario& scenario_;
  const std::vector<size_t>& indices_;
  FaultContext context_;
  std::vector<std::unique_ptr<Fault>> faults_;
  std::vector<nlohmann::json> evidence_;
  std::exception_ptr failure_;
  bool failed_ = false;
};

}  // namespace mapsla
