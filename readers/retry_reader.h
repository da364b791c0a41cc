// retry: naive reads that try again when the answer looks transient.
//
// Modes as naive: `keys` looks up every key of the known key set, `dump`
// walks the map with bpf_map_get_next_key and looks up each key it returns.
// A lookup is retried when it says ENOENT, EAGAIN or EBUSY — what any agent
// can see; a get_next_key is retried on EAGAIN/EBUSY.
//
// `retry_torn: true` also retries a value whose integrity check fails. That
// assumes values that carry one (here the oracle record's own check word:
// validate_record), which most agents' values do not: the option is off by
// default so the default figures are what an agent without self-checking
// values gets, and a cell with it on says so in its settings
// (`retry_on: errno+integrity`). Before retry n the reader waits a
// random time in [0, cap(n)] (exponential backoff with full jitter, base
// widened while the recent error rate is high: readers/retry_backoff.h),
// spinning for short waits and sleeping for long ones.
//
// Contract: a key that is absent (or, with retry_torn, torn) only briefly (a churn writer's
// delete + re-insert, an in-place write in progress) is read whole and
// present, unless all `max_attempts` attempts fail or the pass has run past
// `pass_deadline` (after which each read gets one attempt); the last answer
// is then handed over as it is, so ENOENT or a torn value can still reach the
// oracle. Retries do not fix a dump's restarts: dumps can repeat and skip
// keys exactly as naive dumps do (capped at 4 × max_entries steps, E2BIG).
//
// Each entry records its attempts (ReadBlock::add); the op latency covers
// every attempt and every wait.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "readers/reader.h"
#include "readers/registry.h"
#include "readers/retry_backoff.h"

namespace mapsla {

class RetryReader final : public Reader {
 public:
  enum class Mode { keys, dump };
  static constexpr uint32_t kIterationCapFactor = 4;
  // Waits at or above this sleep (clock_nanosleep); shorter ones spin, since
  // a sleep's own wake-up latency is tens of microseconds.
  static constexpr uint64_t kSleepThresholdNs = 50'000;

  struct Options {
    uint32_t max_attempts = 8;
    bool retry_torn = false;  // also retry values whose integrity check fails
    uint64_t pass_deadline_ns = 1'000'000'000;
    RetryBackoffConfig backoff;
  };

  RetryReader(Mode mode, Options options);
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "retry"; }
  std::string_view mode() const override { return mode_ == Mode::keys ? "keys" : "dump"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;
  std::vector<std::pair<std::string, std::string>> settings() const override;

  const RetryBackoff& backoff() const { return backoff_; }

 private:
  void read_keys(PassSink& sink);
  void read_dump(PassSink& sink);
  // Looks `key` up into `value` until the answer is not transient; returns
  // the last errno and sets `attempts`.
  int lookup_with_retry(uint32_t key, std::byte* value, uint64_t deadline, uint16_t& attempts);
  int next_key_with_retry(const uint32_t* cursor, uint32_t* next, uint64_t deadline);
  bool torn(const std::byte* value, uint32_t key) const;
  void wait_before_retry(uint32_t retry);

  Mode mode_;
  Options options_;
  RetryBackoff backoff_;
  SplitMix64 rng_;
  MapView map_;
  uint32_t key_count_ = 0;
  uint32_t value_size_ = 0;
  size_t slots_ = 1;
  size_t slot_stride_ = 0;
};

}  // namespace mapsla
