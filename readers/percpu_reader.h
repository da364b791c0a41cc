// percpu: reads per-CPU maps whole and aggregates over CPUs, as an agent
// that keeps per-CPU counters does.
//
// Mode `keys` reads with the naive reader's per-key lookups, mode `batch`
// with the batched reader (BPF_MAP_LOOKUP_BATCH, `batch_size`,
// `max_batch_size`); either way one value is every possible CPU's slot
// (libbpf_num_possible_cpus() slots of round_up(value_size, 8) bytes). The
// oracle validates each CPU's record on its own. Before a block goes to the
// oracle (outside the timed region) the reader adds up, per CPU, the
// version of every key it read successfully; the sums of the last complete
// pass are reported as figures (`cpu<N>_version_sum`, `version_sum`,
// `keys_summed`), so what each CPU's writer published can be reconciled
// with what was read.
//
// Contract: that of the underlying strategy, per CPU slot. The kernel copies
// each CPU's slot without a lock, so a slot written in place while it is
// copied can be torn; slots of one value are copied one after the other, so
// the sum over CPUs is not a snapshot of one instant. Applies to
// percpu_hash and percpu_array only (batch mode also needs the kernel's
// batch ops).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "readers/batched_reader.h"
#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class PercpuReader final : public Reader {
 public:
  enum class Mode { keys, batch };

  // Mode batch's batches (mode keys has no options).
  using Options = BatchedReader::Options;

  PercpuReader(Mode mode, Options options);
  ~PercpuReader() override;
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "percpu"; }
  std::string_view mode() const override { return mode_ == Mode::keys ? "keys" : "batch"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;
  void detach() override;
  size_t entries_per_block() const override { return inner_->entries_per_block(); }
  std::vector<std::pair<std::string, std::string>> settings() const override;
  std::vector<std::pair<std::string, uint64_t>> figures() const override;

  // Per possible CPU, the sum of the versions read in the last complete
  // pass; empty before one.
  const std::vector<uint64_t>& last_pass_cpu_sums() const { return last_sums_; }
  uint64_t last_pass_keys() const { return last_keys_; }

 private:
  class SummingSink;

  Mode mode_;
  std::unique_ptr<Reader> inner_;
  uint32_t cpus_ = 0;
  size_t slot_stride_ = 0;
  std::vector<uint64_t> pass_sums_;
  std::vector<uint64_t> last_sums_;
  uint64_t pass_keys_ = 0;
  uint64_t last_keys_ = 0;
  uint64_t complete_passes_ = 0;
};

}  // namespace mapsla
