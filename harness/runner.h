// The runner: for one scenario, create the target map, prefill it, start the
// writer and the faults, and measure every applicable reader for the
// scenario's repetitions (readers interleaved within each repetition, so a
// slow drift of the machine spreads over all of them), each in a thread
// pinned to its CPUs, with a warm-up before each measured window.
//
// Nothing here knows a particular reader, writer or fault: they come from
// their registries. Everything created is owned by RAII objects, so an
// exception or a stop signal unwinds it all.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/bpf/bpffs.h"
#include "harness/bpf/features.h"
#include "harness/scenario.h"
#include "reports/result.h"

namespace mapsla {

// Told about each measured window; the CLI prints progress from it.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void window_started(const Scenario&, const CellResult&, int /*repetition*/) {}
  virtual void window_finished(const Scenario&, const CellResult&, const RepetitionResult&) {}
};

struct RunContext {
  std::string run_id;
  const KernelFeatures* features = nullptr;
  PinDir* pins = nullptr;
  RunObserver* observer = nullptr;
};

class Runner {
 public:
  explicit Runner(RunContext context) : context_(std::move(context)) {}

  // One cell per reader entry of the scenario. Throws BpfError only for a
  // missing privilege (the run cannot go on); every other failure is
  // recorded in the cells it affects.
  std::vector<CellResult> run(const Scenario& scenario);

 private:
  RunContext context_;
};

}  // namespace mapsla
