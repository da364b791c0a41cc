// The hand-off between a reader and whoever judges its reads.
//
// A reader fills a ReadBlock inside its timed loop: for each entry the key, a
// status (0 or a positive errno), the attempts it took and the value bytes,
// and for each operation (a syscall, a batch, a retry loop) the timestamp at
// which it ended. Op latency i is end[i] - end[i-1], with end[-1] the block's
// start, so one clock read per op suffices. When the block is full the reader
// calls PassSink::flush(), which validates and records it outside the timed
// region, then restarts the block's clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/util/clock.h"

namespace mapsla {

class ReadBlock {
 public:
  // Key recorded for an operation that failed before it produced a key
  // (a get_next_key, batch or iterator error, a dump's E2BIG cap, an
  // external program's pass status): it counts as an error, not a read, and
  // it ends the pass early — a reader records it only as the last entry of a
  // pass it could not finish, and the oracle then counts the keys the pass
  // did not reach as unreached, never as skipped.
  static constexpr uint32_t kNoKey = UINT32_MAX;

  ReadBlock(size_t entry_capacity, size_t value_stride)
      : capacity_(entry_capacity),
        stride_(value_stride),
        keys_(std::make_unique<uint32_t[]>(entry_capacity)),
        status_(std::make_unique<int32_t[]>(entry_capacity)),
        attempts_(std::make_unique<uint16_t[]>(entry_capacity)),
        values_(std::make_unique<std::byte[]>(entry_capacity * value_stride)),
        op_latency_(std::make_unique<uint64_t[]>(entry_capacity + 1)) {}

  // Producer side (inside the timed loop; everything here is a store).
  void start(uint64_t now) { start_ = last_ = now; }
  std::byte* value_slot() { return values_.get() + entries_ * stride_; }
  uint32_t* key_slot() { return keys_.get() + entries_; }
  void add(uint32_t key, int status, uint16_t attempts = 1) {
    keys_[entries_] = key;
    status_[entries_] = status;
    attempts_[entries_] = attempts;
    ++entries_;
  }
  // For batch reads: `n` keys and values were written at key_slot() and
  // value_slot() directly; they all succeeded with one attempt.
  void add_filled(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      status_[entries_ + i] = 0;
      attempts_[entries_ + i] = 1;
    }
    entries_ += n;
  }
  void end_op(uint64_t now) {
    op_latency_[ops_++] = now - last_;
    last_ = now;
  }
  // Test-only (a reader's `test_slowdown:`): every op takes `factor` times
  // as long, so a known slowdown can be injected to measure what `mapsla
  // compare` detects. 1 is off. Applied per block, out of the per-op path:
  // apply_slowdown() (the sink calls it first thing in flush()) busy-waits
  // for (factor - 1) × the block's time and stretches each op's latency
  // and the block's time by `factor`, so figures and wall time are as if
  // every op had taken `factor` times as long.
  void set_slowdown(double factor) { stretch_ = factor > 1.0 ? factor - 1.0 : 0.0; }
  void apply_slowdown() {
    if (stretch_ == 0 || ops_ == 0) return;
    const uint64_t raw = last_ - start_;
    const uint64_t until = last_ + static_cast<uint64_t>(static_cast<double>(raw) * stretch_);
    while (now_ns() < until) {
    }
    const double factor = 1.0 + stretch_;
    for (size_t i = 0; i < ops_; ++i)
      op_latency_[i] = static_cast<uint64_t>(static_cast<double>(op_latency_[i]) * factor);
    last_ = start_ + static_cast<uint64_t>(static_cast<double>(raw) * factor);
  }
  size_t room() const { return ops_ >= capacity_ ? 0 : capacity_ - entries_; }
  bool full() const { return room() == 0; }

  // Consumer side.
  size_t capacity() const { return capacity_; }
  size_t value_stride() const { return stride_; }
  size_t entries() const { return entries_; }
  size_t ops() const { return ops_; }
  uint32_t key(size_t i) const { return keys_[i]; }
  int status(size_t i) const { return status_[i]; }
  uint16_t attempts(size_t i) const { return attempts_[i]; }
  std::span<const std::byte> value(size_t i) const {
    return {values_.get() + i * stride_, stride_};
  }
  uint64_t op_latency(size_t i) const { return op_latency_[i]; }
  // Time covered by this block's ops (start to the last op's end).
  uint64_t elapsed() const { return last_ - start_; }
  void clear() { entries_ = ops_ = 0; }

 private:
  size_t capacity_;
  size_t stride_;
  size_t entries_ = 0;
  size_t ops_ = 0;
  uint64_t start_ = 0;
  uint64_t last_ = 0;
  std::unique_ptr<uint32_t[]> keys_;
  std::unique_ptr<int32_t[]> status_;
  std::unique_ptr<uint16_t[]> attempts_;
  std::unique_ptr<std::byte[]> values_;
  std::unique_ptr<uint64_t[]> op_latency_;
  double stretch_ = 0;
};

// Receives a reader's blocks. flush() consumes the block (it is empty
// afterwards); the reader calls block().start(now_ns()) before timing again.
class PassSink {
 public:
  virtual ~PassSink() = default;
  virtual ReadBlock& block() = 0;
  virtual void flush() = 0;
};

}  // namespace mapsla
