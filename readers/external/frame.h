// Wire format of the external-reader protocol (docs/external-readers.md).
//
// An external reader writes one frame per pass over the map to a pipe; mapsla
// decodes the stream with FrameDecoder and validates every value with the
// oracle exactly as for built-in readers. Everything is little-endian. A frame
// is a 40-byte header followed by entry_count entries:
//
//   offset size field
//   0      4    magic         bytes 'M' 'S' 'L' 'F'
//   4      2    version       1
//   6      2    flags         bit 0: kFlagHasLatency; every other bit must be 0
//   8      4    key_size      must equal MAPSLA_KEY_SIZE (4)
//   12     4    value_size    must equal MAPSLA_VALUE_SIZE
//   16     8    pass_start_ns CLOCK_MONOTONIC, read before the first map operation
//   24     8    pass_end_ns   CLOCK_MONOTONIC, read after the last; >= pass_start_ns
//   32     4    entry_count   <= MAPSLA_MAX_ENTRIES_PER_PASS
//   36     4    pass_status   int32: 0 = pass completed, else the errno that ended it
//
//   entry: key[key_size] | status int32 | latency_ns u64 (only with kFlagHasLatency)
//          | value[value_size] (all zero when status != 0)
//
// Statuses are 0 or a positive errno below 4096. Frames follow each other with
// no padding; the stream ends when the reader closes its end of the pipe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mapsla::external {

inline constexpr std::uint8_t kMagic[4] = {'M', 'S', 'L', 'F'};
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::uint16_t kFlagHasLatency = 1u << 0;
inline constexpr std::uint16_t kKnownFlags = kFlagHasLatency;
// Largest errno the kernel can return (MAX_ERRNO); anything above is not an errno.
inline constexpr std::int32_t kMaxErrno = 4095;

inline constexpr std::size_t kHeaderSize = 40;
// Byte offsets of the header fields, relative to the start of a frame.
inline constexpr std::size_t kOffMagic = 0;
inline constexpr std::size_t kOffVersion = 4;
inline constexpr std::size_t kOffFlags = 6;
inline constexpr std::size_t kOffKeySize = 8;
inline constexpr std::size_t kOffValueSize = 12;
inline constexpr std::size_t kOffPassStart = 16;
inline constexpr std::size_t kOffPassEnd = 24;
inline constexpr std::size_t kOffEntryCount = 32;
inline constexpr std::size_t kOffPassStatus = 36;

// Size in bytes of one entry for the given sizes and latency flag.
constexpr std::uint64_t entry_size(std::uint32_t key_size, std::uint32_t value_size,
                                   bool has_latency) {
  return std::uint64_t{key_size} + 4 + (has_latency ? 8 : 0) + value_size;
}

enum class FrameErrorKind {
  bad_magic,            // the four bytes at a frame start are not "MSLF"
  bad_version,          // version field is not kProtocolVersion
  unknown_flags,        // a flag bit other than kKnownFlags is set
  key_size_mismatch,    // key_size differs from the configured key size
  value_size_mismatch,  // value_size differs from the configured value size
  oversized,            // entry_count exceeds the configured maximum
  bad_time_range,       // pass_end_ns < pass_start_ns
  bad_status,           // a status outside [0, kMaxErrno], or nonzero value bytes with status != 0
  key_out_of_range,     // a key >= FrameLimits::key_count (when key_count is set)
  truncated_at_eof,     // the stream ended inside a frame
};

std::string_view to_string(FrameErrorKind kind);

// Thrown by FrameDecoder. offset() is the absolute position in the byte stream
// (counted from the first byte ever fed) of the field that is wrong, or for
// truncated_at_eof the position at which the stream ended. what() is one line.
class FrameError : public std::runtime_error {
 public:
  FrameError(FrameErrorKind kind, std::uint64_t offset, const std::string& detail);

  FrameErrorKind kind() const { return kind_; }
  std::uint64_t offset() const { return offset_; }

 private:
  FrameErrorKind kind_;
  std::uint64_t offset_;
};

struct Entry {
  std::uint32_t key = 0;
  std::int32_t status = 0;              // 0 or a positive errno
  std::uint64_t latency_ns = 0;         // 0 when the frame has no latencies
  std::span<const std::uint8_t> value;  // value_size bytes inside the owning Frame
};

// One decoded pass. Entry::value points into storage owned by the Frame, so a
// Frame can be moved (the buffer moves with it) but not copied.
struct Frame {
  std::uint64_t pass_start_ns = 0;
  std::uint64_t pass_end_ns = 0;
  std::int32_t pass_status = 0;  // 0 = completed, else the errno that ended the pass
  bool has_latency = false;
  std::vector<Entry> entries;
  std::uint64_t stream_offset = 0;  // where the frame starts in the stream

  Frame() = default;
  Frame(Frame&&) noexcept = default;
  Frame& operator=(Frame&&) noexcept = default;
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

 private:
  friend class FrameDecoder;
  std::vector<std::uint8_t> storage_;  // the entry bytes as received
};

struct FrameLimits {
  std::uint32_t key_size = 4;     // only 4 is supported (u32 keys)
  std::uint32_t value_size = 0;   // > 0; MAPSLA_VALUE_SIZE
  std::uint32_t max_entries = 0;  // > 0; MAPSLA_MAX_ENTRIES_PER_PASS
  std::uint32_t key_count = 0;    // MAPSLA_KEY_COUNT: keys must be below it; 0 = unchecked
};

// Incremental decoder: feed() any chunking of the stream, take complete frames
// with next(), call finish() once the writer has closed the pipe.
//
// A header is checked as soon as its 40 bytes have arrived, so a bad or
// oversized frame is rejected before its body is buffered; entry statuses are
// checked when the frame is complete. After a FrameError the decoder is
// poisoned: every later feed()/finish() rethrows the same error.
// Not thread-safe.
class FrameDecoder {
 public:
  // Throws std::invalid_argument for limits it cannot honour.
  explicit FrameDecoder(FrameLimits limits);

  void feed(std::span<const std::uint8_t> bytes);
  std::optional<Frame> next();
  // Throws FrameError(truncated_at_eof) if a partial frame is buffered.
  void finish();

  std::uint64_t bytes_fed() const { return fed_; }
  // Frames decoded and not yet taken with next().
  std::size_t pending_frames() const { return ready_.size(); }
  const FrameLimits& limits() const { return limits_; }

 private:
  void fail(FrameErrorKind kind, std::uint64_t offset, const std::string& detail);
  void parse_header();
  void complete_frame();

  FrameLimits limits_;
  std::uint64_t fed_ = 0;          // total bytes accepted
  std::uint64_t frame_start_ = 0;  // stream offset of the frame being assembled
  std::uint8_t header_[kHeaderSize];
  std::size_t header_have_ = 0;
  bool in_body_ = false;
  std::uint64_t body_size_ = 0;
  Frame current_;
  std::deque<Frame> ready_;
  std::optional<FrameError> error_;
};

// Builds frames. begin() starts a pass, add() appends entries, finish()
// returns the encoded bytes (valid until the next begin()). Throws
// std::invalid_argument for values the decoder would reject, so a reader built
// on it cannot emit a malformed frame.
class FrameWriter {
 public:
  FrameWriter(std::uint32_t key_size, std::uint32_t value_size, bool has_latency);

  void begin(std::uint64_t pass_start_ns);
  // value must be value_size bytes, or empty when status != 0 (zeros are written).
  void add(std::uint32_t key, std::int32_t status, std::span<const std::uint8_t> value,
           std::uint64_t latency_ns = 0);
  std::span<const std::uint8_t> finish(std::uint64_t pass_end_ns, std::int32_t pass_status = 0);

  std::uint32_t entry_count() const { return count_; }
  bool has_latency() const { return has_latency_; }

 private:
  std::uint32_t key_size_;
  std::uint32_t value_size_;
  bool has_latency_;
  bool open_ = false;
  std::uint64_t pass_start_ns_ = 0;
  std::uint32_t count_ = 0;
  std::vector<std::uint8_t> buf_;
};

}  // namespace mapsla::external
