#include "harness/runner.h"

#include <cctype>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "harness/bpf/error.h"
#include "harness/faults/fault.h"
#include "harness/measure_window.h"
#include "harness/oracle.h"
#include "harness/phases.h"
#include "harness/target_map.h"
#include "harness/util/affinity.h"
#include "harness/util/signals.h"
#include "harness/writers/writer.h"
#include "readers/registry.h"

namespace mapsla {
namespace {

struct Slot {
  const ReaderSpec* spec = nullptr;
  std::unique_ptr<Reader> reader;
  std::unique_ptr<Oracle> oracle;
  size_t cell = 0;
  bool attached = false;
};

std::string pin_name(const std::string& scenario) {
  std::string out;
  for (char c : scenario)
    out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out + "_target";
}

void fail_cells(std::vector<CellResult>& cells, const std::string& why) {
  for (auto& cell : cells) {
    if (cell.status == CellStatus::ok) {
      cell.status = CellStatus::failed;
      cell.reason = why;
    }
  }
}

void skip_cells(std::vector<CellResult>& cells, const std::string& why) {
  for (auto& cell : cells) {
    if (cell.status == CellStatus::ok) {
      cell.status = CellStatus::skipped;
      cell.reason = why;
    }
  }
}

bool is_permission_error(const std::exception& e) {
  const auto* bpf = dynamic_cast<const BpfError*>(&e);
  return bpf && bpf->is_permission_error();
}

// The window-scope faults of one measured window: created and started when
// its `before` phase ends, stopped and verified gone when `during` ends.
// Errors name the fault; a FaultUnavailable stays one (the cell is skipped).
class WindowFaults {
 public:
  WindowFaults(const Scenario& scenario, const std::vector<size_t>& indices, FaultContext context,
               int repetition)
      : scenario_(scenario), indices_(indices), context_(std::move(context)) {
    for (size_t i = 0; i < indices_.size(); ++i)
      evidence_.push_back({{"repetition", repetition}});
  }
  ~WindowFaults() { stop(); }

  void start() {
    for (size_t i : indices_) {
      const FaultSpec& spec = scenario_.faults[i];
      guarded(spec.kind, [&] {
        faults_.push_back(builtin_faults().find(spec.kind)->create(spec, context_));
        faults_.back()->start();
      });
    }
  }
  void verify() {
    for (size_t n = 0; n < faults_.size(); ++n)
      guarded(faults_[n]->kind(), [&] { evidence_[n]["active"] = faults_[n]->verify_active(); });
  }
  // Never throws: the first failure is kept for rethrow_failure().
  void stop() noexcept {
    for (size_t n = faults_.size(); n-- > 0;) {
      try {
        guarded(faults_[n]->kind(), [&] {
          faults_[n]->stop();
          evidence_[n]["gone"] = faults_[n]->verify_gone();
        });
      } catch (const std::exception& e) {
        evidence_[n]["gone_error"] = e.what();
        if (!failure_) failure_ = std::current_exception();
      }
    }
    faults_.clear();
  }
  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }
  // Evidence of the n-th window-scope fault.
  const nlohmann::json& evidence(size_t n) const { return evidence_[n]; }

 private:
  template <typename F>
  static void guarded(const std::string& kind, F&& step) {
    try {
      step();
    } catch (const FaultUnavailable& e) {
      throw FaultUnavailable(fmt::format("{}: {}", kind, e.what()));
    } catch (const std::exception& e) {
      if (is_permission_error(e)) throw;
      throw std::runtime_error(fmt::format("fault {}: {}", kind, e.what()));
    }
  }

  const Scenario& scenario_;
  const std::vector<size_t>& indices_;
  FaultContext context_;
  std::vector<std::unique_ptr<Fault>> faults_;
  std::vector<nlohmann::json> evidence_;
  std::exception_ptr failure_;
};

}  // namespace

std::vector<CellResult> Runner::run(const Scenario& requested) {
  const KernelFeatures& features = *context_.features;
  const FaultRegistry& fault_registry = builtin_faults();

  // What runs: the scenario as its faults shape it (a map on another NUMA
  // node, readers moved), unless one of them cannot apply here.
  Scenario scenario = requested;
  std::string unavailable;
  for (const FaultSpec& fault : requested.faults) {
    const std::string why = fault_registry.find(fault.kind)->unavailable(fault, features);
    if (!why.empty()) {
      unavailable = fmt::format("{}: {}", fault.kind, why);
      break;
    }
  }
  if (unavailable.empty())
    for (const FaultSpec& fault : requested.faults)
      if (const auto& shape = fault_registry.find(fault.kind)->shape) shape(fault, scenario);

  std::vector<CellResult> cells;
  std::vector<Slot> slots;
  const TargetSpec target_spec{
      scenario.map.kind,       scenario.map.value_size,          scenario.map.entries,
      scenario.writer.pattern, scenario.writer.driver != "none", &features};
  for (const ReaderSpec& spec : scenario.readers) {
    const ReaderDescriptor& descriptor = *builtin_readers().find(spec.reader);
    std::unique_ptr<Reader> reader;
    if (spec.options) {
      Fields options = *spec.options;
      reader = descriptor.create(spec.mode, options);
    } else {
      Fields empty(YAML::Node(YAML::NodeType::Map), std::make_shared<const std::string>(""), "");
      reader = descriptor.create(spec.mode, empty);
    }
    CellResult cell{scenario.name, std::string(reader->name()), std::string(reader->mode())};
    cell.condition = scenario.condition.empty() ? scenario.name : scenario.condition;
    cell.settings = reader->settings();
    cell.settings.emplace_back("cpus", format_cpu_list(spec.cpus));
    const Applicability applicability = reader->applies_to(target_spec);
    if (!applicability.applicable) {
      cell.status = CellStatus::not_applicable;
      cell.reason = applicability.reason;
    } else {
      slots.push_back({&spec, std::move(reader), nullptr, cells.size()});
    }
    cells.push_back(std::move(cell));
  }
  if (!unavailable.empty()) {
    skip_cells(cells, unavailable);
    return cells;
  }
  if (slots.empty()) return cells;

  // Faults by scope, and what the report says of each.
  std::vector<size_t> run_faults, window_faults;
  nlohmann::json fault_details = nlohmann::json::array();
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    const FaultSpec& spec = scenario.faults[i];
    const bool window = fault_registry.find(spec.kind)->scope == FaultScope::window;
    (window ? window_faults : run_faults).push_back(i);
    fault_details.push_back(
        {{"kind", spec.kind},
         {"scope", window ? "window" : "run"},
         {"requested", spec.options ? spec.options->to_json() : nlohmann::json::object()}});
  }
  const bool phased = !window_faults.empty();
  const PhaseDurations phase_durations =
      split_window(scenario.run.duration, scenario.run.phases.value_or(PhaseFractions{}));
  std::vector<nlohmann::json> window_evidence(cells.size() * window_faults.size(),
                                              nlohmann::json::array());

  try {
    TargetMap target(scenario.map, "mapsla_target");
    VersionBoard board(scenario.map.keys);
    target.prefill(board);
    std::optional<std::filesystem::path> pin_path;
    if (context_.pins) pin_path = context_.pins->pin(target.fd(), pin_name(scenario.name));
    struct Unpin {
      PinDir* pins;
      std::optional<std::filesystem::path>& path;
      ~Unpin() {
        if (pins && path) pins->unpin(*path);
      }
    } unpin{context_.pins, pin_path};

    const ReadTarget read_target{target.view(), scenario.map.keys, scenario.writer.pattern,
                                 pin_path ? pin_path->string() : std::string()};
    for (Slot& slot : slots) {
      try {
        slot.reader->attach(read_target);
        slot.attached = true;
        slot.oracle =
            std::make_unique<Oracle>(read_target, board, slot.reader->entries_per_block());
      } catch (const std::exception& e) {
        if (is_permission_error(e)) throw;
        cells[slot.cell].status = CellStatus::failed;
        cells[slot.cell].reason = fmt::format("attach: {}", e.what());
      }
    }

    const WriterContext writer_context{scenario, target, board, features, context_.run_id};
    std::unique_ptr<WriterDriver> writer =
        builtin_writers().find(scenario.writer.driver)->create(writer_context);
    writer->start();

    // Run-scope faults hold for every window of the scenario.
    const auto window_ns = scenario.run.warmup + scenario.run.duration;
    FaultContext context{scenario,
                         features,
                         context_.run_id,
                         &target,
                         &board,
                         nullptr,
                         window_ns * scenario.run.repetitions * static_cast<int>(slots.size())};
    std::vector<std::unique_ptr<Fault>> placed;
    std::string placing;  // the kind being placed, for errors
    try {
      for (size_t i : run_faults) {
        const FaultSpec& spec = scenario.faults[i];
        placing = spec.kind;
        placed.push_back(fault_registry.find(spec.kind)->create(spec, context));
        placed.back()->start();
        fault_details[i]["active"] = placed.back()->verify_active();
      }
    } catch (const FaultUnavailable& e) {
      skip_cells(cells, fmt::format("{}: {}", placing, e.what()));
    } catch (const std::exception& e) {
      if (is_permission_error(e)) throw;
      fail_cells(cells, fmt::format("fault {}: {}", placing, e.what()));
    }

    for (int rep = 0; rep < scenario.run.repetitions && !stop_requested(); ++rep) {
      for (Slot& slot : slots) {
        CellResult& cell = cells[slot.cell];
        if (!slot.attached || cell.status != CellStatus::ok || stop_requested()) continue;
        if (context_.observer) context_.observer->window_started(scenario, cell, rep);
        FaultContext window_context = context;
        window_context.reader = slot.spec;
        window_context.active_for = phase_durations.during;
        WindowFaults faults(scenario, window_faults, window_context, rep);
        try {
          std::function<void(const WindowProgress&)> on_progress;
          if (context_.observer)
            on_progress = [&](const WindowProgress& p) {
              context_.observer->window_progress(scenario, cell, p);
            };
          const WindowPhases hooks{phase_durations, [&] { faults.start(); },
                                   [&] { faults.verify(); }, [&] { faults.stop(); }};
          WindowResult window =
              measure_window(*slot.reader, *slot.oracle, slot.spec->cpus, scenario.run, board, rep,
                             phased ? &hooks : nullptr, on_progress);
          faults.stop();
          faults.rethrow_failure();
          cell.repetitions.push_back(window.result);
          for (size_t p = 0; p < window.phases.size(); ++p)
            cell.phases[kPhaseNames[p]].push_back(window.phases[p]);
          if (window.recovery) cell.recovery.push_back(*window.recovery);
          if (!cell.details.contains("reader_cpus_observed"))
            cell.details["reader_cpus_observed"] = window.reader_cpus;
          if (context_.observer)
            context_.observer->window_finished(scenario, cell, cell.repetitions.back());
        } catch (const ReaderNotApplicable& e) {
          cell.status = CellStatus::not_applicable;
          cell.reason = e.what();
        } catch (const FaultUnavailable& e) {
          cell.status = CellStatus::skipped;
          cell.reason = e.what();
        } catch (const std::exception& e) {
          if (is_permission_error(e)) throw;
          cell.status = CellStatus::failed;
          cell.reason = window_faults.empty() ? fmt::format("read: {}", e.what()) : e.what();
        }
        faults.stop();
        for (size_t n = 0; n < window_faults.size(); ++n)
          window_evidence[slot.cell * window_faults.size() + n].push_back(faults.evidence(n));
        if (std::string why = writer->failure(); !why.empty()) {
          fail_cells(cells, "writer failed: " + why);
          break;
        }
      }
    }
    if (stop_requested()) fail_cells(cells, fmt::format("interrupted by signal {}", stop_signal()));

    for (size_t n = placed.size(); n-- > 0;) {
      const size_t i = run_faults[n];
      try {
        placed[n]->stop();
        fault_details[i]["gone"] = placed[n]->verify_gone();
      } catch (const std::exception& e) {
        fault_details[i]["gone_error"] = e.what();
        fail_cells(cells, fmt::format("fault {}: {}", scenario.faults[i].kind, e.what()));
      }
    }
    placed.clear();
    writer->stop();
    const nlohmann::json writer_stats = writer->stats();
    for (Slot& slot : slots) {
      if (slot.attached) slot.reader->detach();
      CellResult& cell = cells[slot.cell];
      for (const auto& [name, value] : slot.reader->figures())
        cell.details["reader"][name] = value;
      cell.details["writer"] = writer_stats;
      if (fault_details.empty()) continue;
      nlohmann::json faults = fault_details;
      for (size_t n = 0; n < window_faults.size(); ++n)
        faults[window_faults[n]]["windows"] = window_evidence[slot.cell * window_faults.size() + n];
      cell.details["faults"] = std::move(faults);
    }
  } catch (const BpfError& e) {
    if (e.is_permission_error()) throw;
    fail_cells(cells, e.what());
  } catch (const std::exception& e) {
    fail_cells(cells, e.what());
  }
  return cells;
}

}  // namespace mapsla
