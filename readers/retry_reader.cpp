#include "readers/retry_reader.h"

#include <time.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "core/util/clock.h"

namespace mapsla {
namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

bool transient(int err) {
  return err == ENOENT || err == EAGAIN || err == EBUSY;
}

std::string duration_text(uint64_t ns) {
  if (ns && ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns && ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns && ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}

void spin_until(uint64_t until) {
  while (now_ns() < until) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
}

// Each field on its own (Fields::check): every mistake is reported.
RetryReader::Options parse_options(Fields& f) {
  RetryReader::Options o;
  f.check([&] {
    o.max_attempts = static_cast<uint32_t>(f.integer("max_attempts", 1, 1000, o.max_attempts));
  });
  f.check([&] { o.retry_torn = f.boolean("retry_torn", o.retry_torn); });
  const bool base_ok = f.check([&] {
    o.backoff.base_ns = static_cast<uint64_t>(
        f.duration("base_backoff", 0ns, 1s, nanoseconds(o.backoff.base_ns)).count());
  });
  const bool max_ok = f.check([&] {
    o.backoff.max_ns = static_cast<uint64_t>(
        f.duration("max_backoff", 0ns, 10s, nanoseconds(o.backoff.max_ns)).count());
  });
  if (base_ok && max_ok && o.backoff.max_ns < o.backoff.base_ns)
    f.check([&] {
      f.fail("max_backoff",
             fmt::format("{} is below base_backoff {}", duration_text(o.backoff.max_ns),
                         duration_text(o.backoff.base_ns)));
    });
  f.check([&] {
    o.pass_deadline_ns = static_cast<uint64_t>(
        f.duration("pass_deadline", 1ms, std::chrono::hours(1), nanoseconds(o.pass_deadline_ns))
            .count());
  });
  f.check([&] {
    o.backoff.window = static_cast<uint32_t>(f.integer("window", 1, 1'000'000, o.backoff.window));
  });
  f.check([&] { o.backoff.widen = f.number("widen", 1.0, 1000.0, o.backoff.widen); });
  return o;
}

}  // namespace

RetryReader::RetryReader(Mode mode, Options options)
    : mode_(mode),
      options_(options),
      backoff_(options.backoff),
      rng_(now_ns() ^ reinterpret_cast<uintptr_t>(this)) {}

ReaderDescriptor RetryReader::descriptor() {
  return {
      "retry",
      "naive + retries on ENOENT/EAGAIN/EBUSY (and, with retry_torn, on values whose "
      "integrity check fails), exponential backoff with full jitter, "
      "error-rate-widened base, max attempts, per-pass deadline",
      {"keys", "dump"},
      [](const std::string&, Fields& fields) { return hold_reader_options(parse_options(fields)); },
      [](const std::string& mode, const ReaderOptions& options) {
        return std::make_unique<RetryReader>(mode == "dump" ? Mode::dump : Mode::keys,
                                             reader_options_as<Options>(options));
      }};
}

Applicability RetryReader::applies_to(const TargetSpec&) const {
  return Applicability::yes();
}

void RetryReader::attach(const ReadTarget& target) {
  const MapInfo& info = target.map.info();
  if (info.key_size != sizeof(uint32_t))
    throw std::invalid_argument(fmt::format("retry: key size {} is not 4", info.key_size));
  if (!is_supported_value_size(info.value_size))
    throw std::invalid_argument(
        fmt::format("retry: value size {} is not an oracle record size", info.value_size));
  map_ = target.map;
  key_count_ = target.key_count;
  value_size_ = info.value_size;
  slots_ = is_percpu(info.kind) ? possible_cpus() : 1;
  slot_stride_ = is_percpu(info.kind) ? ((value_size_ + 7u) & ~7u) : value_size_;
}

std::vector<std::pair<std::string, std::string>> RetryReader::settings() const {
  return {{"retry_on", options_.retry_torn ? "errno+integrity" : "errno"},
          {"max_attempts", std::to_string(options_.max_attempts)},
          {"base_backoff", duration_text(options_.backoff.base_ns)},
          {"max_backoff", duration_text(options_.backoff.max_ns)},
          {"pass_deadline", duration_text(options_.pass_deadline_ns)},
          {"window", std::to_string(options_.backoff.window)},
          {"widen", fmt::format("{}", options_.backoff.widen)}};
}

void RetryReader::read_pass(PassSink& sink) {
  if (mode_ == Mode::keys)
    read_keys(sink);
  else
    read_dump(sink);
}

bool RetryReader::torn(const std::byte* value, uint32_t key) const {
  for (size_t slot = 0; slot < slots_; ++slot) {
    const RecordCheck check =
        validate_record({value + slot * slot_stride_, value_size_}, key).check;
    if (check == RecordCheck::torn || check == RecordCheck::wrong_key) return true;
  }
  return false;
}

void RetryReader::wait_before_retry(uint32_t retry) {
  const uint64_t delay = backoff_.delay_ns(retry, rng_.next());
  if (delay == 0) return;
  if (delay >= kSleepThresholdNs) {
    const timespec ts{static_cast<time_t>(delay / 1'000'000'000),
                      static_cast<long>(delay % 1'000'000'000)};
    nanosleep(&ts, nullptr);  // an early wake-up (EINTR) only shortens one wait
    return;
  }
  spin_until(now_ns() + delay);
}

int RetryReader::lookup_with_retry(uint32_t key, std::byte* value, uint64_t deadline,
                                   uint16_t& attempts) {
  uint32_t n = 0;
  int err = 0;
  for (;;) {
    err = map_.lookup(&key, value);
    ++n;
    // With retry_torn the reader checks the value's integrity only to decide
    // whether to try again; what it finally hands over is still judged by the oracle.
    const bool again = err ? transient(err) : options_.retry_torn && torn(value, key);
    backoff_.record(again);
    if (!again || n >= options_.max_attempts || now_ns() >= deadline) break;
    wait_before_retry(n);
  }
  attempts = static_cast<uint16_t>(n);
  return err;
}

int RetryReader::next_key_with_retry(const uint32_t* cursor, uint32_t* next, uint64_t deadline) {
  int err = 0;
  for (uint32_t n = 1;; ++n) {
    err = map_.get_next_key(cursor, next);
    // ENOENT here is the end of the map, not a transient answer.
    const bool again = err == EAGAIN || err == EBUSY;
    if (!again || n >= options_.max_attempts || now_ns() >= deadline) break;
    wait_before_retry(n);
  }
  return err;
}

void RetryReader::read_keys(PassSink& sink) {
  ReadBlock& block = sink.block();
  const uint64_t start = now_ns();
  const uint64_t deadline = start + options_.pass_deadline_ns;
  block.start(start);
  for (uint32_t key = 0; key < key_count_; ++key) {
    if (block.full()) {
      sink.flush();
      block.start(now_ns());
    }
    uint16_t attempts = 1;
    const int err = lookup_with_retry(key, block.value_slot(), deadline, attempts);
    block.add(key, err, attempts);
    block.end_op(now_ns());
  }
  sink.flush();
}

void RetryReader::read_dump(PassSink& sink) {
  ReadBlock& block = sink.block();
  const uint64_t cap = static_cast<uint64_t>(map_.info().max_entries) * kIterationCapFactor;
  const uint64_t start = now_ns();
  const uint64_t deadline = start + options_.pass_deadline_ns;
  uint32_t cursor = 0;
  bool first = true;
  block.start(start);
  for (uint64_t steps = 0;; ++steps) {
    if (block.full()) {
      sink.flush();
      block.start(now_ns());
    }
    if (steps == cap) {
      block.add(ReadBlock::kNoKey, E2BIG);
      block.end_op(now_ns());
      break;
    }
    uint32_t next = 0;
    int err = next_key_with_retry(first ? nullptr : &cursor, &next, deadline);
    if (err == ENOENT) {  // the end of the map
      block.end_op(now_ns());
      break;
    }
    if (err != 0) {
      block.add(ReadBlock::kNoKey, err);
      block.end_op(now_ns());
      break;
    }
    uint16_t attempts = 1;
    err = lookup_with_retry(next, block.value_slot(), deadline, attempts);
    block.add(next, err, attempts);
    block.end_op(now_ns());
    cursor = next;
    first = false;
  }
  sink.flush();
}

}  // namespace mapsla
