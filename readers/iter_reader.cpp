#include "readers/iter_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/bpf/fd.h"
#include "core/bpf/map.h"
#include "core/util/clock.h"

namespace mapsla {

ReaderDescriptor IterReader::descriptor() {
  return {"iter",
          "a map-element BPF iterator (iter/bpf_map_elem): one read() of the iterator fd per op",
          {"dump"},
          [](const std::string&, Fields& fields) {
            return hold_reader_options(Options{static_cast<uint32_t>(
                fields.integer("buffer_bytes", 4096, 16u << 20, kDefaultBufferBytes))});
          },
          [](const std::string&, const ReaderOptions& options) {
            return std::make_unique<IterReader>(reader_options_as<Options>(options));
          },
          // One read() must hold at least one frame (attach() would refuse it).
          [](const ReaderOptions& parsed, Fields& options, const TargetSpec& map) {
            const uint64_t frame =
                sizeof(uint32_t) +
                uint64_t{map.value_size} * (is_percpu(map.kind) ? possible_cpus() : 1);
            const uint64_t buffer = reader_options_as<Options>(parsed).buffer_bytes;
            if (buffer < frame)
              options.fail("buffer_bytes",
                           fmt::format("{} bytes{} cannot hold one {}-byte frame of this {} map "
                                       "(a 4-byte key and its value on every CPU)",
                                       buffer, options.has("buffer_bytes") ? "" : " (the default)",
                                       frame, to_string(map.kind)));
          }};
}

Applicability IterReader::applies_to(const TargetSpec& target) const {
  if (target.features && !target.features->map_elem_iter.available)
    return Applicability::no(target.features->map_elem_iter.detail);
  return Applicability::yes();
}

void IterReader::attach(const ReadTarget& target) {
  if (target.map.info().key_size != sizeof(uint32_t))
    throw std::invalid_argument(
        fmt::format("iter: key size {} is not 4", target.map.info().key_size));
  iterator_ = std::make_unique<MapIterator>(target.map);
  frame_bytes_ = iterator_->frame_bytes();
  if (buffer_bytes_ < frame_bytes_)
    throw std::invalid_argument(fmt::format("iter: buffer_bytes {} cannot hold one {}-byte frame",
                                            buffer_bytes_, frame_bytes_));
  buffer_.assign(buffer_bytes_, std::byte{0});
  frames_per_read_ = buffer_bytes_ / frame_bytes_;
}

void IterReader::detach() {
  iterator_.reset();
}

size_t IterReader::entries_per_block() const {
  // attach() has not run when the runner asks: assume the smallest frame.
  const size_t most_frames = buffer_bytes_ / (sizeof(uint32_t) + 64);
  return std::max<size_t>(4096, 2 * most_frames);
}

std::vector<std::pair<std::string, std::string>> IterReader::settings() const {
  return {{"buffer_bytes", std::to_string(buffer_bytes_)}};
}

void IterReader::read_pass(PassSink& sink) {
  ReadBlock& block = sink.block();
  const size_t value_bytes = frame_bytes_ - sizeof(uint32_t);
  block.start(now_ns());
  const int fd = iterator_->open();
  if (fd < 0) {
    block.add(ReadBlock::kNoKey, -fd);
    block.end_op(now_ns());
    sink.flush();
    return;
  }
  UniqueFd iter_fd(fd);
  size_t carried = 0;  // bytes of an incomplete frame kept from the last read()
  for (;;) {
    if (block.room() < frames_per_read_) {
      sink.flush();
      block.start(now_ns());
    }
    const ssize_t n = ::read(iter_fd.get(), buffer_.data() + carried, buffer_.size() - carried);
    if (n < 0) {
      if (errno == EINTR) continue;
      block.add(ReadBlock::kNoKey, errno);
      block.end_op(now_ns());
      break;
    }
    if (n == 0) {
      iter_fd.reset();
      if (carried) block.add(ReadBlock::kNoKey, EPROTO);
      block.end_op(now_ns());
      break;
    }
    const size_t total = carried + static_cast<size_t>(n);
    size_t offset = 0;
    for (; total - offset >= frame_bytes_; offset += frame_bytes_) {
      std::memcpy(block.key_slot(), buffer_.data() + offset, sizeof(uint32_t));
      std::memcpy(block.value_slot(), buffer_.data() + offset + sizeof(uint32_t), value_bytes);
      block.add(*block.key_slot(), 0);
    }
    // The kernel never splits a frame between reads; this only keeps a
    // partial one correct should that change.
    carried = total - offset;
    if (carried) std::memmove(buffer_.data(), buffer_.data() + offset, carried);
    block.end_op(now_ns());
  }
  sink.flush();
}

}  // namespace mapsla
