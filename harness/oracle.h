// The oracle judges every entry a reader hands over. It is the PassSink the
// runner gives to readers: flush() validates a block outside the timed
// region and records its op latencies; begin_pass()/end_pass() bracket one
// pass so that skipped and duplicate keys can be counted.
//
// Classification of one entry (reports/result.h, DESIGN.md "The oracle"):
//   status ENOENT on a key the writers keep present   -> missing
//   status ENOENT while keys may vanish (LRU eviction)  -> absent (not an anomaly)
//   a key outside the key set                           -> error[unexpected_key], or
//     foreign (not an anomaly) while a fault keeps its own keys in the map
//   any other non-zero status                           -> error[errno name]
//   record check/payload mismatch, or another key's record -> torn
//   a per-CPU slot holding a record written on another CPU -> error[wrong_cpu_slot]
//   version < the version committed before the pass began  -> stale
//   version < the highest this reader saw for the key      -> non_monotonic
//   a key returned more than once in a pass            -> duplicate (each extra)
//   a present key not returned by a complete pass      -> skipped
//   a pass that ended early (a kNoKey error entry: the reader could not go
//     on) counts its error, its reason in early_ended_passes and the keys it
//     did not reach as unreached; never as skipped
// Staleness is judged against the pass start, which can only under-count it:
// it never reports a read stale that was not. Likewise a pass during which
// keys could vanish (VersionBoard::keys_stay_present() false when it began
// or at any block) counts neither missing nor skipped keys, even if the
// keys were restored before it ended.
// Per-CPU values: every possible CPU's slot is validated on its own; the
// value's version is the highest slot's, which is exact because each key has
// one writer thread pinned to one CPU (other slots keep older versions, and
// the writer's slot only grows), so stale and non_monotonic mean the same as
// for shared values. Locked values are validated after their lock header.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/live_counters.h"
#include "model/version_board.h"
#include "readers/read_block.h"
#include "readers/reader.h"
#include "reports/result.h"

namespace mapsla {

class Oracle final : public PassSink {
 public:
  Oracle(const ReadTarget& target, const VersionBoard& board, size_t block_entries);

  ReadBlock& block() override { return block_; }
  void flush() override;

  void begin_pass();
  // `complete` is false when the pass was cut short (deadline); skipped keys
  // are only counted for complete passes. A pass in which the reader recorded
  // no op and no entry did not happen (an external program that had nothing
  // more to report) and is not counted at all.
  void end_pass(bool complete = true);
  // The reader's own time in the pass just ended (its timed ops), or nullopt
  // when end_pass() did not count it.
  std::optional<uint64_t> last_pass_ns() const {
    return pass_recorded_ ? std::optional<uint64_t>(pass_time_ns_) : std::nullopt;
  }
  // Open-loop figures of the pass just ended (harness/open_loop.h).
  void record_open_loop_pass(uint64_t corrected_ns, bool late) {
    results_.pass_latency_corrected.record(corrected_ns);
    results_.late_passes += late;
  }

  // Starts a fresh result (after warm-up). Per-key history is kept, so a
  // version going backwards across the boundary is still caught.
  void reset_results();
  const RepetitionResult& results() const { return results_; }
  // Mirrors results() into `live` from now on (nullptr stops); attach it
  // right after reset_results() so the mirror covers exactly the window.
  // Costs nothing while detached.
  void set_live(LiveCounters* live);
  RepetitionResult take_results();
  // Like take_results(), for the phases of one window: the results so far
  // are handed over and fresh ones begin, while the live mirror keeps
  // counting from where it was (its fields stay monotonic within a window).
  RepetitionResult split_results();
  // Called in the reader's thread for each flushed block before it is
  // recorded and judged (the runner's phase switch and recovery series), so
  // a split_results() it makes puts the block into the fresh results. Empty
  // stops it.
  void set_flush_observer(std::function<void(const ReadBlock&)> observer) {
    flush_observer_ = std::move(observer);
  }

 private:
  void judge(size_t index);
  void judge_value(uint32_t key, std::span<const std::byte> value);

  uint32_t keys_;
  uint32_t value_size_;
  uint32_t record_offset_;  // bytes before the record (the locked pattern's lock header)
  bool percpu_;
  size_t slots_;  // 1, or possible CPUs for per-CPU values
  size_t slot_stride_;
  const VersionBoard& board_;
  ReadBlock block_;
  std::vector<uint64_t> floor_;      // committed versions at pass start
  std::vector<uint64_t> last_seen_;  // highest version seen per key
  std::vector<uint32_t> seen_;       // times returned in the current pass
  uint64_t pass_time_ns_ = 0;
  bool pass_recorded_ = false;  // the current pass flushed an op or an entry
  RepetitionResult results_;
  LiveCounters* live_ = nullptr;
  void publish_live();
  // Totals handed over by split_results(), added back into the live mirror.
  uint64_t live_base_reads_ = 0, live_base_ops_ = 0, live_base_time_ = 0;
  std::array<uint64_t, kAnomalyClassCount> live_base_anomalies_{};
  std::function<void(const ReadBlock&)> flush_observer_;
  // Keys could vanish legitimately when this pass began (VersionBoard): the
  // whole pass is judged leniently, so a read made before keys were restored
  // is never judged after as if they had stayed.
  bool lenient_pass_ = false;
  bool foreign_pass_ = false;  // likewise for keys outside the key set
  std::string early_end_;      // the error that ended this pass early, or ""
};

}  // namespace mapsla
