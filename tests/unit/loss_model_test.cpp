// The packet_loss arithmetic: chains, expected ratios, tolerances, netem's
// arguments, and the fields of the fault and the traffic writer.
#include "harness/faults/loss_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/net/netns.h"
#include "harness/faults/packet_loss.h"
#include "harness/scenario_parser.h"
#include "harness/writers/traffic_writer.h"
#include "tests/unit/scenario_errors.h"

namespace mapsla {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(LossModel, BernoulliToleranceIsTheBinomialOne) {
  const LossChain c = bernoulli_chain(0.02);
  EXPECT_DOUBLE_EQ(expected_loss(c), 0.02);
  EXPECT_DOUBLE_EQ(asymptotic_variance(c), 0.02 * 0.98);
  EXPECT_DOUBLE_EQ(loss_tolerance(c, 10000), 4 * std::sqrt(0.02 * 0.98 / 10000));
}

TEST(LossModel, ZeroAndFullLossHaveNoToleranceButAreExact) {
  EXPECT_EQ(loss_tolerance(bernoulli_chain(0), 1000), 0);
  EXPECT_TRUE(check_ratio(bernoulli_chain(0), 0, 1000).within_tolerance);
  EXPECT_FALSE(check_ratio(bernoulli_chain(0), 1, 1000).within_tolerance);
  EXPECT_TRUE(check_ratio(bernoulli_chain(1), 1000, 1000).within_tolerance);
}

TEST(LossModel, NothingMeasuredIsNeverWithinTolerance) {
  EXPECT_FALSE(check_ratio(bernoulli_chain(0.02), 0, 0).within_tolerance);
}

TEST(LossModel, RatioCheckUsesFourSigma) {
  const double tol = 4 * std::sqrt(0.5 * 0.5 / 10000);  // 0.02
  EXPECT_TRUE(check_ratio(bernoulli_chain(0.5), 5190, 10000).within_tolerance);
  EXPECT_FALSE(check_ratio(bernoulli_chain(0.5), 5210, 10000).within_tolerance);
  EXPECT_NEAR(check_ratio(bernoulli_chain(0.5), 5000, 10000).tolerance, tol, 1e-12);
}

TEST(LossModel, CorrelationKeepsTheRatioAndWidensTheTolerance) {
  const LossChain c = correlated_chain(0.05, 0.5);
  EXPECT_NEAR(expected_loss(c), 0.05, 1e-12);
  EXPECT_NEAR(1 - c.p - c.r, 0.5, 1e-12);  // lag-1 autocorrelation
  // Simple Gilbert: variance q(1−q)(1+λ)/(1−λ).
  EXPECT_NEAR(asymptotic_variance(c), 0.05 * 0.95 * 3, 1e-12);
  EXPECT_GT(loss_tolerance(c, 40000), loss_tolerance(bernoulli_chain(0.05), 40000));
}

TEST(LossModel, GilbertElliottStationaryLoss) {
  // p 1 %, r 10 %, h 20 % delivered in bad, k 99 % delivered in good.
  const LossChain c = gilbert_elliott_chain(0.01, 0.10, 0.20, 0.99);
  const double bad = 0.01 / 0.11;
  EXPECT_NEAR(expected_loss(c), (1 - bad) * 0.01 + bad * 0.80, 1e-12);
  EXPECT_THAT(netem_loss_args(c), ElementsAre("loss", "gemodel", "1%", "10%", "80%", "1%"));
}

TEST(LossModel, NetemArguments) {
  EXPECT_THAT(netem_loss_args(bernoulli_chain(0.02)), ElementsAre("loss", "random", "2%"));
  EXPECT_THAT(netem_loss_args(correlated_chain(0.1, 0.5)),
              ElementsAre("loss", "gemodel", "5%", "45%", "100%", "0%"));
}

TEST(LossModel, ThresholdsScaleTo2Pow32) {
  EXPECT_EQ(loss_threshold(0), 0u);
  EXPECT_EQ(loss_threshold(1), uint64_t{1} << 32);
  EXPECT_EQ(loss_threshold(0.5), uint64_t{1} << 31);
}

TEST(LinkNames, FollowTheRunIdAndFitIfnamsiz) {
  const LinkNames n = link_names("0123abcd");
  EXPECT_EQ(n.tx_netns, "mapsla-0123abcd-tx");
  EXPECT_EQ(n.rx_netns, "mapsla-0123abcd-rx");
  EXPECT_EQ(n.tx_dev, "ms0123abcda");
  EXPECT_EQ(n.rx_dev, "ms0123abcdb");
  const LinkNames long_id = link_names("itest-1234-with-a-long-name");
  EXPECT_LE(long_id.tx_dev.size(), 15u);
  EXPECT_EQ(long_id.tx_dev, link_names("itest-1234-with-a-long-name").tx_dev);
}

constexpr const char* kTraffic = R"(name: t
map: {kind: hash, entries: 1024, value_size: 64}
writer: {driver: traffic, cpus: [0], pps: 50000, payload_bytes: 128}
readers: [{reader: naive, mode: keys}]
faults:
  - {kind: packet_loss, percent: 2, correlation: 25, seed: 9, direction: ingress, impl: ebpf}
)";

// Replaces `from` in the valid scenario with `to`, parses, returns the error.
std::string error_for(const std::string& from, const std::string& to) {
  return testing::scenario_parse_error_replacing(kTraffic, from, to);
}

TEST(TrafficScenario, ParsesWriterAndFaultFields) {
  const Scenario s = parse_scenarios(kTraffic, "s.yaml").front();
  const auto& w = dynamic_cast<const TrafficWriter::Options&>(*s.writer.options);
  EXPECT_EQ(w.pps, 50000u);
  EXPECT_EQ(w.payload_bytes, 128u);
  ASSERT_EQ(s.faults.size(), 1u);
  const auto& f = dynamic_cast<const PacketLossFault::Options&>(*s.faults[0].options);
  EXPECT_EQ(f.percent, 2);
  EXPECT_EQ(f.correlation, 25);
  EXPECT_EQ(f.seed, 9u);
  EXPECT_EQ(f.direction, TcDirection::ingress);
  EXPECT_EQ(f.impl, PacketLossFault::Impl::ebpf);
}

TEST(TrafficScenario, RejectsBadFieldsWithTheirLine) {
  EXPECT_THAT(error_for("pps: 50000", "rate: 1000"), HasSubstr("field 'writer.rate'"));
  EXPECT_THAT(error_for("payload_bytes: 128", "payload_bytes: 9000"),
              HasSubstr("writer.payload_bytes"));
  EXPECT_THAT(error_for("kind: hash", "kind: percpu_hash"),
              HasSubstr("cannot write a percpu_hash map"));
  EXPECT_THAT(error_for("entries: 1024", "entries: 300000"), HasSubstr("at most 262144 flows"));
  EXPECT_THAT(error_for("percent: 2,", "percent: 200,"), HasSubstr("faults[0].percent"));
  EXPECT_THAT(error_for("correlation: 25", "correlation: 100"), HasSubstr("below 100"));
  EXPECT_THAT(error_for("impl: ebpf", "impl: netem"), HasSubstr("netem shapes egress only"));
  EXPECT_THAT(error_for("percent: 2, correlation: 25", "model: gilbert_elliott, percent: 2"),
              HasSubstr("does not apply to gilbert_elliott"));
  EXPECT_THAT(error_for("percent: 2, correlation: 25", "percent: 2, p: 3"),
              HasSubstr("belongs to `model: gilbert_elliott`"));
}

TEST(TrafficScenario, ImplAutoPicksNetemOnlyWhereTheKernelHasIt) {
  PacketLossFault::Options o;
  KernelFeatures with, without;
  with.sch_netem.available = true;
  EXPECT_EQ(PacketLossFault::resolve(o, with), PacketLossFault::Impl::netem);
  EXPECT_EQ(PacketLossFault::resolve(o, without), PacketLossFault::Impl::ebpf);
  o.direction = TcDirection::ingress;
  EXPECT_EQ(PacketLossFault::resolve(o, with), PacketLossFault::Impl::ebpf);
}

TEST(TrafficScenario, NetemWithoutSchNetemIsUnavailableWithTheReason) {
  const Scenario s = parse_scenarios(R"(
map: {kind: hash, entries: 16}
writer: {driver: traffic, cpus: [0]}
readers: [{reader: naive}]
faults: [{kind: packet_loss, percent: 2, impl: netem}]
)",
                                     "s.yaml")
                         .front();
  KernelFeatures features;
  features.sch_netem = {false, "kernel has no sch_netem (tc qdisc add … netem failed)"};
  features.cls_bpf = {true, ""};
  const std::string why = PacketLossFault::descriptor().unavailable(s.faults[0], features);
  EXPECT_THAT(why, HasSubstr("kernel has no sch_netem"));
  features.sch_netem.available = true;
  EXPECT_EQ(PacketLossFault::descriptor().unavailable(s.faults[0], features), "");
}

TEST(TrafficScenario, ShippedPacketLossScenarioParses) {
  const auto scenarios = load_scenarios(MAPSLA_SOURCE_DIR "/scenarios/packet-loss.yaml");
  ASSERT_EQ(scenarios.size(), 1u);
  EXPECT_EQ(scenarios[0].writer.driver, "traffic");
  ASSERT_EQ(scenarios[0].faults.size(), 1u);
  EXPECT_EQ(scenarios[0].faults[0].kind, "packet_loss");
}

}  // namespace
}  // namespace mapsla
