// The Reader interface: one class per strategy, all measured the same way.
//
// Lifecycle: the runner asks applies_to() before creating anything; an
// inapplicable pair is reported `not_applicable` with the reason. attach()
// binds the reader to the map (allocate buffers, mmap, load programs; throws
// on failure), then read_pass() is called repeatedly from one thread pinned to
// the reader CPUs, and detach() releases what attach() took. A reader never
// validates values itself: it hands every entry it read, good or bad, to the
// PassSink, and the oracle judges it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bpf/features.h"
#include "core/bpf/map.h"
#include "core/bpf/oracle_record.h"
#include "readers/read_block.h"

namespace mapsla {

// What is known about a scenario's target before the map exists.
struct TargetSpec {
  MapKind kind = MapKind::hash;
  uint32_t value_size = 64;
  uint32_t entries = 0;
  WriterPattern pattern = WriterPattern::inplace;
  bool writer_running = true;
  const KernelFeatures* features = nullptr;
};

// The live target a reader is attached to.
struct ReadTarget {
  MapView map;
  uint32_t key_count = 0;  // keys 0..key_count-1 are the scenario's key set
  WriterPattern pattern = WriterPattern::inplace;
  std::string pin_path;  // bpffs path of the map, for readers that open it by path
};

// Thrown by a reader that finds out only while running that it cannot read
// this target (an external program that exits with status 3): the runner
// reports the cell `not_applicable` with what() as the reason, not `failed`.
class ReaderNotApplicable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Applicability {
  bool applicable = true;
  std::string reason;  // why not, when !applicable
  static Applicability yes() { return {}; }
  static Applicability no(std::string why) { return {false, std::move(why)}; }
};

class Reader {
 public:
  virtual ~Reader() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view mode() const = 0;
  virtual Applicability applies_to(const TargetSpec& target) const = 0;
  virtual void attach(const ReadTarget& target) = 0;
  // Bracket each measured window (warm-up included). A reader that runs
  // outside mapsla's process (an external program) starts and stops it here;
  // `deadline_ns` is the CLOCK_MONOTONIC time at which the window ends.
  virtual void begin_window(uint64_t /*deadline_ns*/) {}
  virtual void end_window() {}
  // One full pass over the key set. Must leave the sink flushed.
  virtual void read_pass(PassSink& sink) = 0;
  virtual void detach() {}
  // Entries one block must hold (a batch reader needs a whole batch).
  virtual size_t entries_per_block() const { return 4096; }
  // Strategy-specific configuration, echoed into the report.
  virtual std::vector<std::pair<std::string, std::string>> settings() const { return {}; }
  // Figures the strategy computed from what it read (per-CPU sums, …), read
  // once after the cell's last window and stored in the report under
  // details.reader. Called from the runner's thread, after the reads ended.
  virtual std::vector<std::pair<std::string, uint64_t>> figures() const { return {}; }
};

}  // namespace mapsla
