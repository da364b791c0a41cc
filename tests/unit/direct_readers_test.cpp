// mmap, locked, iter and percpu without a kernel: strict options, when each
// applies (and the reason when it does not), the writer patterns they need,
// and the oracle's per-CPU and locked value layouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

#include "harness/oracle.h"
#include "harness/scenario_parser.h"
#include "readers/iter_reader.h"
#include "readers/locked_reader.h"
#include "readers/mmap_reader.h"
#include "readers/percpu_reader.h"
#include "tests/unit/scenario_errors.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

std::string scenario(const std::string& map, const std::string& writer, const std::string& reader) {
  return fmt::format("map: {}\nwriter: {}\nreaders:\n  - {}\n", map, writer, reader);
}

std::string error_of(const std::string& text) {
  return testing::scenario_parse_error(text);
}

constexpr const char* kArray = "{kind: array, entries: 64}";
constexpr const char* kQuiet = "{driver: none}";

TEST(DirectReaderOptions, AreReadStrictly) {
  const auto s = parse_scenarios(
      scenario(kArray, kQuiet, "{reader: mmap, mode: none, entries_per_op: 8, max_attempts: 3}"),
      "s.yaml");
  EXPECT_EQ(s[0].readers[0].mode, "none");
  EXPECT_THAT(error_of(scenario(kArray, kQuiet, "{reader: mmap, entries_per_op: 0}")),
              HasSubstr("field 'readers[0].entries_per_op'"));
  EXPECT_THAT(error_of(scenario(kArray, kQuiet, "{reader: mmap, mode: seqlocked}")),
              HasSubstr("readers[0].mode"));
  EXPECT_THAT(error_of(scenario(kArray, kQuiet, "{reader: mmap, batch_size: 4}")),
              HasSubstr("batch_size"));
  EXPECT_THAT(error_of(scenario(kArray, kQuiet, "{reader: iter, buffer_bytes: 100}")),
              HasSubstr("field 'readers[0].buffer_bytes'"));
  EXPECT_THAT(error_of(scenario(kArray, kQuiet, "{reader: locked, retries: 3}")),
              HasSubstr("retries"));
  EXPECT_THAT(
      error_of(scenario(kArray, kQuiet,
                        "{reader: percpu, mode: batch, batch_size: 64, max_batch_size: 8}")),
      HasSubstr("below batch_size"));
}

TEST(DirectReaderPatterns, WriterPatternsNeedTheirMapKinds) {
  EXPECT_THAT(error_of(scenario("{kind: percpu_hash, entries: 64}",
                                "{driver: test_run, pattern: locked}", "{reader: naive}")),
              HasSubstr("bpf_spin_lock"));
  EXPECT_THAT(error_of(scenario("{kind: hash, entries: 64}", "{driver: test_run, pattern: percpu}",
                                "{reader: naive}")),
              HasSubstr("percpu_hash or percpu_array"));
  const auto locked =
      parse_scenarios(scenario("{kind: hash, entries: 64}", "{driver: test_run, pattern: locked}",
                               "{reader: locked}"),
                      "s.yaml");
  EXPECT_TRUE(locked[0].map.spin_lock);
  const auto plain = parse_scenarios(
      scenario(kArray, "{driver: test_run, pattern: seqlock}", "{reader: mmap}"), "s.yaml");
  EXPECT_FALSE(plain[0].map.spin_lock);
}

KernelFeatures all_features() {
  KernelFeatures f;
  for (FeatureState* s : {&f.mmapable_array, &f.map_lock, &f.map_elem_iter, &f.batch_ops})
    *s = {true, "probed"};
  return f;
}

TEST(DirectReaderApplicability, EachSaysWhyNot) {
  const KernelFeatures features = all_features();
  auto spec = [&](MapKind kind, WriterPattern pattern, bool running = true) {
    return TargetSpec{kind, 64, 64, pattern, running, &features};
  };
  const MmapReader seqlock(MmapReader::Mode::seqlock, {.entries_per_op = 64, .max_attempts = 10});
  const MmapReader plain(MmapReader::Mode::none, {.entries_per_op = 64, .max_attempts = 10});
  EXPECT_TRUE(seqlock.applies_to(spec(MapKind::array, WriterPattern::seqlock)).applicable);
  EXPECT_TRUE(seqlock.applies_to(spec(MapKind::array, WriterPattern::inplace, false)).applicable);
  EXPECT_THAT(seqlock.applies_to(spec(MapKind::array, WriterPattern::inplace)).reason,
              HasSubstr("seqlock writer pattern"));
  EXPECT_TRUE(plain.applies_to(spec(MapKind::array, WriterPattern::inplace)).applicable);
  EXPECT_THAT(plain.applies_to(spec(MapKind::percpu_array, WriterPattern::inplace)).reason,
              HasSubstr("a percpu_array cannot be mapped"));
  EXPECT_THAT(plain.applies_to(spec(MapKind::array, WriterPattern::locked)).reason,
              HasSubstr("bpf_spin_lock"));

  const LockedReader locked;
  EXPECT_TRUE(locked.applies_to(spec(MapKind::hash, WriterPattern::locked)).applicable);
  EXPECT_TRUE(locked.applies_to(spec(MapKind::array, WriterPattern::locked)).applicable);
  EXPECT_THAT(locked.applies_to(spec(MapKind::hash, WriterPattern::inplace)).reason,
              HasSubstr("bpf_spin_lock"));

  const PercpuReader percpu(PercpuReader::Mode::keys, {});
  EXPECT_TRUE(percpu.applies_to(spec(MapKind::percpu_hash, WriterPattern::percpu)).applicable);
  EXPECT_THAT(percpu.applies_to(spec(MapKind::hash, WriterPattern::inplace)).reason,
              HasSubstr("per-CPU"));

  const IterReader iter(IterReader::Options{});
  EXPECT_TRUE(iter.applies_to(spec(MapKind::percpu_array, WriterPattern::percpu)).applicable);
  KernelFeatures old_kernel = features;
  old_kernel.map_elem_iter = {false, "vmlinux BTF has no bpf_iter__bpf_map_elem"};
  EXPECT_THAT(
      iter.applies_to({MapKind::hash, 64, 64, WriterPattern::inplace, true, &old_kernel}).reason,
      HasSubstr("bpf_iter__bpf_map_elem"));
  old_kernel.mmapable_array = {false, "mmap failed"};
  EXPECT_THAT(
      plain.applies_to({MapKind::array, 64, 64, WriterPattern::inplace, true, &old_kernel}).reason,
      HasSubstr("cannot mmap arrays"));
}

constexpr uint32_t kKeys = 4;
constexpr uint32_t kValueSize = 64;

ReadTarget target(MapKind kind, WriterPattern pattern) {
  MapInfo info;
  info.kind = kind;
  info.key_size = 4;
  info.value_size = kValueSize;
  info.max_entries = kKeys;
  return ReadTarget{MapView(-1, info), kKeys, pattern, ""};
}

// Feeds one value per call to an oracle and returns its running results.
class OracleFeed {
 public:
  OracleFeed(const ReadTarget& t, VersionBoard& board) : oracle_(t, board, 16) {}
  const RepetitionResult& pass(uint32_t key, const std::vector<std::byte>& value) {
    oracle_.begin_pass();
    ReadBlock& b = oracle_.block();
    b.start(clock_);
    std::memcpy(b.value_slot(), value.data(), value.size());
    b.add(key, 0);
    b.end_op(clock_ += 100);
    oracle_.end_pass(false);
    return oracle_.results();
  }

 private:
  Oracle oracle_;
  uint64_t clock_ = 1000;
};

// A per-CPU value whose slot c holds (key, versions[c]) written on CPU
// writers[c].
std::vector<std::byte> percpu_value(uint32_t key, const std::vector<uint64_t>& versions,
                                    const std::vector<uint32_t>& writers) {
  std::vector<std::byte> value(value_buffer_size(MapKind::percpu_hash, kValueSize));
  for (size_t c = 0; c < versions.size(); ++c)
    make_record(std::span(value.data() + c * kValueSize, kValueSize), key, versions[c], writers[c]);
  return value;
}

TEST(OracleLayout, EveryPerCpuSlotIsJudgedAndTheNewestIsTheVersion) {
  const uint32_t cpus = possible_cpus();
  if (cpus < 2) GTEST_SKIP() << "needs two possible CPUs";
  std::vector<uint32_t> own(cpus);
  for (uint32_t c = 0; c < cpus; ++c)
    own[c] = c;
  std::vector<uint64_t> versions(cpus, 1);
  VersionBoard board(kKeys);
  board.publish_range(0, kKeys, 1);
  OracleFeed feed(target(MapKind::percpu_hash, WriterPattern::percpu), board);

  versions[1] = 9;  // CPU 1's writer published 9
  board.publish(0, 9);
  EXPECT_EQ(feed.pass(0, percpu_value(0, versions, own)).anomalies.total(), 0u);

  versions[1] = 7;  // CPU 1's slot went backwards: so did the value
  const RepetitionResult& back = feed.pass(0, percpu_value(0, versions, own));
  EXPECT_EQ(back.anomalies.non_monotonic, 1u);
  EXPECT_EQ(back.anomalies.stale, 1u);

  versions[1] = 10;
  std::vector<std::byte> torn = percpu_value(0, versions, own);
  torn[kValueSize + 40] ^= std::byte{1};  // a payload byte of CPU 1's slot
  EXPECT_EQ(feed.pass(0, torn).anomalies.torn, 1u);

  std::vector<uint32_t> swapped = own;
  std::swap(swapped[0], swapped[1]);  // slots decoded in the wrong order
  const RepetitionResult& wrong = feed.pass(0, percpu_value(0, versions, swapped));
  EXPECT_EQ(wrong.anomalies.errors.at("wrong_cpu_slot"), 1u);
}

TEST(OracleLayout, LockedValuesAreJudgedAfterTheLockHeader) {
  VersionBoard board(kKeys);
  board.publish_range(0, kKeys, 3);
  OracleFeed feed(target(MapKind::hash, WriterPattern::locked), board);
  std::vector<std::byte> value(kValueSize);
  make_record(std::span(value).subspan(MAPSLA_LOCK_HEADER_BYTES), 2, 3);
  value[0] = std::byte{1};  // a lock word seen held (an iterator copies it raw)
  EXPECT_EQ(feed.pass(2, value).anomalies.total(), 0u);
  make_record(value, 2, 3);  // a record where the header belongs
  EXPECT_EQ(feed.pass(2, value).anomalies.torn, 1u);
}

}  // namespace
}  // namespace mapsla
