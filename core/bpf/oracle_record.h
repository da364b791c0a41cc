// C++ side of bpf/record.h: building and validating oracle records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "bpf/record.h"  // the ABI shared with the BPF programs

namespace mapsla {

static_assert(sizeof(mapsla_record_head) == MAPSLA_RECORD_HEADER_BYTES);
static_assert(sizeof(mapsla_record_max) == MAPSLA_MAX_VALUE_SIZE);
static_assert(sizeof(mapsla_writer_args) == 40);

enum class WriterPattern : uint32_t {
  inplace = MAPSLA_PATTERN_INPLACE,
  replace = MAPSLA_PATTERN_REPLACE,
  churn = MAPSLA_PATTERN_CHURN,
  seqlock = MAPSLA_PATTERN_SEQLOCK,
  locked = MAPSLA_PATTERN_LOCKED,
  percpu = MAPSLA_PATTERN_PERCPU,
};

std::string_view to_string(WriterPattern pattern);
std::optional<WriterPattern> writer_pattern_from_string(std::string_view name);

inline constexpr uint32_t kValueSizes[] = {MAPSLA_VALUE_SIZE_SMALL, MAPSLA_VALUE_SIZE_MEDIUM,
                                           MAPSLA_VALUE_SIZE_LARGE};
constexpr bool is_supported_value_size(uint32_t size) {
  return size == MAPSLA_VALUE_SIZE_SMALL || size == MAPSLA_VALUE_SIZE_MEDIUM ||
         size == MAPSLA_VALUE_SIZE_LARGE;
}
constexpr uint32_t payload_words(uint32_t value_size) {
  return MAPSLA_PAYLOAD_WORDS(value_size);
}

static_assert(sizeof(mapsla_lock_header) == MAPSLA_LOCK_HEADER_BYTES);

// Bytes in front of the oracle record in a value written with `pattern`: the
// locked pattern's values start with a bpf_spin_lock header (bpf/record.h),
// every other pattern's value is the record itself. The record fills the
// rest of the value (value_size - record_offset bytes).
constexpr uint32_t record_offset(WriterPattern pattern) {
  return pattern == WriterPattern::locked ? MAPSLA_LOCK_HEADER_BYTES : 0;
}

// Writes the record for (key, version) into `value` (value.size() bytes:
// one of kValueSizes, less record_offset() for locked values). seq is set to
// 0 and writer_cpu to `writer_cpu`.
void make_record(std::span<std::byte> value, uint32_t key, uint64_t version,
                 uint32_t writer_cpu = 0);

enum class RecordCheck : uint8_t {
  ok,
  torn,       // payload or check does not match the record's own key+version
  wrong_key,  // a self-consistent record of another key
  unwritten,  // all zero: an array slot no writer has filled yet
};

struct RecordFacts {
  RecordCheck check = RecordCheck::torn;
  uint32_t key = 0;
  uint32_t writer_cpu = 0;
  uint64_t version = 0;
  uint64_t seq = 0;
};

// Validates one record of `value.size()` bytes read for `expected_key`.
RecordFacts validate_record(std::span<const std::byte> value, uint32_t expected_key);

}  // namespace mapsla
