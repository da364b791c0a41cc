// libFuzzer target for the external-reader frame decoder.
//
// Input: byte 0 picks the limits (bits 0-2: value size, max entries, key count), byte 1 the chunk
// size the stream is fed in, the rest is the stream. Beyond "no crash, no sanitizer report" it
// checks that every frame the decoder accepts re-encodes with FrameWriter to exactly the bytes it
// was decoded from, i.e. decoder and encoder agree on the format, and that errors point inside the
// stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "readers/external/frame.h"

using mapsla::external::Frame;
using mapsla::external::FrameDecoder;
using mapsla::external::FrameError;
using mapsla::external::FrameLimits;
using mapsla::external::FrameWriter;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void reencode(const Frame& f, const FrameLimits& limits, std::vector<std::uint8_t>& out) {
  check(f.entries.size() <= limits.max_entries);
  FrameWriter w(limits.key_size, limits.value_size, f.has_latency);
  w.begin(f.pass_start_ns);
  for (const auto& e : f.entries) {
    check(e.value.size() == limits.value_size);
    check(f.has_latency || e.latency_ns == 0);
    w.add(e.key, e.status, e.status == 0 ? e.value : std::span<const std::uint8_t>(), e.latency_ns);
  }
  const auto bytes = w.finish(f.pass_end_ns, f.pass_status);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t config = data[0];
  const std::size_t chunk = data[1] == 0 ? size : data[1];
  const std::span<const std::uint8_t> stream(data + 2, size - 2);
  const FrameLimits limits{.key_size = 4,
                           .value_size = (config & 1) ? 64u : 8u,
                           .max_entries = (config & 2) ? 16u : 4u,
                           .key_count = (config & 4) ? 8u : 0u};

  FrameDecoder decoder(limits);
  std::vector<std::uint8_t> reencoded;
  try {
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      decoder.feed(stream.subspan(at, std::min(chunk, stream.size() - at)));
      while (auto f = decoder.next()) {
        check(f->stream_offset == reencoded.size());
        reencode(*f, limits, reencoded);
      }
    }
    decoder.finish();
    check(reencoded.size() == stream.size());
  } catch (const FrameError& e) {
    check(e.offset() <= stream.size());
    check(std::strchr(e.what(), '\n') == nullptr);
    while (auto f = decoder.next())
      reencode(*f, limits, reencoded);
    check(reencoded.size() <= stream.size());
  }
  check(reencoded.empty() || std::memcmp(reencoded.data(), stream.data(), reencoded.size()) == 0);
  return 0;
}
