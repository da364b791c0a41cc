// The runner: for one scenario, measure every applicable reader for the
// scenario's repetitions (readers interleaved within each repetition, so a
// slow drift of the machine spreads over all of them), each in a thread
// pinned to its CPUs, with a warm-up before each measured window. Each
// repetition creates, prefills and pins a target map of its own and starts a
// writer and the run-scope faults on it, so repetitions are independent
// replicates (a new hash seed and new memory each time), not windows on one
// map instance.
//
// Faults (harness/faults/fault.h) and writers: one that cannot apply here
// (the feature probe found what it needs missing) makes every cell of the
// scenario `skipped` with the probe's reason; the others first shape the scenario
// (descriptor shape()), then run-scope faults are started once a repetition's
// map and writer run and hold for its windows, while window-scope faults are
// started and stopped inside each window, which is then split into
// before/during/after phases (harness/measure_window.h). Every cell records
// each fault's evidence (details.faults); a FaultUnavailable thrown at run
// time makes the cell `skipped`, any other fault error `failed`.
//
// Nothing here knows a particular reader, writer or fault: they come from
// their registries. Everything created is owned by RAII objects, so an
// exception or a stop signal unwinds it all (faults are stopped and their
// processes reaped before the window's reader thread is joined).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/bpf/bpffs.h"
#include "core/bpf/features.h"
#include "harness/live_counters.h"
#include "harness/window_progress.h"
#include "model/scenario.h"
#include "reports/result.h"

namespace mapsla {

// Told about each measured window; the CLI prints progress and exports live
// metrics from it. Every call comes from the thread that called Runner::run;
// window_progress about every kProgressInterval while a window runs, and
// once more with the window's final counts just before window_finished.
class RunObserver {
 public:
  static constexpr std::chrono::milliseconds kProgressInterval = kWindowProgressInterval;
  virtual ~RunObserver() = default;
  virtual void window_started(const Scenario&, const CellResult&, int /*repetition*/) {}
  virtual void window_progress(const Scenario&, const CellResult&, const WindowProgress&) {}
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

  // One cell per reader entry of the scenario, in named stages: decide
  // whether the scenario can run here (faults, writer), shape it, plan the
  // cells (readers that cannot apply are not_applicable), plan the faults by
  // scope; then per repetition open and pin a target, attach the readers,
  // start the writer and the run-scope faults, measure each reader once;
  // then collect the details. Throws
  // PrivilegeError (harness/failure.h) only when this process lacks a
  // capability (the run cannot go on); every other failure is recorded in
  // the cells it affects, classified by harness/failure.h.
  std::vector<CellResult> run(const Scenario& scenario);

 private:
  RunContext context_;
};

}  // namespace mapsla
