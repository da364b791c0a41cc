// The oracle judges every entry a reader hands over. It is the PassSink the
// runner gives to readers: flush() validates a block outside the timed
// region and records its op latencies; begin_pass()/end_pass() bracket one
// pass so that skipped and duplicate keys can be counted.
//
// Classification of one entry (reports/result.h, DESIGN.md "The oracle"):
//   status ENOENT on a key the writers keep present   -> missing
//   any other non-zero status                           -> error[errno name]
//   record check/payload mismatch, or another key's record -> torn
//   version < the version committed before the pass began  -> stale
//   version < the highest this reader saw for the key      -> non_monotonic
//   a key returned more than once in a pass            -> duplicate (each extra)
//   a present key not returned by a complete pass      -> skipped
// Staleness is judged against the pass start, which can only under-count it:
// it never reports a read stale that was not.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "harness/version_board.h"
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
  // are only counted for complete passes.
  void end_pass(bool complete = true);

  // Starts a fresh result (after warm-up). Per-key history is kept, so a
  // version going backwards across the boundary is still caught.
  void reset_results();
  const RepetitionResult& results() const { return results_; }
  RepetitionResult take_results();

 private:
  void judge(size_t index);
  void judge_value(uint32_t key, std::span<const std::byte> value);

  uint32_t keys_;
  uint32_t value_size_;
  size_t slots_;  // 1, or possible CPUs for per-CPU values
  size_t slot_stride_;
  const VersionBoard& board_;
  ReadBlock block_;
  std::vector<uint64_t> floor_;      // committed versions at pass start
  std::vector<uint64_t> last_seen_;  // highest version seen per key
  std::vector<uint32_t> seen_;       // times returned in the current pass
  uint64_t pass_time_ns_ = 0;
  RepetitionResult results_;
};

}  // namespace mapsla
