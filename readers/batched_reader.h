// batched: BPF_MAP_LOOKUP_BATCH, `batch_size` entries per system call.
//
// One op is one batch call; keys and values are written by the kernel
// straight into the block's slots. The cursor is opaque (a bucket index for
// hash kinds, the last key for arrays) and is passed back unchanged. ENOENT
// ends the pass, after the partial batch it came with. ENOSPC with nothing
// returned means a hash bucket holds more entries than the batch: the batch
// doubles for the rest of the pass, up to `max_batch_size`; ENOSPC at that
// size throws (the cell fails, naming the bucket limit). Hash, lru_hash,
// array and the per-CPU kinds (a value is possible_cpus() slots of
// round_up(value_size, 8) bytes). Needs the kernel's batch ops.
//
// Contract: the kernel copies a hash bucket under its bucket lock, so a pass
// returns each key at most once and never a value half-replaced by
// bpf_map_update_elem; but a bucket copied between a churn writer's delete
// and re-insert lacks that key (skipped), buckets are copied at different
// moments (no snapshot across buckets), and values written in place through
// a lookup pointer, or in an array, can still be torn.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class BatchedReader final : public Reader {
 public:
  static constexpr uint32_t kDefaultBatchSize = 4096;
  // Growth bound when the scenario gives none (clamped to max_entries, which
  // no bucket can exceed, and never below batch_size).
  static constexpr uint32_t kDefaultMaxBatchSize = 16384;

  struct Options {
    uint32_t batch_size = kDefaultBatchSize;
    uint32_t max_batch_size = 0;  // 0: the default bound
  };

  explicit BatchedReader(Options options)
      : batch_size_(options.batch_size), max_batch_option_(options.max_batch_size) {}
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "batched"; }
  std::string_view mode() const override { return "batch"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;
  size_t entries_per_block() const override;
  std::vector<std::pair<std::string, std::string>> settings() const override;
  std::vector<std::pair<std::string, uint64_t>> figures() const override {
    return {{"enospc_retries", enospc_}, {"largest_batch", largest_batch_}};
  }

  uint32_t batch_size() const { return batch_size_; }
  uint32_t max_batch_size() const { return max_batch_; }
  // ENOSPC answers seen since attach (each one doubled the batch).
  uint64_t enospc_count() const { return enospc_; }
  // Largest batch a pass has grown to since attach.
  uint32_t largest_batch() const { return largest_batch_; }

 private:
  uint32_t batch_size_;
  uint32_t max_batch_option_;
  uint32_t max_batch_ = 0;
  MapView map_;
  uint64_t enospc_ = 0;
  uint32_t largest_batch_ = 0;
};

}  // namespace mapsla
