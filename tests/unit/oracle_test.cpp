#include "harness/oracle.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "core/bpf/error.h"
#include "core/bpf/oracle_record.h"

namespace mapsla {
namespace {

constexpr uint32_t kKeys = 8;
constexpr uint32_t kValueSize = 64;

class OracleTest : public ::testing::Test {
 protected:
  OracleTest() : board_(kKeys), oracle_(target(), board_, 64) { board_.publish_range(0, kKeys, 5); }

  static ReadTarget target() {
    MapInfo info;
    info.kind = MapKind::hash;
    info.key_size = 4;
    info.value_size = kValueSize;
    info.max_entries = kKeys;
    return ReadTarget{MapView(-1, info), kKeys, WriterPattern::inplace, ""};
  }

  void read(uint32_t key, uint64_t version) {
    ReadBlock& b = oracle_.block();
    make_record(std::span(b.value_slot(), kValueSize), key, version);
    b.add(key, 0);
    b.end_op(clock_ += 100);
  }
  void read_raw(uint32_t key, const std::vector<std::byte>& bytes) {
    ReadBlock& b = oracle_.block();
    std::memcpy(b.value_slot(), bytes.data(), kValueSize);
    b.add(key, 0);
    b.end_op(clock_ += 100);
  }
  void fail(uint32_t key, int err) {
    oracle_.block().add(key, err);
    oracle_.block().end_op(clock_ += 100);
  }
  // A pass over every key at `version`, then whatever `extra` adds.
  template <typename Extra>
  const RepetitionResult& pass(uint64_t version, Extra extra, bool complete = true) {
    oracle_.begin_pass();
    oracle_.block().start(clock_);
    extra();
    for (uint32_t k = 0; k < kKeys; ++k)
      if (!skip_.count(k)) read(k, version);
    oracle_.end_pass(complete);
    return oracle_.results();
  }

  VersionBoard board_;
  Oracle oracle_;
  uint64_t clock_ = 1000;
  std::set<uint32_t> skip_;
};

TEST_F(OracleTest, CleanPassIsAllOk) {
  const auto& r = pass(5, [] {});
  EXPECT_EQ(r.reads, kKeys);
  EXPECT_EQ(r.anomalies.total(), 0u);
  EXPECT_EQ(r.ops, kKeys);
  EXPECT_EQ(r.op_latency.percentile(50), 100u);
  EXPECT_EQ(r.read_time_ns, kKeys * 100);
  EXPECT_EQ(r.passes, 1u);
}

TEST_F(OracleTest, MixedVersionsAreTorn) {
  std::vector<std::byte> a(kValueSize), b(kValueSize);
  make_record(a, 3, 5);
  make_record(b, 3, 6);
  std::memcpy(a.data() + 40, b.data() + 40, 8);
  skip_ = {3};
  const auto& r = pass(5, [&] { read_raw(3, a); });
  EXPECT_EQ(r.anomalies.torn, 1u);
  EXPECT_EQ(r.anomalies.total(), 1u);
}

TEST_F(OracleTest, AnotherKeysValueIsTorn) {
  std::vector<std::byte> other(kValueSize);
  make_record(other, 6, 5);
  skip_ = {2};
  const auto& r = pass(5, [&] { read_raw(2, other); });
  EXPECT_EQ(r.anomalies.torn, 1u);
  EXPECT_EQ(r.anomalies.total(), 1u);
}

TEST_F(OracleTest, EnoentOnAPresentKeyIsMissing) {
  skip_ = {4};
  const auto& r = pass(5, [&] { fail(4, ENOENT); });
  EXPECT_EQ(r.anomalies.missing, 1u);
  EXPECT_EQ(r.anomalies.skipped, 0u);  // it was asked for, so not skipped
  EXPECT_EQ(r.anomalies.total(), 1u);
}

TEST_F(OracleTest, EnoentIsNotAnAnomalyWhenKeysMayLegitimatelyGo) {
  board_.set_keys_stay_present(false);
  skip_ = {4, 5};
  const auto& r = pass(5, [&] { fail(4, ENOENT); });
  EXPECT_EQ(r.anomalies.total(), 0u);
}

TEST_F(OracleTest, OtherErrnosAreCountedByName) {
  skip_ = {1};
  const auto& r = pass(5, [&] {
    fail(1, EPERM);
    fail(ReadBlock::kNoKey, E2BIG);
  });
  EXPECT_EQ(r.anomalies.errors.at("EPERM"), 1u);
  EXPECT_EQ(r.anomalies.errors.at("E2BIG"), 1u);
  EXPECT_EQ(r.anomalies.error_total(), 2u);
  EXPECT_EQ(r.reads, kKeys);  // the keyless op is not a read
}

TEST_F(OracleTest, OlderThanCommittedAtPassStartIsStale) {
  skip_ = {6};
  const auto& r = pass(5, [&] { read(6, 4); });
  EXPECT_EQ(r.anomalies.stale, 1u);
  EXPECT_EQ(r.anomalies.non_monotonic, 0u);
}

TEST_F(OracleTest, NewerThanCommittedIsFine) {
  const auto& r = pass(9, [] {});
  EXPECT_EQ(r.anomalies.total(), 0u);
}

TEST_F(OracleTest, VersionGoingBackwardsAcrossPassesIsNonMonotonic) {
  pass(9, [] {});
  skip_ = {0};
  const auto& r = pass(9, [&] { read(0, 7); });
  EXPECT_EQ(r.anomalies.non_monotonic, 1u);
  EXPECT_EQ(r.anomalies.stale, 0u);  // 7 is still newer than committed 5
}

TEST_F(OracleTest, RepeatedKeyIsDuplicateAndAbsentKeyIsSkipped) {
  skip_ = {7};
  const auto& r = pass(5, [&] { read(1, 5); });
  EXPECT_EQ(r.anomalies.duplicate, 1u);
  EXPECT_EQ(r.anomalies.skipped, 1u);
}

TEST_F(OracleTest, IncompletePassDoesNotCountSkipped) {
  skip_ = {7};
  const auto& r = pass(
      5, [] {}, /*complete=*/false);
  EXPECT_EQ(r.anomalies.skipped, 0u);
}

TEST_F(OracleTest, KeyOutsideTheKeySetIsAnError) {
  const auto& r = pass(5, [&] { read(kKeys + 3, 5); });
  EXPECT_EQ(r.anomalies.errors.at("unexpected_key"), 1u);
}

TEST_F(OracleTest, ResetAfterWarmupKeepsHistory) {
  pass(9, [] {});
  oracle_.reset_results();
  EXPECT_EQ(oracle_.results().reads, 0u);
  skip_ = {0};
  const auto& r = pass(9, [&] { read(0, 8); });
  EXPECT_EQ(r.anomalies.non_monotonic, 1u);
}

TEST_F(OracleTest, FlushingMidPassExcludesTheGapFromTiming) {
  oracle_.begin_pass();
  oracle_.block().start(clock_);
  for (uint32_t k = 0; k < 4; ++k)
    read(k, 5);
  oracle_.flush();
  clock_ += 1'000'000;  // validation time: must not be counted
  oracle_.block().start(clock_);
  for (uint32_t k = 4; k < kKeys; ++k)
    read(k, 5);
  oracle_.end_pass();
  EXPECT_EQ(oracle_.results().read_time_ns, kKeys * 100);
  EXPECT_EQ(oracle_.results().pass_latency.max(), kKeys * 100);
  EXPECT_EQ(oracle_.results().anomalies.total(), 0u);
}

TEST_F(OracleTest, PassWithNothingRecordedIsNotAPass) {
  pass(5, [] {});
  oracle_.begin_pass();  // an external program with nothing more to report
  oracle_.end_pass();
  EXPECT_EQ(oracle_.results().passes, 1u);
  EXPECT_EQ(oracle_.results().anomalies.skipped, 0u);
  // One op and no entry is a pass, and an empty one skipped every key.
  oracle_.begin_pass();
  oracle_.block().start(clock_);
  oracle_.block().end_op(clock_ += 100);
  oracle_.end_pass();
  EXPECT_EQ(oracle_.results().passes, 2u);
  EXPECT_EQ(oracle_.results().anomalies.skipped, kKeys);
}

// A dump that stops with a pass-level error (the E2BIG iteration cap, a
// get_next_key or iterator errno, an external ECANCELED) reached only part of
// the map: those keys are unreached, never skipped, and the error is counted
// once, under its name, as what ended the pass.
TEST_F(OracleTest, EarlyEndedPassCountsUnreachedNotSkipped) {
  for (const int err : {E2BIG, EINTR, ECANCELED}) {
    oracle_.reset_results();
    oracle_.begin_pass();
    oracle_.block().start(clock_);
    for (uint32_t k = 0; k < 3; ++k)
      read(k, 5);
    fail(ReadBlock::kNoKey, err);
    oracle_.end_pass();
    const RepetitionResult& r = oracle_.results();
    EXPECT_EQ(r.anomalies.skipped, 0u) << errno_name(err);
    EXPECT_EQ(r.unreached, kKeys - 3) << errno_name(err);
    EXPECT_EQ(r.early_ended_passes.at(errno_name(err)), 1u);
    EXPECT_EQ(r.anomalies.errors.at(errno_name(err)), 1u);
    EXPECT_EQ(r.passes, 1u);
  }
  // The next pass that runs to its end judges skips again.
  oracle_.reset_results();
  skip_ = {2};
  pass(6, [] {});
  EXPECT_EQ(oracle_.results().anomalies.skipped, 1u);
  EXPECT_EQ(oracle_.results().unreached, 0u);
  EXPECT_TRUE(oracle_.results().early_ended_passes.empty());
}

// test_slowdown is applied per block, out of the per-op path: each op's
// latency and the block's time come out `factor` times as long, and so does
// the wall time the block took; a cleared block is not stretched again.
TEST(ReadBlockSlowdown, StretchesEveryOpAndTheBlockByTheFactor) {
  ReadBlock block(8, 8);
  block.set_slowdown(1.25);
  const uint64_t start = now_ns();
  block.start(start);
  block.end_op(start + 400'000);
  block.end_op(start + 1'200'000);
  block.apply_slowdown();
  EXPECT_EQ(block.op_latency(0), 500'000u);
  EXPECT_EQ(block.op_latency(1), 1'000'000u);
  EXPECT_EQ(block.elapsed(), 1'500'000u);
  EXPECT_GE(now_ns(), start + 1'500'000);
  block.clear();
  const uint64_t before = now_ns();
  block.apply_slowdown();
  EXPECT_LT(now_ns() - before, 1'000'000u);

  ReadBlock plain(8, 8);
  plain.start(start);
  plain.end_op(start + 400'000);
  plain.apply_slowdown();
  EXPECT_EQ(plain.op_latency(0), 400'000u);
}

}  // namespace
}  // namespace mapsla
