#include "readers/external/frame.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace mapsla::external {
namespace {

// Byte-wise so the wire format does not depend on the host's endianness.
std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

void store_le(std::uint8_t* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

constexpr std::uint64_t kReserveCap = 1 << 20;

bool valid_status(std::int32_t s) {
  return s >= 0 && s <= kMaxErrno;
}

}  // namespace

std::string_view to_string(FrameErrorKind kind) {
  switch (kind) {
    case FrameErrorKind::bad_magic:
      return "bad_magic";
    case FrameErrorKind::bad_version:
      return "bad_version";
    case FrameErrorKind::unknown_flags:
      return "unknown_flags";
    case FrameErrorKind::key_size_mismatch:
      return "key_size_mismatch";
    case FrameErrorKind::value_size_mismatch:
      return "value_size_mismatch";
    case FrameErrorKind::oversized:
      return "oversized";
    case FrameErrorKind::bad_time_range:
      return "bad_time_range";
    case FrameErrorKind::bad_status:
      return "bad_status";
    case FrameErrorKind::key_out_of_range:
      return "key_out_of_range";
    case FrameErrorKind::truncated_at_eof:
      return "truncated_at_eof";
  }
  return "unknown";
}

FrameError::FrameError(FrameErrorKind kind, std::uint64_t offset, const std::string& detail)
    : std::runtime_error("external reader frame: " + std::string(to_string(kind)) + ": " + detail +
                         " at byte " + std::to_string(offset)),
      kind_(kind),
      offset_(offset) {}

FrameDecoder::FrameDecoder(FrameLimits limits) : limits_(limits) {
  if (limits_.key_size != 4)
    throw std::invalid_argument("FrameDecoder: key_size must be 4 (u32 keys), got " +
                                std::to_string(limits_.key_size));
  if (limits_.value_size == 0) throw std::invalid_argument("FrameDecoder: value_size must be > 0");
  if (limits_.max_entries == 0)
    throw std::invalid_argument("FrameDecoder: max_entries must be > 0");
}

void FrameDecoder::fail(FrameErrorKind kind, std::uint64_t offset, const std::string& detail) {
  error_.emplace(kind, offset, detail);
  throw *error_;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (error_) throw *error_;
  while (!bytes.empty()) {
    if (!in_body_) {
      const std::size_t take = std::min(kHeaderSize - header_have_, bytes.size());
      std::memcpy(header_ + header_have_, bytes.data(), take);
      header_have_ += take;
      fed_ += take;
      bytes = bytes.subspan(take);
      if (header_have_ < kHeaderSize) continue;
      parse_header();
      if (body_size_ == 0) {
        complete_frame();
      } else {
        in_body_ = true;
      }
    } else {
      auto& storage = current_.storage_;
      const std::size_t want = static_cast<std::size_t>(body_size_ - storage.size());
      const std::size_t take = std::min(want, bytes.size());
      storage.insert(storage.end(), bytes.begin(), bytes.begin() + take);
      fed_ += take;
      bytes = bytes.subspan(take);
      if (storage.size() == body_size_) complete_frame();
    }
  }
}

void FrameDecoder::parse_header() {
  const std::uint8_t* h = header_;
  const std::uint64_t at = frame_start_;
  if (std::memcmp(h + kOffMagic, kMagic, sizeof kMagic) != 0)
    fail(FrameErrorKind::bad_magic, at + kOffMagic,
         format("magic is %02x %02x %02x %02x, want 4d 53 4c 46 (\"MSLF\")", h[0], h[1], h[2],
                h[3]));
  const auto version = static_cast<std::uint16_t>(load_le(h + kOffVersion, 2));
  if (version != kProtocolVersion)
    fail(FrameErrorKind::bad_version, at + kOffVersion,
         format("protocol version %u, this mapsla speaks %u", unsigned{version},
                unsigned{kProtocolVersion}));
  const auto flags = static_cast<std::uint16_t>(load_le(h + kOffFlags, 2));
  if (flags & ~kKnownFlags)
    fail(FrameErrorKind::unknown_flags, at + kOffFlags,
         format("flags 0x%04x have unknown bits 0x%04x", unsigned{flags},
                unsigned(flags & ~kKnownFlags)));
  const auto key_size = static_cast<std::uint32_t>(load_le(h + kOffKeySize, 4));
  if (key_size != limits_.key_size)
    fail(FrameErrorKind::key_size_mismatch, at + kOffKeySize,
         format("key_size %u, MAPSLA_KEY_SIZE is %u", key_size, limits_.key_size));
  const auto value_size = static_cast<std::uint32_t>(load_le(h + kOffValueSize, 4));
  if (value_size != limits_.value_size)
    fail(FrameErrorKind::value_size_mismatch, at + kOffValueSize,
         format("value_size %u, MAPSLA_VALUE_SIZE is %u", value_size, limits_.value_size));
  const std::uint64_t start = load_le(h + kOffPassStart, 8);
  const std::uint64_t end = load_le(h + kOffPassEnd, 8);
  if (end < start)
    fail(FrameErrorKind::bad_time_range, at + kOffPassEnd,
         format("pass_end_ns %" PRIu64 " is before pass_start_ns %" PRIu64, end, start));
  const auto count = static_cast<std::uint32_t>(load_le(h + kOffEntryCount, 4));
  if (count > limits_.max_entries)
    fail(FrameErrorKind::oversized, at + kOffEntryCount,
         format("entry_count %u exceeds MAPSLA_MAX_ENTRIES_PER_PASS %u", count,
                limits_.max_entries));
  const auto pass_status = static_cast<std::int32_t>(load_le(h + kOffPassStatus, 4));
  if (!valid_status(pass_status))
    fail(FrameErrorKind::bad_status, at + kOffPassStatus,
         format("pass_status %d is not 0 or an errno in 1..%d", pass_status, kMaxErrno));

  current_.pass_start_ns = start;
  current_.pass_end_ns = end;
  current_.pass_status = pass_status;
  current_.has_latency = (flags & kFlagHasLatency) != 0;
  current_.stream_offset = frame_start_;
  body_size_ = std::uint64_t{count} * entry_size(key_size, value_size, current_.has_latency);
  current_.entries.clear();
  current_.storage_.clear();
  // A header alone must not make us allocate what it claims (max_entries ×
  // a per-CPU value can be gigabytes): memory grows with the bytes that
  // actually arrive.
  current_.storage_.reserve(static_cast<std::size_t>(std::min(body_size_, kReserveCap)));
}

void FrameDecoder::complete_frame() {
  const std::uint32_t ks = limits_.key_size;
  const std::uint32_t vs = limits_.value_size;
  const bool lat = current_.has_latency;
  const std::size_t esz = static_cast<std::size_t>(entry_size(ks, vs, lat));
  const std::size_t count = body_size_ / esz;
  const std::uint8_t* base = current_.storage_.data();
  const std::uint64_t body_at = frame_start_ + kHeaderSize;
  current_.entries.reserve(count);

  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* e = base + i * esz;
    Entry entry;
    entry.key = static_cast<std::uint32_t>(load_le(e, 4));
    if (limits_.key_count != 0 && entry.key >= limits_.key_count)
      fail(FrameErrorKind::key_out_of_range, body_at + i * esz,
           format("entry %zu has key %u, MAPSLA_KEY_COUNT is %u", i, entry.key, limits_.key_count));
    entry.status = static_cast<std::int32_t>(load_le(e + ks, 4));
    if (!valid_status(entry.status))
      fail(FrameErrorKind::bad_status, body_at + i * esz + ks,
           format("entry %zu (key %u) has status %d, not 0 or an errno in 1..%d", i, entry.key,
                  entry.status, kMaxErrno));
    std::size_t off = ks + 4;
    if (lat) {
      entry.latency_ns = load_le(e + off, 8);
      off += 8;
    }
    entry.value = std::span<const std::uint8_t>(e + off, vs);
    if (entry.status != 0) {
      const auto nz = std::find_if(entry.value.begin(), entry.value.end(),
                                   [](std::uint8_t b) { return b != 0; });
      if (nz != entry.value.end())
        fail(FrameErrorKind::bad_status, body_at + i * esz + off + (nz - entry.value.begin()),
             format("entry %zu (key %u) has status %d but nonzero value bytes", i, entry.key,
                    entry.status));
    }
    current_.entries.push_back(entry);
  }

  ready_.push_back(std::move(current_));
  current_ = Frame{};
  frame_start_ = fed_;
  header_have_ = 0;
  in_body_ = false;
  body_size_ = 0;
}

std::optional<Frame> FrameDecoder::next() {
  if (ready_.empty()) return std::nullopt;
  Frame f = std::move(ready_.front());
  ready_.pop_front();
  return f;
}

void FrameDecoder::finish() {
  if (error_) throw *error_;
  if (header_have_ == 0 && !in_body_) return;
  if (!in_body_)
    fail(FrameErrorKind::truncated_at_eof, fed_,
         format("stream ended %zu bytes into the %zu-byte header of the frame starting at byte "
                "%" PRIu64,
                header_have_, kHeaderSize, frame_start_));
  fail(FrameErrorKind::truncated_at_eof, fed_,
       format("stream ended with %" PRIu64 " of %" PRIu64
              " body bytes of the frame starting at byte %" PRIu64,
              static_cast<std::uint64_t>(current_.storage_.size()), body_size_, frame_start_));
}

FrameWriter::FrameWriter(std::uint32_t key_size, std::uint32_t value_size, bool has_latency)
    : key_size_(key_size), value_size_(value_size), has_latency_(has_latency) {
  if (key_size_ != 4) throw std::invalid_argument("FrameWriter: key_size must be 4");
  if (value_size_ == 0) throw std::invalid_argument("FrameWriter: value_size must be > 0");
}

void FrameWriter::begin(std::uint64_t pass_start_ns) {
  buf_.assign(kHeaderSize, 0);
  pass_start_ns_ = pass_start_ns;
  count_ = 0;
  open_ = true;
}

void FrameWriter::add(std::uint32_t key, std::int32_t status, std::span<const std::uint8_t> value,
                      std::uint64_t latency_ns) {
  if (!open_) throw std::logic_error("FrameWriter::add before begin");
  if (!valid_status(status))
    throw std::invalid_argument("FrameWriter: status must be 0 or an errno, got " +
                                std::to_string(status));
  if (count_ == UINT32_MAX) throw std::length_error("FrameWriter: too many entries");
  const bool zeros = std::all_of(value.begin(), value.end(), [](std::uint8_t b) { return b == 0; });
  if (status == 0 ? value.size() != value_size_
                  : !(value.empty() || (value.size() == value_size_ && zeros)))
    throw std::invalid_argument(
        "FrameWriter: value must be value_size bytes (or empty/zero "
        "when status != 0), got " +
        std::to_string(value.size()));
  const std::size_t at = buf_.size();
  buf_.resize(at + static_cast<std::size_t>(entry_size(key_size_, value_size_, has_latency_)));
  std::uint8_t* p = buf_.data() + at;
  store_le(p, key, 4);
  store_le(p + 4, static_cast<std::uint32_t>(status), 4);
  p += 8;
  if (has_latency_) {
    store_le(p, latency_ns, 8);
    p += 8;
  }
  if (status == 0) std::memcpy(p, value.data(), value_size_);  // else left zero by resize()
  ++count_;
}

std::span<const std::uint8_t> FrameWriter::finish(std::uint64_t pass_end_ns,
                                                  std::int32_t pass_status) {
  if (!open_) throw std::logic_error("FrameWriter::finish before begin");
  if (pass_end_ns < pass_start_ns_)
    throw std::invalid_argument("FrameWriter: pass_end_ns before pass_start_ns");
  if (!valid_status(pass_status))
    throw std::invalid_argument("FrameWriter: pass_status must be 0 or an errno");
  std::uint8_t* h = buf_.data();
  std::memcpy(h + kOffMagic, kMagic, sizeof kMagic);
  store_le(h + kOffVersion, kProtocolVersion, 2);
  store_le(h + kOffFlags, has_latency_ ? kFlagHasLatency : 0, 2);
  store_le(h + kOffKeySize, key_size_, 4);
  store_le(h + kOffValueSize, value_size_, 4);
  store_le(h + kOffPassStart, pass_start_ns_, 8);
  store_le(h + kOffPassEnd, pass_end_ns, 8);
  store_le(h + kOffEntryCount, count_, 4);
  store_le(h + kOffPassStatus, static_cast<std::uint32_t>(pass_status), 4);
  open_ = false;
  return buf_;
}

}  // namespace mapsla::external
