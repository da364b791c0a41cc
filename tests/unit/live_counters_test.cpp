// The oracle's live mirror (harness/live_counters.h) agrees with its results.
#include <gtest/gtest.h>

#include <cerrno>
#include <numeric>

#include "core/bpf/oracle_record.h"
#include "harness/oracle.h"

namespace mapsla {
namespace {

constexpr uint32_t kKeys = 16;
constexpr uint32_t kValueSize = 64;

ReadTarget target() {
  MapInfo info;
  info.kind = MapKind::hash;
  info.key_size = 4;
  info.value_size = kValueSize;
  info.max_entries = kKeys;
  return ReadTarget{MapView(-1, info), kKeys, WriterPattern::inplace, ""};
}

// One pass over every key, in blocks of 4; key 3 reads ENOENT, key 5 is
// torn, ops take 100 ns except every eighth, which takes 40 µs.
void pass(Oracle& oracle, uint64_t& clock) {
  oracle.begin_pass();
  ReadBlock& b = oracle.block();
  b.start(clock);
  for (uint32_t key = 0; key < kKeys; ++key) {
    if (key == 3) {
      b.add(key, ENOENT);
    } else {
      make_record(std::span(b.value_slot(), kValueSize), key, 5);
      if (key == 5) b.value_slot()[40] ^= std::byte{1};  // a payload byte
      b.add(key, 0);
    }
    b.end_op(clock += key % 8 == 7 ? 40'000 : 100);
    if (b.full()) {
      oracle.flush();
      b.start(clock);
    }
  }
  oracle.end_pass();
}

TEST(LiveCounters, MirrorTheOraclesResultsOncePerBlock) {
  VersionBoard board(kKeys);
  board.publish_range(0, kKeys, 5);
  Oracle oracle(target(), board, 4);
  LiveCounters live;
  uint64_t clock = 1000;
  pass(oracle, clock);  // before attaching: not mirrored
  oracle.reset_results();
  oracle.set_live(&live);
  EXPECT_EQ(live.snapshot().reads, 0u);
  for (int i = 0; i < 3; ++i)
    pass(oracle, clock);

  const RepetitionResult& r = oracle.results();
  const LiveSnapshot s = live.snapshot();
  EXPECT_EQ(s.reads, r.reads);
  EXPECT_EQ(s.reads, 3u * kKeys);
  EXPECT_EQ(s.ops, r.ops);
  EXPECT_EQ(s.op_time_ns, r.read_time_ns);
  EXPECT_EQ(s.anomalies, anomaly_class_counts(r.anomalies));
  EXPECT_EQ(s.anomalies[0], 3u);  // torn, once per pass
  EXPECT_EQ(s.anomalies[1], 3u);  // missing
  EXPECT_EQ(std::accumulate(s.op_latency.begin(), s.op_latency.end(), uint64_t{0}), r.ops);
  EXPECT_EQ(s.op_latency[latency_bucket_of(100)], 3u * 14);
  EXPECT_EQ(s.op_latency[latency_bucket_of(40'000)], 3u * 2);

  oracle.set_live(nullptr);
  pass(oracle, clock);
  EXPECT_EQ(live.snapshot().reads, 3u * kKeys);  // detached: no longer updated
}

TEST(LatencyBuckets, UseTheUpperBoundInclusively) {
  EXPECT_EQ(latency_bucket_of(0), 0u);
  EXPECT_EQ(latency_bucket_of(250), 0u);
  EXPECT_EQ(latency_bucket_of(251), 1u);
  EXPECT_EQ(latency_bucket_of(1'000'000'000), kLatencyBoundsNs.size() - 1);
  EXPECT_EQ(latency_bucket_of(1'000'000'001), kLatencyBoundsNs.size());  // +Inf
}

}  // namespace
}  // namespace mapsla
