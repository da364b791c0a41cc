// On a quiet map every strategy must return the same thing: each key once,
// with exactly the bytes the map holds. Readers are compared value for value
// with a plain bpf_map_lookup_elem of every key (naive keys) and with the
// records the test wrote. Add a strategy by adding one line to kReaders.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/target_map.h"
#include "readers/batched_reader.h"
#include "readers/iter_reader.h"
#include "readers/mmap_reader.h"
#include "readers/naive_reader.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

// Keeps every entry a reader hands over, keyed by key; counts what does not
// belong in a quiet pass (a repeated key, a non-zero status).
class CapturingSink final : public PassSink {
 public:
  CapturingSink(size_t entries, size_t stride) : block_(entries, stride) {}
  ReadBlock& block() override { return block_; }
  void flush() override {
    for (size_t i = 0; i < block_.entries(); ++i) {
      if (block_.status(i) != 0) {
        errors.push_back(block_.status(i));
        continue;
      }
      const auto bytes = block_.value(i);
      if (!values.emplace(block_.key(i), std::vector<std::byte>(bytes.begin(), bytes.end())).second)
        ++duplicates;
    }
    block_.clear();
  }

  std::map<uint32_t, std::vector<std::byte>> values;
  std::vector<int> errors;
  size_t duplicates = 0;

 private:
  ReadBlock block_;
};

struct ReaderCase {
  const char* label;
  std::function<std::unique_ptr<Reader>()> make;
  const char* needs = nullptr;  // a KernelFeatures name the reader needs, or none
  bool arrays_only = false;     // mmap reads BPF_F_MMAPABLE arrays only
};

const ReaderCase kReaders[] = {
    {"naive_keys", [] { return std::make_unique<NaiveReader>(NaiveReader::Mode::keys); }},
    {"naive_dump", [] { return std::make_unique<NaiveReader>(NaiveReader::Mode::dump); }},
    {"batched_4096",
     [] {
       return std::make_unique<BatchedReader>(BatchedReader::Options{4096, 0});
     },
     "batch_ops"},
    {"batched_7",
     [] {
       return std::make_unique<BatchedReader>(BatchedReader::Options{7, 0});
     },
     "batch_ops"},
    {"iter", [] { return std::make_unique<IterReader>(IterReader::Options{}); }, "map_elem_iter"},
    {"iter_4KiB_reads", [] { return std::make_unique<IterReader>(IterReader::Options{4096}); },
     "map_elem_iter"},
    {"mmap_double_read",
     [] {
       return std::make_unique<MmapReader>(MmapReader::Mode::double_read,
                                           MmapReader::Options{64, 10});
     },
     "mmapable_array", true},
};

// Every (map kind, reader) pair that can apply; inapplicable pairs (mmap on a
// hash) are not instantiated rather than skipped.
std::vector<std::pair<MapKind, size_t>> applicable_pairs() {
  std::vector<std::pair<MapKind, size_t>> out;
  for (MapKind kind : {MapKind::hash, MapKind::array, MapKind::lru_hash, MapKind::percpu_hash,
                       MapKind::percpu_array})
    for (size_t r = 0; r < std::size(kReaders); ++r)
      if (!kReaders[r].arrays_only || kind == MapKind::array) out.emplace_back(kind, r);
  return out;
}

class AgreementTest : public testing::PrivilegedTest,
                      public ::testing::WithParamInterface<std::pair<MapKind, size_t>> {};

TEST_P(AgreementTest, ReaderReturnsTheSameBytesForEveryKey) {
  const auto [kind, reader_index] = GetParam();
  const ReaderCase& c = kReaders[reader_index];
  if (c.needs) {
    const FeatureState& state = *testing::kernel_features().find(c.needs);
    if (!state.available) {
      if (testing::kernel_skip_allowed(c.needs)) MAPSLA_KERNEL_SKIP(c.needs, state.detail);
      MAPSLA_SKIP_OR_FAIL(std::string("kernel feature ") + c.needs + " missing: " + state.detail);
    }
  }
  constexpr uint32_t kKeys = 3000;
  // An LRU map gets room to spare so that no update evicts a key.
  const uint32_t entries = kind == MapKind::lru_hash ? 2 * kKeys : kKeys;
  const MapSpec spec{kind, entries, kKeys, 256, {}};
  TargetMap map(spec, "itest_agree");
  VersionBoard board(spec.keys);
  map.prefill(board);
  // Different versions per key (and per CPU slot), so a reader that mixed up
  // keys, slots or strides could not match by accident.
  const size_t stride = map.view().value_buffer_size();
  const size_t slot = (spec.value_size + 7u) & ~7u;
  const uint32_t slots = is_percpu(kind) ? possible_cpus() : 1;
  std::map<uint32_t, std::vector<std::byte>> expected;
  for (uint32_t key = 0; key < kKeys; ++key) {
    std::vector<std::byte> value(stride);
    for (uint32_t cpu = 0; cpu < slots; ++cpu)
      make_record(std::span(value.data() + cpu * slot, spec.value_size), key, 2 + (key + cpu) % 5,
                  cpu);
    ASSERT_EQ(map.view().update(&key, value.data(), BPF_ANY), 0) << key;
    expected.emplace(key, std::move(value));
  }
  const ReadTarget target{map.view(), kKeys, WriterPattern::inplace, ""};

  std::unique_ptr<Reader> reader = c.make();
  reader->attach(target);
  CapturingSink sink(reader->entries_per_block(), stride);
  reader->read_pass(sink);
  reader->detach();
  EXPECT_TRUE(sink.errors.empty()) << sink.errors.size() << " errors, first " << sink.errors[0];
  EXPECT_EQ(sink.duplicates, 0u);
  ASSERT_EQ(sink.values.size(), kKeys);
  size_t mismatches = 0;
  for (const auto& [key, bytes] : expected)
    if (sink.values.at(key) != bytes) ++mismatches;
  EXPECT_EQ(mismatches, 0u) << "keys whose bytes differ from what the map holds";
}

INSTANTIATE_TEST_SUITE_P(Kinds, AgreementTest, ::testing::ValuesIn(applicable_pairs()),
                         [](const ::testing::TestParamInfo<std::pair<MapKind, size_t>>& info) {
                           return std::string(to_string(info.param.first)) + "_" +
                                  kReaders[info.param.second].label;
                         });

}  // namespace
}  // namespace mapsla
