#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "readers/external/frame.h"

namespace mapsla::external {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t kValueSize = 16;
constexpr FrameLimits kLimits{.key_size = 4, .value_size = kValueSize, .max_entries = 8};

Bytes value_for(std::uint32_t key) {
  Bytes v(kValueSize);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<std::uint8_t>(key * 31 + i + 1);
  return v;
}

// A frame with `n` entries; every third one is ENOENT.
Bytes make_frame(std::uint32_t n, bool latency, std::uint64_t start = 1000,
                 std::int32_t pass_status = 0) {
  FrameWriter w(4, kValueSize, latency);
  w.begin(start);
  for (std::uint32_t k = 0; k < n; ++k) {
    if (k % 3 == 2)
      w.add(k, ENOENT, {}, 10 * k);
    else
      w.add(k, 0, value_for(k), 10 * k);
  }
  auto out = w.finish(start + 500, pass_status);
  return Bytes(out.begin(), out.end());
}

void put_le(Bytes& b, std::size_t at, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::vector<Frame> decode_all(const Bytes& stream, std::size_t chunk = 0) {
  FrameDecoder d(kLimits);
  std::vector<Frame> frames;
  const std::size_t step = chunk == 0 ? stream.size() : chunk;
  for (std::size_t at = 0; at < stream.size(); at += step) {
    d.feed(std::span(stream).subspan(at, std::min(step, stream.size() - at)));
    while (auto f = d.next())
      frames.push_back(std::move(*f));
  }
  d.finish();
  return frames;
}

void expect_frame(const Frame& f, std::uint32_t n, bool latency, std::uint64_t start = 1000) {
  EXPECT_EQ(f.pass_start_ns, start);
  EXPECT_EQ(f.pass_end_ns, start + 500);
  EXPECT_EQ(f.pass_status, 0);
  EXPECT_EQ(f.has_latency, latency);
  ASSERT_EQ(f.entries.size(), n);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Entry& e = f.entries[k];
    EXPECT_EQ(e.key, k);
    EXPECT_EQ(e.latency_ns, latency ? 10 * k : 0);
    ASSERT_EQ(e.value.size(), kValueSize);
    if (k % 3 == 2) {
      EXPECT_EQ(e.status, ENOENT);
      EXPECT_EQ(Bytes(e.value.begin(), e.value.end()), Bytes(kValueSize, 0));
    } else {
      EXPECT_EQ(e.status, 0);
      EXPECT_EQ(Bytes(e.value.begin(), e.value.end()), value_for(k));
    }
  }
}

// Decodes `stream` and returns the error it raises (from feed or finish).
FrameError decode_error(const Bytes& stream, FrameLimits limits = kLimits) {
  FrameDecoder d(limits);
  try {
    d.feed(stream);
    d.finish();
  } catch (const FrameError& e) {
    return e;
  }
  ADD_FAILURE() << "stream decoded without error";
  return FrameError(FrameErrorKind::bad_magic, ~0ull, "none");
}

TEST(ExternalFrame, RoundTripWithLatency) {
  const auto frames = decode_all(make_frame(7, true));
  ASSERT_EQ(frames.size(), 1u);
  expect_frame(frames[0], 7, true);
  EXPECT_EQ(frames[0].stream_offset, 0u);
}

TEST(ExternalFrame, RoundTripWithoutLatencyAndSeveralFrames) {
  Bytes stream = make_frame(5, false, 1000);
  const Bytes second = make_frame(8, false, 1000);
  const Bytes empty = make_frame(0, false, 1000);
  stream.insert(stream.end(), second.begin(), second.end());
  stream.insert(stream.end(), empty.begin(), empty.end());
  const auto frames = decode_all(stream);
  ASSERT_EQ(frames.size(), 3u);
  expect_frame(frames[0], 5, false);
  expect_frame(frames[1], 8, false);
  expect_frame(frames[2], 0, false);
  EXPECT_EQ(frames[1].stream_offset, make_frame(5, false).size());
}

TEST(ExternalFrame, WriterMatchesGoldenBytesOfTheProtocolDoc) {
  // The example frame in docs/external-readers.md; go-cilium/frame_test.go checks it too.
  const Bytes golden = {
      0x4d, 0x53, 0x4c, 0x46, 0x01, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x08, 0x00,
      0x00, 0x00, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x07, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header
      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // key 1, ok, 100 ns
      0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // key 2, ENOENT, 200 ns
  };
  FrameWriter w(4, 8, true);
  w.begin(1000);
  const Bytes v = {1, 2, 3, 4, 5, 6, 7, 8};
  w.add(1, 0, v, 100);
  w.add(2, ENOENT, {}, 200);
  const auto out = w.finish(2000);
  EXPECT_EQ(Bytes(out.begin(), out.end()), golden);

  FrameDecoder d({.key_size = 4, .value_size = 8, .max_entries = 2});
  d.feed(golden);
  d.finish();
  auto f = d.next();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->entries.size(), 2u);
  EXPECT_EQ(f->entries[1].status, ENOENT);
  EXPECT_EQ(f->entries[1].latency_ns, 200u);
}

TEST(ExternalFrame, OneByteAtATime) {
  Bytes stream = make_frame(4, true);
  const Bytes second = make_frame(8, true);
  stream.insert(stream.end(), second.begin(), second.end());
  const std::size_t first_size = make_frame(4, true).size();

  FrameDecoder d(kLimits);
  std::vector<Frame> frames;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    d.feed(std::span(stream).subspan(i, 1));
    // A frame becomes available exactly when its last byte arrives.
    const bool frame_ends_here = i + 1 == first_size || i + 1 == stream.size();
    EXPECT_EQ(d.pending_frames(), frame_ends_here ? 1u : 0u) << "at byte " << i;
    while (auto f = d.next())
      frames.push_back(std::move(*f));
  }
  d.finish();
  EXPECT_EQ(d.bytes_fed(), stream.size());
  ASSERT_EQ(frames.size(), 2u);
  expect_frame(frames[0], 4, true);
  expect_frame(frames[1], 8, true);
}

TEST(ExternalFrame, RandomChunking) {
  Bytes stream;
  for (std::uint32_t n = 0; n <= 8; ++n) {
    const Bytes f = make_frame(n, n % 2 == 0);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    FrameDecoder d(kLimits);
    std::vector<Frame> frames;
    std::size_t at = 0;
    while (at < stream.size()) {
      const std::size_t n = std::min<std::size_t>(rng() % 97, stream.size() - at);
      d.feed(std::span(stream).subspan(at, n));
      at += n;
      while (auto f = d.next())
        frames.push_back(std::move(*f));
    }
    d.finish();
    ASSERT_EQ(frames.size(), 9u);
    for (std::uint32_t n = 0; n <= 8; ++n)
      expect_frame(frames[n], n, n % 2 == 0);
  }
}

TEST(ExternalFrame, MovedFrameKeepsValueSpans) {
  FrameDecoder d(kLimits);
  d.feed(make_frame(3, false));
  Frame a = std::move(*d.next());
  Frame b = std::move(a);
  std::vector<Frame> v;
  v.push_back(std::move(b));
  v.reserve(100);  // reallocation moves the Frame again
  expect_frame(v[0], 3, false);
}

struct ErrorCase {
  const char* name;
  FrameErrorKind kind;
  std::size_t field_offset;  // within the (second) frame
  void (*mutate)(Bytes&);
};

class ExternalFrameErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ExternalFrameErrors, KindAndAbsoluteOffset) {
  const ErrorCase& c = GetParam();
  // A good frame first, so offsets must be counted from the start of the stream.
  Bytes stream = make_frame(2, true);
  const std::size_t second_at = stream.size();
  Bytes bad = make_frame(4, true);
  c.mutate(bad);
  stream.insert(stream.end(), bad.begin(), bad.end());

  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    FrameDecoder d(kLimits);
    std::size_t good_frames = 0;
    try {
      const std::size_t step = chunk == 0 ? stream.size() : chunk;
      for (std::size_t at = 0; at < stream.size(); at += step) {
        d.feed(std::span(stream).subspan(at, std::min(step, stream.size() - at)));
        while (d.next())
          ++good_frames;
      }
      d.finish();
      ADD_FAILURE() << c.name << ": no error with chunk " << chunk;
    } catch (const FrameError& e) {
      EXPECT_EQ(e.kind(), c.kind) << c.name << ": " << e.what();
      EXPECT_EQ(e.offset(), second_at + c.field_offset) << c.name << ": " << e.what();
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos);
      EXPECT_NE(what.find(std::string(to_string(c.kind))), std::string::npos) << what;
      EXPECT_NE(what.find("at byte " + std::to_string(e.offset())), std::string::npos) << what;
      while (d.next())
        ++good_frames;
      EXPECT_EQ(good_frames, 1u) << c.name << ": the frame before the bad one is still delivered";
      // The decoder stays failed.
      EXPECT_THROW(d.feed(Bytes{0}), FrameError);
      EXPECT_THROW(d.finish(), FrameError);
    }
  }
}

// Entry layout with latency: key 4 | status 4 | latency 8 | value 16 = 32 bytes.
constexpr std::size_t kEntry = 32;

INSTANTIATE_TEST_SUITE_P(
    AllKinds, ExternalFrameErrors,
    ::testing::Values(
        ErrorCase{"bad_magic", FrameErrorKind::bad_magic, kOffMagic, [](Bytes& b) { b[1] = 'X'; }},
        ErrorCase{"bad_version", FrameErrorKind::bad_version, kOffVersion,
                  [](Bytes& b) { put_le(b, kOffVersion, 2, 2); }},
        ErrorCase{"unknown_flags", FrameErrorKind::unknown_flags, kOffFlags,
                  [](Bytes& b) { put_le(b, kOffFlags, 0x8001, 2); }},
        ErrorCase{"key_size_mismatch", FrameErrorKind::key_size_mismatch, kOffKeySize,
                  [](Bytes& b) { put_le(b, kOffKeySize, 8, 4); }},
        ErrorCase{"value_size_mismatch", FrameErrorKind::value_size_mismatch, kOffValueSize,
                  [](Bytes& b) { put_le(b, kOffValueSize, kValueSize + 8, 4); }},
        ErrorCase{"bad_time_range", FrameErrorKind::bad_time_range, kOffPassEnd,
                  [](Bytes& b) { put_le(b, kOffPassEnd, 999, 8); }},
        ErrorCase{"oversized", FrameErrorKind::oversized, kOffEntryCount,
                  [](Bytes& b) { put_le(b, kOffEntryCount, 9, 4); }},
        ErrorCase{"negative_pass_status", FrameErrorKind::bad_status, kOffPassStatus,
                  [](Bytes& b) { put_le(b, kOffPassStatus, 0xffffffff, 4); }},
        ErrorCase{"negative_entry_status", FrameErrorKind::bad_status, kHeaderSize + kEntry + 4,
                  [](Bytes& b) { put_le(b, kHeaderSize + kEntry + 4, 0xfffffffe, 4); }},
        ErrorCase{"entry_status_not_errno", FrameErrorKind::bad_status,
                  kHeaderSize + 3 * kEntry + 4,
                  [](Bytes& b) { put_le(b, kHeaderSize + 3 * kEntry + 4, 4096, 4); }},
        ErrorCase{"value_with_error_status", FrameErrorKind::bad_status,
                  kHeaderSize + 2 * kEntry + 16 + 5,
                  [](Bytes& b) { b[kHeaderSize + 2 * kEntry + 16 + 5] = 1; }},
        ErrorCase{"truncated_in_body", FrameErrorKind::truncated_at_eof,
                  kHeaderSize + 4 * kEntry - 3, [](Bytes& b) { b.resize(b.size() - 3); }},
        ErrorCase{"truncated_in_header", FrameErrorKind::truncated_at_eof, 11,
                  [](Bytes& b) { b.resize(11); }}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(ExternalFrame, OversizedIsRejectedFromTheHeaderAlone) {
  Bytes header = make_frame(0, false);
  put_le(header, kOffEntryCount, 1u << 30, 4);
  FrameDecoder d(kLimits);
  try {
    d.feed(header);  // no body follows: the decoder must not wait for (or allocate) it
    FAIL() << "oversized header accepted";
  } catch (const FrameError& e) {
    EXPECT_EQ(e.kind(), FrameErrorKind::oversized);
    EXPECT_EQ(e.offset(), kOffEntryCount);
  }
}

// A header within the limits may still claim more than the machine has
// (max_entries × a large per-CPU value); memory must follow the bytes that
// arrive, not the claim.
TEST(ExternalFrame, HugeButAllowedHeaderAllocatesOnlyWhatArrives) {
  constexpr std::uint32_t kHugeValue = 1u << 20;
  const FrameLimits limits{.key_size = 4, .value_size = kHugeValue, .max_entries = 1u << 30};
  Bytes header = make_frame(0, false);
  put_le(header, kOffValueSize, kHugeValue, 4);
  put_le(header, kOffEntryCount, 1u << 30, 4);  // about 2^50 bytes of body
  FrameDecoder d(limits);
  EXPECT_NO_THROW(d.feed(header));
  EXPECT_NO_THROW(d.feed(Bytes(100, 0)));
  EXPECT_EQ(d.pending_frames(), 0u);
  try {
    d.finish();
    FAIL() << "a stream that ends inside the body is not truncated";
  } catch (const FrameError& e) {
    EXPECT_EQ(e.kind(), FrameErrorKind::truncated_at_eof);
  }
}

TEST(ExternalFrame, EmptyStreamIsNotTruncated) {
  FrameDecoder d(kLimits);
  d.feed({});
  EXPECT_NO_THROW(d.finish());
  EXPECT_FALSE(d.next().has_value());
}

TEST(ExternalFrame, TruncatedAtEofMessageNamesTheFrame) {
  const Bytes f = make_frame(3, false);
  const FrameError e = decode_error(Bytes(f.begin(), f.end() - 1));
  EXPECT_EQ(e.kind(), FrameErrorKind::truncated_at_eof);
  EXPECT_EQ(e.offset(), f.size() - 1);
  EXPECT_NE(std::string(e.what()).find("frame starting at byte 0"), std::string::npos) << e.what();
}

TEST(ExternalFrame, KeyOutOfRangeWhenKeyCountIsSet) {
  const Bytes f = make_frame(5, true);
  FrameLimits limits = kLimits;
  limits.key_count = 5;
  EXPECT_EQ(decode_all(f).size(), 1u);  // key_count 0: unchecked
  FrameDecoder ok(limits);
  EXPECT_NO_THROW(ok.feed(f));
  limits.key_count = 4;
  const FrameError e = decode_error(f, limits);
  EXPECT_EQ(e.kind(), FrameErrorKind::key_out_of_range);
  EXPECT_EQ(e.offset(), kHeaderSize + 4 * kEntry);  // the key field of entry 4
}

TEST(ExternalFrame, MaxEntriesIsInclusive) {
  const auto frames = decode_all(make_frame(kLimits.max_entries, true));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].entries.size(), kLimits.max_entries);
}

TEST(ExternalFrame, DecoderRejectsUnsupportedLimits) {
  EXPECT_THROW(FrameDecoder({.key_size = 8, .value_size = 8, .max_entries = 1}),
               std::invalid_argument);
  EXPECT_THROW(FrameDecoder({.key_size = 4, .value_size = 0, .max_entries = 1}),
               std::invalid_argument);
  EXPECT_THROW(FrameDecoder({.key_size = 4, .value_size = 8, .max_entries = 0}),
               std::invalid_argument);
}

TEST(ExternalFrame, WriterRefusesWhatTheDecoderWouldReject) {
  FrameWriter w(4, kValueSize, false);
  EXPECT_THROW(w.add(0, 0, value_for(0)), std::logic_error);  // before begin()
  w.begin(100);
  EXPECT_THROW(w.add(0, -1, {}), std::invalid_argument);
  EXPECT_THROW(w.add(0, 4096, {}), std::invalid_argument);
  EXPECT_THROW(w.add(0, 0, Bytes(kValueSize - 1)), std::invalid_argument);
  EXPECT_THROW(w.add(0, ENOENT, value_for(0)), std::invalid_argument);  // nonzero value
  EXPECT_NO_THROW(w.add(0, ENOENT, Bytes(kValueSize, 0)));
  EXPECT_THROW(w.finish(99), std::invalid_argument);
  EXPECT_THROW(w.finish(100, -5), std::invalid_argument);
  EXPECT_NO_THROW(w.finish(100, ECANCELED));
  EXPECT_THROW(FrameWriter(8, 8, false), std::invalid_argument);
}

TEST(ExternalFrame, PassStatusRoundTrips) {
  FrameDecoder d(kLimits);
  d.feed(make_frame(2, false, 5, ECANCELED));
  auto f = d.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->pass_status, ECANCELED);
}

}  // namespace
}  // namespace mapsla::external
