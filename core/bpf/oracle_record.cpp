#include "core/bpf/oracle_record.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace mapsla {
namespace {

constexpr std::array<std::pair<WriterPattern, std::string_view>, 6> kPatternNames = {{
    {WriterPattern::inplace, "inplace"},
    {WriterPattern::replace, "replace"},
    {WriterPattern::churn, "churn"},
    {WriterPattern::seqlock, "seqlock"},
    {WriterPattern::locked, "locked"},
    {WriterPattern::percpu, "percpu"},
}};

uint64_t load_word(const std::byte* at) {
  uint64_t word;
  std::memcpy(&word, at, sizeof(word));
  return word;
}

}  // namespace

std::string_view to_string(WriterPattern pattern) {
  for (const auto& [p, name] : kPatternNames)
    if (p == pattern) return name;
  return "unknown";
}

std::optional<WriterPattern> writer_pattern_from_string(std::string_view name) {
  for (const auto& [p, n] : kPatternNames)
    if (n == name) return p;
  return std::nullopt;
}

void make_record(std::span<std::byte> value, uint32_t key, uint64_t version, uint32_t writer_cpu) {
  const uint32_t words = payload_words(static_cast<uint32_t>(value.size()));
  mapsla_record_head head{key, writer_cpu, version, 0};
  std::memcpy(value.data(), &head, sizeof(head));
  const uint64_t seed = mapsla_record_seed(key, version);
  uint64_t acc = seed;
  std::byte* payload = value.data() + MAPSLA_RECORD_HEADER_BYTES;
  for (uint32_t i = 0; i < words; ++i) {
    uint64_t word = mapsla_payload_word(seed, i);
    std::memcpy(payload + 8 * i, &word, 8);
    acc = mapsla_check_step(acc, word);
  }
  std::memcpy(payload + 8 * words, &acc, 8);
}

RecordFacts validate_record(std::span<const std::byte> value, uint32_t expected_key) {
  RecordFacts facts;
  mapsla_record_head head;
  std::memcpy(&head, value.data(), sizeof(head));
  facts.key = head.key;
  facts.writer_cpu = head.writer_cpu;
  facts.version = head.version;
  facts.seq = head.seq;
  if (head.version == 0 &&
      std::all_of(value.begin(), value.end(), [](std::byte b) { return b == std::byte{0}; })) {
    facts.check = RecordCheck::unwritten;
    return facts;
  }
  const uint32_t words = payload_words(static_cast<uint32_t>(value.size()));
  const uint64_t seed = mapsla_record_seed(head.key, head.version);
  uint64_t acc = seed;
  const std::byte* payload = value.data() + MAPSLA_RECORD_HEADER_BYTES;
  for (uint32_t i = 0; i < words; ++i) {
    uint64_t word = load_word(payload + 8 * i);
    if (word != mapsla_payload_word(seed, i)) return facts;  // torn
    acc = mapsla_check_step(acc, word);
  }
  if (load_word(payload + 8 * words) != acc) return facts;  // torn
  facts.check = head.key == expected_key ? RecordCheck::ok : RecordCheck::wrong_key;
  return facts;
}

}  // namespace mapsla
