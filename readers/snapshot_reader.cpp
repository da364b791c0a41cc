#include "readers/snapshot_reader.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/util/clock.h"
#include "readers/crc32c.h"

namespace mapsla {
namespace {

constexpr size_t kVersionOffset = offsetof(mapsla_record_head, version);

}  // namespace

ReaderDescriptor SnapshotReader::descriptor() {
  return {"snapshot",
          "reads twice and accepts a value only when both copies' CRC32C match (value), or "
          "snapshots the key set twice and re-reads keys whose version changed (pass)",
          {"value", "pass"},
          [](const std::string&, Fields& fields) {
            Options o;
            o.max_attempts =
                static_cast<uint32_t>(fields.integer("max_attempts", 1, 1000, o.max_attempts));
            return hold_reader_options(o);
          },
          [](const std::string& mode, const ReaderOptions& options) {
            return std::make_unique<SnapshotReader>(mode == "pass" ? Mode::pass : Mode::value,
                                                    reader_options_as<Options>(options));
          }};
}

Applicability SnapshotReader::applies_to(const TargetSpec& target) const {
  if (mode_ == Mode::pass) {
    const uint64_t bytes =
        2ull * target.entries * value_buffer_size(target.kind, target.value_size);
    if (bytes > kMaxPassBytes)
      return Applicability::no(
          fmt::format("pass mode would hold {} MiB of snapshots (limit {} MiB); use mode value",
                      bytes >> 20, kMaxPassBytes >> 20));
  }
  return Applicability::yes();
}

void SnapshotReader::attach(const ReadTarget& target) {
  const MapInfo& info = target.map.info();
  if (info.key_size != sizeof(uint32_t))
    throw std::invalid_argument(fmt::format("snapshot: key size {} is not 4", info.key_size));
  map_ = target.map;
  key_count_ = target.key_count;
  stride_ = map_.value_buffer_size();
  slots_ = is_percpu(info.kind) ? possible_cpus() : 1;
  slot_stride_ = is_percpu(info.kind) ? ((info.value_size + 7u) & ~7u) : info.value_size;
  scratch_.assign(stride_, std::byte{0});
  if (mode_ == Mode::pass) {
    copies_a_.assign(key_count_ * stride_, std::byte{0});
    copies_b_.assign(key_count_ * stride_, std::byte{0});
    status_a_.assign(key_count_, 0);
    status_b_.assign(key_count_, 0);
    key_ns_.assign(key_count_, 0);
    attempts_.assign(key_count_, 1);
    changed_.reserve(key_count_);
  }
}

void SnapshotReader::detach() {
  for (auto* v : {&scratch_, &copies_a_, &copies_b_})
    std::vector<std::byte>().swap(*v);
}

std::vector<std::pair<std::string, std::string>> SnapshotReader::settings() const {
  return {{"max_attempts", std::to_string(max_attempts_)},
          {"crc32c", std::string(crc32c_implementation())}};
}

void SnapshotReader::read_pass(PassSink& sink) {
  if (mode_ == Mode::value)
    read_values(sink);
  else
    read_snapshots(sink);
}

uint32_t SnapshotReader::checksum(const std::byte* value) const {
  return crc32c({value, stride_});
}

bool SnapshotReader::same_versions(const std::byte* a, const std::byte* b) const {
  for (size_t slot = 0; slot < slots_; ++slot) {
    const size_t at = slot * slot_stride_ + kVersionOffset;
    if (std::memcmp(a + at, b + at, sizeof(uint64_t)) != 0) return false;
  }
  return true;
}

void SnapshotReader::read_values(PassSink& sink) {
  ReadBlock& block = sink.block();
  std::byte* const second = scratch_.data();
  block.start(now_ns());
  for (uint32_t key = 0; key < key_count_; ++key) {
    if (block.full()) {
      sink.flush();
      block.start(now_ns());
    }
    std::byte* const first = block.value_slot();
    int status = map_.lookup(&key, first);
    uint32_t crc = status ? 0 : checksum(first);
    uint32_t comparisons = 0;
    while (comparisons < max_attempts_) {
      const int status2 = map_.lookup(&key, second);
      const uint32_t crc2 = status2 ? 0 : checksum(second);
      ++comparisons;
      if (status2 == status && (status != 0 || crc2 == crc)) break;
      // Disagreement: the newest copy becomes the one to confirm (and the
      // one handed over if the budget runs out).
      if (status2 == 0) std::memcpy(first, second, stride_);
      status = status2;
      crc = crc2;
    }
    block.add(key, status, static_cast<uint16_t>(comparisons));
    block.end_op(now_ns());
  }
  sink.flush();
}

void SnapshotReader::read_snapshots(PassSink& sink) {
  changed_.clear();
  const uint64_t pass_start = now_ns();
  uint64_t last = pass_start;
  for (uint32_t key = 0; key < key_count_; ++key) {
    status_a_[key] = map_.lookup(&key, copy_a(key));
    const uint64_t now = now_ns();
    key_ns_[key] = now - last;
    last = now;
  }
  auto agree = [&](uint32_t key, int a, int b) {
    if (a != b) return false;
    if (a != 0) return true;
    return same_versions(copy_a(key), copy_b(key)) &&
           checksum(copy_a(key)) == checksum(copy_b(key));
  };
  for (uint32_t key = 0; key < key_count_; ++key) {
    status_b_[key] = map_.lookup(&key, copy_b(key));
    attempts_[key] = 1;
    if (!agree(key, status_a_[key], status_b_[key])) changed_.push_back(key);
    const uint64_t now = now_ns();
    key_ns_[key] += now - last;
    last = now;
  }
  // Keys that changed between the snapshots: copy B is the newest; re-read
  // into A and compare until two consecutive copies agree. A always ends up
  // holding the copy handed over.
  for (const uint32_t key : changed_) {
    uint32_t comparisons = 1;
    bool agreed = false;
    while (comparisons < max_attempts_ && !agreed) {
      status_a_[key] = map_.lookup(&key, copy_a(key));
      ++comparisons;
      agreed = agree(key, status_a_[key], status_b_[key]);
      if (!agreed) {
        std::memcpy(copy_b(key), copy_a(key), stride_);
        status_b_[key] = status_a_[key];
      }
    }
    if (comparisons == 1) {  // no budget to re-read: hand over the newest copy
      std::memcpy(copy_a(key), copy_b(key), stride_);
      status_a_[key] = status_b_[key];
    }
    attempts_[key] = static_cast<uint16_t>(comparisons);
    const uint64_t now = now_ns();
    key_ns_[key] += now - last;
    last = now;
  }

  // Hand the accepted copies over. The block's timeline is replayed from the
  // per-key times, so op latencies and the pass time are the reading's, not
  // the hand-over's.
  ReadBlock& block = sink.block();
  uint64_t t = pass_start;
  block.start(t);
  for (uint32_t key = 0; key < key_count_; ++key) {
    if (block.full()) {
      sink.flush();
      block.start(t);
    }
    std::memcpy(block.value_slot(), copy_a(key), stride_);
    block.add(key, status_a_[key], attempts_[key]);
    t += key_ns_[key];
    block.end_op(t);
  }
  sink.flush();
}

}  // namespace mapsla
