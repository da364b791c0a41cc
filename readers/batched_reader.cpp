#include "readers/batched_reader.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

#include "core/bpf/error.h"
#include "core/util/clock.h"

namespace mapsla {
namespace {

// The largest max_entries a scenario can declare (harness/scenario_parser.cpp).
constexpr uint64_t kMaxEntries = 1u << 24;

}  // namespace

ReaderDescriptor BatchedReader::descriptor() {
  ReaderDescriptor d{
      "batched",
      "BPF_MAP_LOOKUP_BATCH, batch_size entries per call; ENOSPC grows the batch",
      {"batch"},
      [](const std::string&, Fields& options) {
        const bool batch_given = options.has("batch_size");
        uint32_t batch = kDefaultBatchSize;
        // Each field on its own (Fields::check): every mistake is reported.
        const bool batch_ok = options.check([&] {
          batch = static_cast<uint32_t>(
              options.integer("batch_size", 1, kMaxEntries, kDefaultBatchSize));
        });
        uint32_t max_batch = 0;
        if (options.has("max_batch_size") && options.check([&] {
              max_batch = static_cast<uint32_t>(options.integer("max_batch_size", 1, kMaxEntries));
            })) {
          // Only an explicit batch_size conflicts; the default shrinks to fit.
          if (!batch_given) batch = std::min(batch, max_batch);
          if (batch_ok && max_batch < batch)
            options.check([&] {
              options.fail("max_batch_size",
                           fmt::format("{} is below batch_size {}", max_batch, batch));
            });
        }
        options.mark_known("max_batch_size");
        return hold_reader_options(Options{batch, max_batch});
      },
      [](const std::string&, const ReaderOptions& options) {
        return std::make_unique<BatchedReader>(reader_options_as<Options>(options));
      }};
  return d;
}

Applicability BatchedReader::applies_to(const TargetSpec& target) const {
  if (target.features && !target.features->batch_ops.available)
    return Applicability::no("the kernel lacks BPF_MAP_LOOKUP_BATCH: " +
                             target.features->batch_ops.detail);
  return Applicability::yes();
}

void BatchedReader::attach(const ReadTarget& target) {
  const MapInfo& info = target.map.info();
  if (info.key_size != sizeof(uint32_t))
    throw std::invalid_argument(fmt::format("batched: key size {} is not 4", info.key_size));
  map_ = target.map;
  max_batch_ = max_batch_option_
                   ? max_batch_option_
                   : std::max(batch_size_, std::min(kDefaultMaxBatchSize, info.max_entries));
  largest_batch_ = batch_size_;
}

size_t BatchedReader::entries_per_block() const {
  // A grown batch must still land in one block.
  return std::max(batch_size_, max_batch_);
}

std::vector<std::pair<std::string, std::string>> BatchedReader::settings() const {
  std::vector<std::pair<std::string, std::string>> out = {
      {"batch_size", std::to_string(batch_size_)}};
  out.emplace_back("max_batch_size", max_batch_option_ ? std::to_string(max_batch_option_)
                                                       : fmt::format("default (min(max_entries, "
                                                                     "{}), at least batch_size)",
                                                                     kDefaultMaxBatchSize));
  return out;
}

void BatchedReader::read_pass(PassSink& sink) {
  ReadBlock& block = sink.block();
  // Cursor tokens: a u32 bucket index for hash kinds, a key for arrays.
  alignas(8) uint64_t cursor_in = 0;
  alignas(8) uint64_t cursor_out = 0;
  bool first = true;
  uint32_t batch = batch_size_;
  block.start(now_ns());
  for (;;) {
    // Batches fill the block back to back and the oracle judges it only when
    // the next batch would not fit: judging after every batch left the
    // kernel's next bucket walk with caches and TLB full of the oracle's
    // tables, about 15% over the raw batch loop (tests/bench).
    if (block.room() < batch) {
      sink.flush();
      block.start(now_ns());
    }
    uint32_t count = batch;
    const int err = map_.lookup_batch(first ? nullptr : &cursor_in, &cursor_out, block.key_slot(),
                                      block.value_slot(), &count);
    if (err == 0 || err == ENOENT) {
      block.add_filled(count);
      block.end_op(now_ns());
      if (err == ENOENT) break;  // the end of the map, after a partial batch
      cursor_in = cursor_out;
      first = false;
      continue;
    }
    if (err == ENOSPC && count == 0) {
      ++enospc_;
      if (batch >= max_batch_)
        throw BpfError("BPF_MAP_LOOKUP_BATCH",
                       fmt::format("map {}: a hash bucket holds more than max_batch_size {} "
                                   "entries; raise max_batch_size",
                                   map_.info().name, max_batch_),
                       ENOSPC);
      // The failed call's time folds into the next op, as a caller would
      // see it. The batch stays grown for the rest of this pass.
      batch = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{batch} * 2, max_batch_));
      largest_batch_ = std::max(largest_batch_, batch);
      continue;
    }
    block.add(ReadBlock::kNoKey, err);
    block.end_op(now_ns());
    break;
  }
  sink.flush();
}

}  // namespace mapsla
