#include "readers/percpu_reader.h"

#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "core/bpf/oracle_record.h"
#include "readers/batched_reader.h"
#include "readers/naive_reader.h"

namespace mapsla {

// Forwards the inner reader's blocks to the oracle, adding up each CPU's
// versions on the way: flush() runs outside the timed region.
class PercpuReader::SummingSink final : public PassSink {
 public:
  SummingSink(PercpuReader& reader, PassSink& out) : reader_(reader), out_(out) {}
  ReadBlock& block() override { return out_.block(); }
  void flush() override {
    const ReadBlock& b = out_.block();
    for (size_t i = 0; i < b.entries(); ++i) {
      if (b.key(i) == ReadBlock::kNoKey || b.status(i) != 0) continue;
      const std::byte* value = b.value(i).data();
      for (uint32_t cpu = 0; cpu < reader_.cpus_; ++cpu) {
        uint64_t version;
        std::memcpy(&version,
                    value + cpu * reader_.slot_stride_ + offsetof(mapsla_record_head, version),
                    sizeof(version));
        reader_.pass_sums_[cpu] += version;
      }
      reader_.pass_keys_++;
    }
    out_.flush();
  }

 private:
  PercpuReader& reader_;
  PassSink& out_;
};

PercpuReader::PercpuReader(Mode mode, Options options) : mode_(mode) {
  if (mode == Mode::keys)
    inner_ = std::make_unique<NaiveReader>(NaiveReader::Mode::keys);
  else
    inner_ = std::make_unique<BatchedReader>(options);
}

PercpuReader::~PercpuReader() = default;

ReaderDescriptor PercpuReader::descriptor() {
  return {"percpu",
          "per-CPU maps read whole (lookups or batches); every CPU's record validated, per-CPU "
          "version sums reported",
          {"keys", "batch"},
          [](const std::string& mode, Fields& options) {
            if (mode != "batch") return hold_reader_options(Options{});
            uint32_t batch = BatchedReader::kDefaultBatchSize;
            // Each field on its own (Fields::check): every mistake is reported.
            const bool batch_ok = options.check([&] {
              batch = static_cast<uint32_t>(
                  options.integer("batch_size", 1, 1u << 24, BatchedReader::kDefaultBatchSize));
            });
            uint32_t max_batch = 0;
            if (options.has("max_batch_size") && options.check([&] {
                  max_batch = static_cast<uint32_t>(options.integer("max_batch_size", 1, 1u << 24));
                }) &&
                batch_ok && max_batch < batch)
              options.check([&] {
                options.fail("max_batch_size",
                             fmt::format("{} is below batch_size {}", max_batch, batch));
              });
            return hold_reader_options(Options{batch, max_batch});
          },
          [](const std::string& mode, const ReaderOptions& options) {
            return std::make_unique<PercpuReader>(mode == "batch" ? Mode::batch : Mode::keys,
                                                  reader_options_as<Options>(options));
          }};
}

Applicability PercpuReader::applies_to(const TargetSpec& target) const {
  if (!is_percpu(target.kind))
    return Applicability::no(
        fmt::format("percpu aggregates per-CPU maps; a {} has one value", to_string(target.kind)));
  return inner_->applies_to(target);
}

void PercpuReader::attach(const ReadTarget& target) {
  inner_->attach(target);
  cpus_ = possible_cpus();
  slot_stride_ = (target.map.info().value_size + 7u) & ~size_t{7};
  pass_sums_.assign(cpus_, 0);
  last_sums_.clear();
  last_keys_ = complete_passes_ = 0;
}

void PercpuReader::detach() {
  inner_->detach();
}

void PercpuReader::read_pass(PassSink& sink) {
  std::fill(pass_sums_.begin(), pass_sums_.end(), 0);
  pass_keys_ = 0;
  SummingSink summing(*this, sink);
  inner_->read_pass(summing);
  last_sums_ = pass_sums_;
  last_keys_ = pass_keys_;
  complete_passes_++;
}

std::vector<std::pair<std::string, std::string>> PercpuReader::settings() const {
  std::vector<std::pair<std::string, std::string>> out = inner_->settings();
  out.emplace_back("read_with", std::string(inner_->name()));
  return out;
}

std::vector<std::pair<std::string, uint64_t>> PercpuReader::figures() const {
  std::vector<std::pair<std::string, uint64_t>> out = {
      {"possible_cpus", cpus_}, {"passes", complete_passes_}, {"keys_summed", last_keys_}};
  for (size_t cpu = 0; cpu < last_sums_.size(); ++cpu)
    out.emplace_back(fmt::format("cpu{}_version_sum", cpu), last_sums_[cpu]);
  out.emplace_back("version_sum", std::accumulate(last_sums_.begin(), last_sums_.end(), 0ull));
  return out;
}

}  // namespace mapsla
