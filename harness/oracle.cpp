#include "harness/oracle.h"

#include <algorithm>
#include <cerrno>

#include "harness/bpf/error.h"

namespace mapsla {

Oracle::Oracle(const ReadTarget& target, const VersionBoard& board, size_t block_entries)
    : keys_(target.key_count),
      value_size_(target.map.info().value_size),
      slots_(is_percpu(target.map.info().kind) ? possible_cpus() : 1),
      slot_stride_(is_percpu(target.map.info().kind) ? ((value_size_ + 7u) & ~7u) : value_size_),
      board_(board),
      block_(block_entries, target.map.value_buffer_size()),
      last_seen_(keys_, 0),
      seen_(keys_, 0) {}

void Oracle::begin_pass() {
  board_.snapshot(floor_);
  std::fill(seen_.begin(), seen_.end(), 0);
  pass_time_ns_ = 0;
  block_.clear();
}

void Oracle::end_pass(bool complete) {
  if (block_.entries() || block_.ops()) flush();
  results_.passes++;
  results_.pass_latency.record(pass_time_ns_);
  if (complete && board_.keys_stay_present()) {
    for (uint32_t key = 0; key < keys_; ++key)
      if (seen_[key] == 0) results_.anomalies.skipped++;
  }
}

void Oracle::flush() {
  for (size_t i = 0; i < block_.ops(); ++i)
    results_.op_latency.record(block_.op_latency(i));
  results_.ops += block_.ops();
  results_.read_time_ns += block_.elapsed();
  pass_time_ns_ += block_.elapsed();
  for (size_t i = 0; i < block_.entries(); ++i)
    judge(i);
  block_.clear();
}

void Oracle::judge(size_t i) {
  const uint32_t key = block_.key(i);
  const int status = block_.status(i);
  AnomalyCounts& a = results_.anomalies;
  if (key == ReadBlock::kNoKey) {  // an op that failed before producing a key
    if (status) a.errors[errno_name(status)]++;
    return;
  }
  results_.reads++;
  results_.attempts += block_.attempts(i);
  results_.max_attempts = std::max<uint64_t>(results_.max_attempts, block_.attempts(i));
  if (key >= keys_) {  // no writer ever wrote it: nothing else can be judged
    a.errors["unexpected_key"]++;
    return;
  }
  if (++seen_[key] > 1) a.duplicate++;
  if (status == ENOENT) {
    if (board_.keys_stay_present()) a.missing++;
    return;
  }
  if (status != 0) {
    a.errors[errno_name(status)]++;
    return;
  }
  judge_value(key, block_.value(i));
}

void Oracle::judge_value(uint32_t key, std::span<const std::byte> value) {
  AnomalyCounts& a = results_.anomalies;
  // Per-CPU values: every CPU's slot must be a valid record of this key; the
  // newest slot is the value's version (the writers write one CPU's slot).
  uint64_t version = 0;
  for (size_t slot = 0; slot < slots_; ++slot) {
    const RecordFacts facts = validate_record(value.subspan(slot * slot_stride_, value_size_), key);
    if (facts.check == RecordCheck::torn || facts.check == RecordCheck::wrong_key) {
      a.torn++;
      return;
    }
    version = std::max(version, facts.version);  // unwritten slots count as version 0
  }
  if (version < floor_[key]) a.stale++;
  if (version < last_seen_[key])
    a.non_monotonic++;
  else
    last_seen_[key] = version;
}

void Oracle::reset_results() {
  results_ = RepetitionResult{};
}

RepetitionResult Oracle::take_results() {
  RepetitionResult out = std::move(results_);
  results_ = RepetitionResult{};
  return out;
}

}  // namespace mapsla
