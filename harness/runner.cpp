#include "harness/runner.h"

#include <cctype>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "core/util/affinity.h"
#include "core/util/signals.h"
#include "harness/failure.h"
#include "harness/faults/fault.h"
#include "harness/measure_window.h"
#include "harness/oracle.h"
#include "harness/phases.h"
#include "harness/run_faults.h"
#include "harness/target_map.h"
#include "harness/writers/writer.h"
#include "readers/registry.h"

namespace mapsla {
namespace {

// A cell that will be measured: its reader and, once attached, its oracle.
struct Slot {
  const ReaderSpec* spec = nullptr;
  std::unique_ptr<Reader> reader;
  std::unique_ptr<Oracle> oracle;
  size_t cell = 0;
  bool attached = false;
};

struct CellPlan {
  std::vector<CellResult> cells;
  std::vector<Slot> slots;  // the applicable cells
};

// The scenario's faults by scope, and what the report says of each.
struct FaultPlan {
  std::vector<size_t> run, window;  // indices into scenario.faults
  nlohmann::json details = nlohmann::json::array();
};

std::string pin_name(const std::string& scenario) {
  std::string out;
  for (char c : scenario)
    out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out + "_target";
}

// Sets every cell still `ok` to `status` with `why`.
void close_open_cells(std::vector<CellResult>& cells, CellStatus status, const std::string& why) {
  for (auto& cell : cells) {
    if (cell.status == CellStatus::ok) {
      cell.status = status;
      cell.reason = why;
    }
  }
}

CellStatus status_of(FailureKind kind) {
  switch (kind) {
    case FailureKind::not_applicable:
      return CellStatus::not_applicable;
    case FailureKind::skipped:
      return CellStatus::skipped;
    default:
      return CellStatus::failed;
  }
}

// Stage 1: why the scenario cannot run here at all ("" when it can): a fault
// or the writer needs what the feature probe found missing.
std::string unavailable_here(const Scenario& scenario, const KernelFeatures& features) {
  for (const FaultSpec& fault : scenario.faults) {
    const std::string why = builtin_faults().find(fault.kind)->unavailable(fault, features);
    if (!why.empty()) return fmt::format("{}: {}", fault.kind, why);
  }
  const WriterDescriptor& writer = *builtin_writers().find(scenario.writer.driver);
  if (writer.unavailable) {
    const std::string why = writer.unavailable(scenario, features);
    if (!why.empty()) return fmt::format("writer {}: {}", scenario.writer.driver, why);
  }
  return {};
}

// Stage 2: the scenario as its faults shape it (a map on another NUMA node,
// readers moved).
Scenario shaped(const Scenario& requested) {
  Scenario scenario = requested;
  for (const FaultSpec& fault : requested.faults)
    if (const auto& shape = builtin_faults().find(fault.kind)->shape) shape(fault, scenario);
  return scenario;
}

// Stage 3: one cell per reader entry; readers that cannot apply to this
// target on this kernel are not_applicable with the reason.
CellPlan plan_cells(const Scenario& scenario, const KernelFeatures& features) {
  CellPlan plan;
  const TargetSpec target_spec{
      scenario.map.kind,       scenario.map.value_size,          scenario.map.entries,
      scenario.writer.pattern, scenario.writer.driver != "none", &features};
  for (const ReaderSpec& spec : scenario.readers) {
    const ReaderDescriptor& descriptor = *builtin_readers().find(spec.reader);
    std::unique_ptr<Reader> reader = descriptor.create(
        spec.mode, spec.options ? *spec.options : *descriptor.default_options(spec.mode));
    CellResult cell{scenario.name, std::string(reader->name()), std::string(reader->mode())};
    cell.condition = scenario.condition.empty() ? scenario.name : scenario.condition;
    cell.settings = reader->settings();
    cell.settings.emplace_back("cpus", format_cpu_list(spec.cpus));
    if (spec.test_slowdown != 1.0)
      cell.settings.emplace_back("test_slowdown", fmt::format("{:g}", spec.test_slowdown));
    const Applicability applicability = reader->applies_to(target_spec);
    if (!applicability.applicable) {
      cell.status = CellStatus::not_applicable;
      cell.reason = applicability.reason;
    } else {
      plan.slots.push_back({&spec, std::move(reader), nullptr, plan.cells.size()});
    }
    plan.cells.push_back(std::move(cell));
  }
  return plan;
}

// Stage 4: faults by scope.
FaultPlan plan_faults(const Scenario& scenario) {
  FaultPlan plan;
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    const FaultSpec& spec = scenario.faults[i];
    const bool window = builtin_faults().find(spec.kind)->scope == FaultScope::window;
    (window ? plan.window : plan.run).push_back(i);
    plan.details.push_back(
        {{"kind", spec.kind},
         {"scope", window ? "window" : "run"},
         {"requested", spec.options ? spec.options->to_json() : nlohmann::json::object()}});
  }
  return plan;
}

// Stage 5: attach every reader; one that cannot attach fails (or is
// not_applicable for) its own cell only.
void attach_readers(CellPlan& plan, const ReadTarget& target, const VersionBoard& board) {
  for (Slot& slot : plan.slots) {
    try {
      slot.reader->attach(target);
      slot.attached = true;
      slot.oracle = std::make_unique<Oracle>(target, board, slot.reader->entries_per_block());
      slot.oracle->block().set_slowdown(slot.spec->test_slowdown);
    } catch (const std::exception& e) {
      const Classified c = classify_current(e);
      CellResult& cell = plan.cells[slot.cell];
      cell.status = status_of(c.kind);
      cell.reason = fmt::format("attach: {}", c.reason);
    }
  }
}

// Pins the target for readers that open it by path; unpins on destruction.
class TargetPin {
 public:
  TargetPin(PinDir* pins, int fd, const std::string& scenario) : pins_(pins) {
    if (pins_) path_ = pins_->pin(fd, pin_name(scenario));
  }
  ~TargetPin() {
    if (pins_ && path_) pins_->unpin(*path_);
  }
  TargetPin(const TargetPin&) = delete;
  TargetPin& operator=(const TargetPin&) = delete;
  std::string path() const { return path_ ? path_->string() : std::string(); }

 private:
  PinDir* pins_;
  std::optional<std::filesystem::path> path_;
};

// The repetitions of one scenario (readers interleaved within each), each
// window's fault evidence, and at the end the details of every cell.
class Repetitions {
 public:
  Repetitions(const RunContext& run, const Scenario& scenario, CellPlan& plan,
              const FaultPlan& faults)
      : run_(run),
        scenario_(scenario),
        plan_(plan),
        faults_(faults),
        durations_(
            split_window(scenario.run.duration, scenario.run.phases.value_or(PhaseFractions{}))),
        window_evidence_(plan.cells.size() * faults.window.size(), nlohmann::json::array()) {}

  // One window per attached reader whose cell is still ok.
  void run_one(int rep, const FaultContext& context, const VersionBoard& board,
               WriterDriver& writer) {
    for (Slot& slot : plan_.slots) {
      CellResult& cell = plan_.cells[slot.cell];
      if (!slot.attached || cell.status != CellStatus::ok || stop_requested()) continue;
      measure(slot, cell, rep, context, board);
      if (std::string why = writer.failure(); !why.empty()) {
        close_open_cells(plan_.cells, CellStatus::failed, "writer failed: " + why);
        return;
      }
    }
  }

  // Per cell: what the reader computed, the writer's counters, each fault's evidence.
  void collect_details(const nlohmann::json& writer_stats) {
    const size_t per_cell = faults_.window.size();
    for (Slot& slot : plan_.slots) {
      CellResult& cell = plan_.cells[slot.cell];
      for (const auto& [name, value] : slot.reader->figures())
        cell.details["reader"][name] = value;
      cell.details["writer"] = writer_stats;
      if (faults_.details.empty()) continue;
      nlohmann::json faults = faults_.details;
      for (size_t n = 0; n < per_cell; ++n)
        faults[faults_.window[n]]["windows"] = window_evidence_[slot.cell * per_cell + n];
      cell.details["faults"] = std::move(faults);
    }
  }

 private:
  void measure(Slot& slot, CellResult& cell, int rep, const FaultContext& context,
               const VersionBoard& board) {
    if (run_.observer) run_.observer->window_started(scenario_, cell, rep);
    FaultContext window_context = context;
    window_context.reader = slot.spec;
    window_context.active_for = durations_.during;
    WindowFaults faults(scenario_, faults_.window, window_context, rep);
    try {
      std::function<void(const WindowProgress&)> on_progress;
      if (run_.observer)
        on_progress = [&](const WindowProgress& p) {
          run_.observer->window_progress(scenario_, cell, p);
        };
      const WindowPhases hooks{durations_, [&] { faults.start(); }, [&] { faults.verify(); },
                               [&] { faults.stop(); }};
      WindowResult window =
          measure_window(*slot.reader, *slot.oracle, slot.spec->cpus, scenario_.run, board, rep,
                         faults_.window.empty() ? nullptr : &hooks, on_progress);
      faults.stop();
      faults.rethrow_failure();
      record(cell, std::move(window));
      if (run_.observer) run_.observer->window_finished(scenario_, cell, cell.repetitions.back());
    } catch (const std::exception& e) {
      const Classified c = classify_current(e);
      cell.status = status_of(c.kind);
      // One rule: a failure of the reader's window says `read: `; a fault's
      // own error already names the fault.
      cell.reason = c.kind == FailureKind::failed && !faults.failed()
                        ? fmt::format("read: {}", c.reason)
                        : c.reason;
    }
    faults.stop();
    const size_t per_cell = faults_.window.size();
    for (size_t n = 0; n < per_cell; ++n)
      window_evidence_[slot.cell * per_cell + n].push_back(faults.evidence(n));
  }

  static void record(CellResult& cell, WindowResult window) {
    cell.repetitions.push_back(window.result);
    for (size_t p = 0; p < window.phases.size(); ++p)
      cell.phases[kPhaseNames[p]].push_back(window.phases[p]);
    if (window.recovery) cell.recovery.push_back(*window.recovery);
    if (!cell.details.contains("reader_cpus_observed"))
      cell.details["reader_cpus_observed"] = window.reader_cpus;
  }

  const RunContext& run_;
  const Scenario& scenario_;
  CellPlan& plan_;
  const FaultPlan& faults_;
  const PhaseDurations durations_;
  std::vector<nlohmann::json> window_evidence_;  // [cell × window fault] → evidence per window
};

// Detaches every attached reader when a repetition's target goes away.
class AttachedReaders {
 public:
  explicit AttachedReaders(CellPlan& plan) : plan_(plan) {}
  ~AttachedReaders() {
    for (Slot& slot : plan_.slots) {
      if (!slot.attached) continue;
      try {
        slot.reader->detach();
      } catch (...) {  // a destructor must not throw; detach only releases
      }
      slot.attached = false;
      slot.oracle.reset();
    }
  }
  AttachedReaders(const AttachedReaders&) = delete;
  AttachedReaders& operator=(const AttachedReaders&) = delete;

 private:
  CellPlan& plan_;
};

// One repetition on a target of its own: a new map instance (a new hash seed
// and new memory) prefilled and pinned, the readers attached to it, the
// writer and the run-scope faults started, every reader measured once, and
// all of it undone before the next repetition. Repetitions are then
// independent replicates of everything a run draws at random, which is what
// the across-repetition statistics and `mapsla compare` assume: with one map
// per run, a hash layout that made one run skip ten times more keys in a dump
// looked like a regression between two runs of the same code.
nlohmann::json run_repetition(const RunContext& run, const Scenario& scenario, CellPlan& plan,
                              FaultPlan& faults, Repetitions& repetitions, int rep) {
  TargetMap target(scenario.map, "mapsla_target");
  VersionBoard board(scenario.map.keys);
  target.prefill(board);
  const TargetPin pin(run.pins, target.fd(), scenario.name);
  const ReadTarget read_target{target.view(), scenario.map.keys, scenario.writer.pattern,
                               pin.path()};
  const AttachedReaders attached(plan);
  attach_readers(plan, read_target, board);

  const WriterContext writer_context{scenario, target, board, *run.features, run.run_id};
  std::unique_ptr<WriterDriver> writer =
      builtin_writers().find(scenario.writer.driver)->create(writer_context);
  writer->start();

  const auto window_ns = scenario.run.warmup + scenario.run.duration;
  const FaultContext fault_context{scenario,
                                   *run.features,
                                   run.run_id,
                                   &target,
                                   &board,
                                   nullptr,
                                   window_ns * static_cast<int>(plan.slots.size())};
  RunScopeFaults run_faults(scenario, faults.run, fault_context, faults.details);
  if (const auto failed = run_faults.start())
    close_open_cells(plan.cells, status_of(failed->kind), failed->reason);

  repetitions.run_one(rep, fault_context, board, *writer);

  for (const std::string& why : run_faults.stop())
    close_open_cells(plan.cells, CellStatus::failed, why);
  writer->stop();
  return writer->stats();
}

bool any_open(const CellPlan& plan) {
  for (const Slot& slot : plan.slots)
    if (plan.cells[slot.cell].status == CellStatus::ok) return true;
  return false;
}

}  // namespace

std::vector<CellResult> Runner::run(const Scenario& requested) {
  const KernelFeatures& features = *context_.features;
  const std::string unavailable = unavailable_here(requested, features);
  const Scenario scenario = unavailable.empty() ? shaped(requested) : requested;
  CellPlan plan = plan_cells(scenario, features);
  if (!unavailable.empty()) {
    close_open_cells(plan.cells, CellStatus::skipped, unavailable);
    return std::move(plan.cells);
  }
  if (plan.slots.empty()) return std::move(plan.cells);
  FaultPlan faults = plan_faults(scenario);

  Repetitions repetitions(context_, scenario, plan, faults);
  const WriterDescriptor& writer = *builtin_writers().find(scenario.writer.driver);
  std::vector<nlohmann::json> writer_stats;
  for (int rep = 0; rep < scenario.run.repetitions && any_open(plan) && !stop_requested(); ++rep) {
    try {
      writer_stats.push_back(run_repetition(context_, scenario, plan, faults, repetitions, rep));
    } catch (const std::exception& e) {
      const Classified c = classify_current(e);  // a privilege error ends the run
      close_open_cells(plan.cells, status_of(c.kind), c.reason);
    }
  }
  if (stop_requested())
    close_open_cells(plan.cells, CellStatus::failed,
                     fmt::format("interrupted by signal {}", stop_signal()));
  repetitions.collect_details(combine_writer_stats(writer, writer_stats));
  return std::move(plan.cells);
}

}  // namespace mapsla
