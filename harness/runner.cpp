#include "harness/runner.h"

#include <exception>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "harness/bpf/error.h"
#include "harness/faults/fault.h"
#include "harness/oracle.h"
#include "harness/target_map.h"
#include "harness/util/affinity.h"
#include "harness/util/clock.h"
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

// Measures one window: warm-up passes (judged, then discarded), then passes
// until the duration is over, in a thread pinned to the reader's CPUs.
RepetitionResult measure(Slot& slot, const RunSpec& run, const VersionBoard& board, int index) {
  RepetitionResult result;
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      pin_current_thread(slot.spec->cpus);
      Reader& reader = *slot.reader;
      Oracle& oracle = *slot.oracle;
      const uint64_t window_start = now_ns();
      const uint64_t warmup_end = window_start + static_cast<uint64_t>(run.warmup.count());
      const uint64_t end = warmup_end + static_cast<uint64_t>(run.duration.count());
      reader.begin_window(end);
      struct EndWindow {
        Reader& reader;
        ~EndWindow() { reader.end_window(); }
      } end_window{reader};
      while (now_ns() < warmup_end && !stop_requested()) {
        oracle.begin_pass();
        reader.read_pass(oracle);
        oracle.end_pass();
      }
      oracle.reset_results();
      const uint64_t updates_before = board.updates_made();
      const uint64_t start = now_ns();
      while (now_ns() < end && !stop_requested()) {
        oracle.begin_pass();
        reader.read_pass(oracle);
        oracle.end_pass();
      }
      result = oracle.take_results();
      result.wall_s = static_cast<double>(now_ns() - start) / 1e9;
      result.writer_updates = board.updates_made() - updates_before;
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);
  result.index = index;
  return result;
}

void fail_cells(std::vector<CellResult>& cells, const std::string& why) {
  for (auto& cell : cells) {
    if (cell.status == CellStatus::ok) {
      cell.status = CellStatus::failed;
      cell.reason = why;
    }
  }
}

}  // namespace

std::vector<CellResult> Runner::run(const Scenario& scenario) {
  const KernelFeatures& features = *context_.features;
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

  for (const FaultSpec& fault : scenario.faults) {
    const std::string why = builtin_faults().find(fault.kind)->unavailable(fault, features);
    if (!why.empty()) {
      for (auto& cell : cells)
        if (cell.status == CellStatus::ok) {
          cell.status = CellStatus::skipped;
          cell.reason = fmt::format("{}: {}", fault.kind, why);
        }
      return cells;
    }
  }
  if (slots.empty()) return cells;

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
        if (const auto* bpf = dynamic_cast<const BpfError*>(&e); bpf && bpf->is_permission_error())
          throw;
        cells[slot.cell].status = CellStatus::failed;
        cells[slot.cell].reason = fmt::format("attach: {}", e.what());
      }
    }

    const WriterContext writer_context{scenario, target, board, features, context_.run_id};
    std::unique_ptr<WriterDriver> writer =
        builtin_writers().find(scenario.writer.driver)->create(writer_context);
    std::vector<std::unique_ptr<Fault>> faults;
    nlohmann::json fault_evidence = nlohmann::json::array();
    const FaultContext fault_context{scenario, features, context_.run_id};
    writer->start();
    for (const FaultSpec& spec : scenario.faults) {
      faults.push_back(builtin_faults().find(spec.kind)->create(spec, fault_context));
      faults.back()->start();
      fault_evidence.push_back({{"kind", spec.kind}, {"active", faults.back()->verify_active()}});
    }

    for (int rep = 0; rep < scenario.run.repetitions && !stop_requested(); ++rep) {
      for (Slot& slot : slots) {
        CellResult& cell = cells[slot.cell];
        if (!slot.attached || cell.status != CellStatus::ok || stop_requested()) continue;
        if (context_.observer) context_.observer->window_started(scenario, cell, rep);
        try {
          cell.repetitions.push_back(measure(slot, scenario.run, board, rep));
          if (context_.observer)
            context_.observer->window_finished(scenario, cell, cell.repetitions.back());
        } catch (const std::exception& e) {
          if (const auto* bpf = dynamic_cast<const BpfError*>(&e);
              bpf && bpf->is_permission_error())
            throw;
          cell.status = CellStatus::failed;
          cell.reason = fmt::format("read: {}", e.what());
        }
        if (std::string why = writer->failure(); !why.empty()) {
          fail_cells(cells, "writer failed: " + why);
          break;
        }
      }
    }
    if (stop_requested()) fail_cells(cells, fmt::format("interrupted by signal {}", stop_signal()));

    for (size_t i = 0; i < faults.size(); ++i) {
      faults[i]->stop();
      fault_evidence[i]["gone"] = faults[i]->verify_gone();
    }
    writer->stop();
    const nlohmann::json writer_stats = writer->stats();
    for (Slot& slot : slots) {
      if (slot.attached) slot.reader->detach();
      cells[slot.cell].details["writer"] = writer_stats;
      if (!fault_evidence.empty()) cells[slot.cell].details["faults"] = fault_evidence;
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
