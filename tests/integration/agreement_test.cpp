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
  bool needs_batch_ops = false;
  bool needs_map_elem_iter = false;
  bool arrays_only = false;  // mmap reads BPF_F_MMAPABLE arrays only
};

const ReaderCase kReaders[] = {
    {"naive keys", [] { return std::make_unique<NaiveReader>(NaiveReader::Mode::keys); }},
    {"naive dump", [] { return std::make_unique<NaiveReader>(NaiveReader::Mode::dump); }},
    {"batched 4096", [] { return std::make_unique<BatchedReader>(4096, 0); }, true},
    {"batched 7", [] { return std::make_unique<BatchedReader>(7, 0); }, true},
    {"iter", [] { return std::make_unique<IterReader>(IterReader::kDefaultBufferBytes); }, false,
     true},
    {"iter, 4 KiB reads", [] { return std::make_unique<IterReader>(4096); }, false, true},
    {"mmap double_read",
     [] { return std::make_unique<MmapReader>(MmapReader::Mode::double_read, 64, 10); }, false,
     false, true},
};

class AgreementTest : public testing::PrivilegedTest,
                      public ::testing::WithParamInterface<MapKind> {};

TEST_P(AgreementTest, EveryReaderReturnsTheSameBytesForEveryKey) {
  constexpr uint32_t kKeys = 3000;
  const MapKind kind = GetParam();
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

  for (const ReaderCase& c : kReaders) {
    SCOPED_TRACE(c.label);
    if (c.needs_batch_ops && !testing::kernel_features().batch_ops.available) {
      if (testing::privileged_required())
        ADD_FAILURE() << "kernel lacks batch ops: " << testing::kernel_features().batch_ops.detail;
      continue;
    }
    if (c.needs_map_elem_iter && !testing::kernel_features().map_elem_iter.available) {
      if (testing::privileged_required())
        ADD_FAILURE() << "kernel lacks map-element iterators: "
                      << testing::kernel_features().map_elem_iter.detail;
      continue;
    }
    if (c.arrays_only && kind != MapKind::array) continue;
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
}

INSTANTIATE_TEST_SUITE_P(Kinds, AgreementTest,
                         ::testing::Values(MapKind::hash, MapKind::array, MapKind::lru_hash,
                                           MapKind::percpu_hash, MapKind::percpu_array),
                         [](const ::testing::TestParamInfo<MapKind>& info) {
                           return std::string(to_string(info.param));
                         });

}  // namespace
}  // namespace mapsla
