#include "harness/oracle.h"

#include <algorithm>
#include <array>
#include <cerrno>

#include "core/bpf/error.h"

namespace mapsla {

Oracle::Oracle(const ReadTarget& target, const VersionBoard& board, size_t block_entries)
    : keys_(target.key_count),
      value_size_(target.map.info().value_size),
      record_offset_(record_offset(target.pattern)),
      percpu_(is_percpu(target.map.info().kind)),
      slots_(is_percpu(target.map.info().kind) ? possible_cpus() : 1),
      slot_stride_(is_percpu(target.map.info().kind) ? ((value_size_ + 7u) & ~7u) : value_size_),
      board_(board),
      block_(block_entries, target.map.value_buffer_size()),
      last_seen_(keys_, 0),
      seen_(keys_, 0) {}

void Oracle::begin_pass() {
  lenient_pass_ = !board_.keys_stay_present();
  foreign_pass_ = board_.foreign_keys_present();
  board_.snapshot(floor_);
  std::fill(seen_.begin(), seen_.end(), 0);
  pass_time_ns_ = 0;
  pass_recorded_ = false;
  early_end_.clear();
  block_.clear();
}

void Oracle::end_pass(bool complete) {
  if (block_.entries() || block_.ops()) flush();
  if (!pass_recorded_) return;
  results_.passes++;
  results_.pass_latency.record(pass_time_ns_);
  if (!early_end_.empty()) {
    // The reader said it could not finish: the keys it did not reach were
    // never claimed as read, so they are its own figure, not `skipped`.
    results_.early_ended_passes[early_end_]++;
    for (uint32_t key = 0; key < keys_; ++key)
      if (seen_[key] == 0) results_.unreached++;
  } else if (complete && !lenient_pass_ && board_.keys_stay_present()) {
    for (uint32_t key = 0; key < keys_; ++key)
      if (seen_[key] == 0) results_.anomalies.skipped++;
  }
  if (live_) publish_live();
}

void Oracle::flush() {
  block_.apply_slowdown();  // test-only; nothing unless test_slowdown
  if (flush_observer_) flush_observer_(block_);
  // Leniency sticks for the rest of the pass once seen: its earlier reads
  // may have met keys that were gone or foreign.
  if (!board_.keys_stay_present()) lenient_pass_ = true;
  if (board_.foreign_keys_present()) foreign_pass_ = true;
  if (block_.entries() || block_.ops()) pass_recorded_ = true;
  for (size_t i = 0; i < block_.ops(); ++i)
    results_.op_latency.record(block_.op_latency(i));
  results_.ops += block_.ops();
  results_.read_time_ns += block_.elapsed();
  pass_time_ns_ += block_.elapsed();
  for (size_t i = 0; i < block_.entries(); ++i)
    judge(i);
  if (live_) {
    std::array<uint64_t, kLatencyBucketCount> buckets{};
    for (size_t i = 0; i < block_.ops(); ++i)
      buckets[latency_bucket_of(block_.op_latency(i))]++;
    live_->add_op_latency(buckets);
    publish_live();
  }
  block_.clear();
}

void Oracle::set_live(LiveCounters* live) {
  live_ = live;
  if (live_) publish_live();
}

void Oracle::publish_live() {
  std::array<uint64_t, kAnomalyClassCount> anomalies = anomaly_class_counts(results_.anomalies);
  for (size_t i = 0; i < kAnomalyClassCount; ++i)
    anomalies[i] += live_base_anomalies_[i];
  live_->store_totals(live_base_reads_ + results_.reads, live_base_ops_ + results_.ops,
                      live_base_time_ + results_.read_time_ns, anomalies);
}

void Oracle::judge(size_t i) {
  const uint32_t key = block_.key(i);
  const int status = block_.status(i);
  AnomalyCounts& a = results_.anomalies;
  if (key == ReadBlock::kNoKey) {  // an op that failed before producing a key
    if (status) {
      a.errors[errno_name(status)]++;
      early_end_ = errno_name(status);  // the reader stops the pass here
    }
    return;
  }
  results_.reads++;
  results_.attempts += block_.attempts(i);
  results_.max_attempts = std::max<uint64_t>(results_.max_attempts, block_.attempts(i));
  if (key >= keys_) {  // no writer ever wrote it: nothing else can be judged
    if (foreign_pass_ || board_.foreign_keys_present())
      results_.foreign++;
    else
      a.errors["unexpected_key"]++;
    return;
  }
  if (++seen_[key] > 1) a.duplicate++;
  if (status == ENOENT) {
    if (!lenient_pass_ && board_.keys_stay_present())
      a.missing++;
    else
      results_.absent++;
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
    const RecordFacts facts = validate_record(
        value.subspan(slot * slot_stride_ + record_offset_, value_size_ - record_offset_), key);
    if (facts.check == RecordCheck::torn || facts.check == RecordCheck::wrong_key) {
      a.torn++;
      return;
    }
    // A whole record in the wrong slot means the slots were decoded with the
    // wrong stride or CPU order: the reader would credit the wrong CPU.
    if (percpu_ && facts.check == RecordCheck::ok && facts.writer_cpu != slot) {
      a.errors["wrong_cpu_slot"]++;
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
  live_base_reads_ = live_base_ops_ = live_base_time_ = 0;
  live_base_anomalies_.fill(0);
}

// Results are kept for the report, one per cell and repetition (and phase):
// without their histograms' growth slack.
static void compact(RepetitionResult& r) {
  r.op_latency.compact();
  r.pass_latency.compact();
  r.pass_latency_corrected.compact();
}

RepetitionResult Oracle::take_results() {
  RepetitionResult out = std::move(results_);
  reset_results();
  compact(out);
  return out;
}

RepetitionResult Oracle::split_results() {
  live_base_reads_ += results_.reads;
  live_base_ops_ += results_.ops;
  live_base_time_ += results_.read_time_ns;
  const auto anomalies = anomaly_class_counts(results_.anomalies);
  for (size_t i = 0; i < kAnomalyClassCount; ++i)
    live_base_anomalies_[i] += anomalies[i];
  RepetitionResult out = std::move(results_);
  results_ = RepetitionResult{};
  compact(out);
  return out;
}

}  // namespace mapsla
