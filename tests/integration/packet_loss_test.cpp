// The traffic writer and the packet_loss fault against the real kernel: two
// namespaces, a veth, the tc counter and the loss injector. Each experiment
// sends a fixed number of packets with the injector attached before the
// first one, so the drop ratio, the per-flow drops and the reconcile
// (sent − dropped == counted == record version − 1) are exact facts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "core/bpf/oracle_record.h"
#include "core/net/netns.h"
#include "core/util/affinity.h"
#include "harness/cleanup.h"
#include "harness/faults/packet_loss.h"
#include "harness/runner.h"
#include "harness/scenario_parser.h"
#include "harness/target_map.h"
#include "harness/writers/traffic_writer.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

using namespace std::chrono_literals;

struct LossRun {
  nlohmann::json active;  // verify_active evidence
  nlohmann::json gone;    // verify_gone evidence
  nlohmann::json writer;  // writer stats after stop
  std::vector<uint64_t> drops_per_flow;
  std::vector<uint64_t> counted;        // the counter's per-flow packets
  std::vector<uint64_t> record_counts;  // version − 1 of every record, read back
};

int sender_cpu() {
  return online_cpus() > 1 ? 1 : 0;
}

Scenario loss_scenario(uint32_t flows, uint64_t packets, const std::string& fault,
                       const std::string& counter) {
  const std::string yaml = fmt::format(R"(
name: loss_test
map: {{kind: hash, entries: {}, value_size: 64}}
writer: {{driver: traffic, cpus: [{}], pps: max, packets: {}, counter: {}}}
readers: [{{reader: naive, mode: keys}}]
faults: [{}]
)",
                                       flows, sender_cpu(), packets, counter, fault);
  return parse_scenarios(yaml, "loss_test.yaml").front();
}

// Sends `packets` packets over `flows` flows through the fault `fault` (a
// YAML flow mapping) and collects the evidence.
// `counter` picks the counter program (auto, fetch_add or spin_lock).
LossRun run_loss(uint32_t flows, uint64_t packets, const std::string& fault,
                 const std::string& counter = "auto") {
  const Scenario s = loss_scenario(flows, packets, fault, counter);
  const std::string run_id = new_run_id();
  const KernelFeatures& features = testing::kernel_features();
  TargetMap target(s.map, "loss_test");
  VersionBoard board(s.map.keys);
  target.prefill(board);
  LossRun out;
  {
    auto writer = builtin_writers().find("traffic")->create({s, target, board, features, run_id});
    auto* traffic = dynamic_cast<TrafficWriter*>(writer.get());
    auto fault_ptr =
        builtin_faults().find("packet_loss")->create(s.faults[0], {s, features, run_id});
    auto* loss = dynamic_cast<PacketLossFault*>(fault_ptr.get());
    fault_ptr->start();  // before the first packet: every packet meets the injector
    writer->start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!traffic->generator_finished() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(traffic->generator_finished()) << "generator did not send its packets in 10 s";
    out.active = fault_ptr->verify_active();
    fault_ptr->stop();
    out.gone = fault_ptr->verify_gone();
    writer->stop();
    EXPECT_EQ(writer->failure(), "");
    out.writer = writer->stats();
    out.drops_per_flow = loss->dropped_per_flow();
    for (uint32_t flow = 0; flow < flows; ++flow)
      out.counted.push_back(traffic->counted(flow));
  }
  std::vector<std::byte> value(target.view().value_buffer_size());
  for (uint32_t flow = 0; flow < flows; ++flow) {
    EXPECT_EQ(target.view().lookup(&flow, value.data()), 0) << "flow " << flow;
    const RecordFacts facts = validate_record(value, flow);
    EXPECT_EQ(facts.check, RecordCheck::ok) << "flow " << flow;
    out.record_counts.push_back(facts.version - 1);
  }
  return out;
}

class PacketLossTest : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    if (IsSkipped()) return;
    MAPSLA_REQUIRE_FEATURE(cls_bpf);
  }
};

void expect_within(const nlohmann::json& ratio, double requested, uint64_t n) {
  EXPECT_DOUBLE_EQ(ratio["requested"].get<double>(), requested);
  EXPECT_EQ(ratio["n"].get<uint64_t>(), n);
  EXPECT_TRUE(ratio["within_tolerance"].get<bool>()) << ratio.dump();
}

// (loss percent, counter program): `auto` and the 5.10 fallback spin_lock,
// forced so that a 5.12+ host proves it too.
class EbpfLossRatio : public PacketLossTest,
                      public ::testing::WithParamInterface<std::tuple<double, std::string>> {};

TEST_P(EbpfLossRatio, ObservedRatioIsWithinToleranceAndFlowsReconcile) {
  constexpr uint32_t kFlows = 1024;
  constexpr uint64_t kPackets = 40 * kFlows;
  const auto& [percent, counter] = GetParam();
  if (counter == "spin_lock") MAPSLA_REQUIRE_FEATURE(traffic_counter_locked);
  // auto: fetch_add where the kernel takes it (5.12+), else spin_lock.
  const std::string expected_program = counter != "auto" ? counter
                                       : testing::kernel_features().traffic_counter.available
                                           ? "fetch_add"
                                           : "spin_lock";
  const LossRun run =
      run_loss(kFlows, kPackets,
               fmt::format("{{kind: packet_loss, percent: {}, impl: ebpf}}", percent), counter);
  EXPECT_EQ(run.active["impl"], "ebpf");
  EXPECT_EQ(run.writer["counter_program"], expected_program);
  expect_within(run.gone["ratio_while_active"], percent / 100, kPackets);
  std::cout << fmt::format(
      "[ measured ] ebpf loss requested {}% observed {:.4f}% n={} "
      "dropped={} tolerance ±{:.4f}%\n",
      percent, run.gone["ratio_while_active"]["observed"].get<double>() * 100, kPackets,
      run.gone["ratio_while_active"]["dropped"].get<uint64_t>(),
      run.gone["ratio_while_active"]["tolerance"].get<double>() * 100);
  if (percent == 0) {
    EXPECT_EQ(run.gone["ratio_while_active"]["dropped"], 0);
  }
  EXPECT_TRUE(run.gone["gone"].get<bool>()) << run.gone["device"].dump();

  // The oracle: per flow, sent − dropped == counted == what the map holds.
  const auto& r = run.writer["reconcile"];
  EXPECT_TRUE(run.writer["reconciled"].get<bool>()) << r.dump();
  EXPECT_EQ(r["sent"].get<uint64_t>(), kPackets);
  EXPECT_EQ(r["sent"].get<uint64_t>(), r["counted"].get<uint64_t>() + r["dropped"].get<uint64_t>());
  EXPECT_EQ(r["dropped"], run.gone["ratio_while_active"]["dropped"]);
  EXPECT_EQ(r["mismatched_flows"], 0);
  ASSERT_EQ(run.drops_per_flow.size(), kFlows);
  for (uint32_t flow = 0; flow < kFlows; ++flow) {
    // Each flow got kPackets / kFlows packets: the generator sweeps flows
    // round-robin.
    EXPECT_EQ(run.counted[flow] + run.drops_per_flow[flow], kPackets / kFlows) << "flow " << flow;
    EXPECT_EQ(run.record_counts[flow], run.counted[flow]) << "flow " << flow;
  }
}

INSTANTIATE_TEST_SUITE_P(Percent, EbpfLossRatio,
                         ::testing::Combine(::testing::Values(0.0, 2.0, 50.0),
                                            ::testing::Values("auto", "spin_lock")),
                         [](const auto& info) {
                           return fmt::format("loss_{}pct_{}",
                                              static_cast<int>(std::get<0>(info.param)),
                                              std::get<1>(info.param));
                         });

TEST_F(PacketLossTest, SameSeedDropsTheSamePacketsAndAnotherSeedDoesNot) {
  constexpr uint32_t kFlows = 512;
  constexpr uint64_t kPackets = 40 * kFlows;
  const std::string fault = "{kind: packet_loss, percent: 10, impl: ebpf, seed: 42}";
  const LossRun first = run_loss(kFlows, kPackets, fault);
  const LossRun second = run_loss(kFlows, kPackets, fault);
  const LossRun other =
      run_loss(kFlows, kPackets, "{kind: packet_loss, percent: 10, impl: ebpf, seed: 43}");
  ASSERT_EQ(first.drops_per_flow.size(), kFlows);
  EXPECT_GT(first.gone["ratio_while_active"]["dropped"].get<uint64_t>(), 0u);
  EXPECT_EQ(first.drops_per_flow, second.drops_per_flow) << "same seed, different drops";
  EXPECT_EQ(first.record_counts, second.record_counts);
  EXPECT_NE(first.drops_per_flow, other.drops_per_flow) << "the seed changes nothing";
}

TEST_F(PacketLossTest, CorrelatedLossOnIngressIsWithinTheWidenedTolerance) {
  constexpr uint32_t kFlows = 256;
  constexpr uint64_t kPackets = 40000;
  const LossRun run = run_loss(kFlows, kPackets,
                               "{kind: packet_loss, percent: 5, correlation: 50, impl: ebpf, "
                               "direction: ingress}");
  EXPECT_EQ(run.active["direction"], "ingress");
  expect_within(run.gone["ratio_while_active"], 0.05, kPackets);
  // Correlation widens the binomial tolerance.
  EXPECT_GT(run.gone["ratio_while_active"]["tolerance"].get<double>(),
            4 * std::sqrt(0.05 * 0.95 / kPackets));
  EXPECT_TRUE(run.gone["gone"].get<bool>()) << run.gone["device"].dump();
  EXPECT_TRUE(run.writer["reconciled"].get<bool>()) << run.writer["reconcile"].dump();
}

TEST_F(PacketLossTest, NetemPathIsWithinToleranceWhereTheKernelHasIt) {
  MAPSLA_REQUIRE_FEATURE(sch_netem);  // a documented kernel skip: the eBPF path always runs
  constexpr uint64_t kPackets = 40000;
  const LossRun run = run_loss(1024, kPackets, "{kind: packet_loss, percent: 2, impl: netem}");
  EXPECT_EQ(run.active["impl"], "netem");
  const auto& ratio = run.gone["ratio_while_active"];
  EXPECT_TRUE(ratio["within_tolerance"].get<bool>()) << ratio.dump();
  EXPECT_TRUE(run.gone["gone"].get<bool>()) << run.gone["device"].dump();
  EXPECT_TRUE(run.writer["reconciled"].get<bool>()) << run.writer["reconcile"].dump();
}

// The runner end to end with a quiet reader: cells judge every read, the
// writer reconciles exactly once traffic stops, and the fault's evidence is
// in the cells' details.
TEST_F(PacketLossTest, RunnerReconcilesFlowCountsUnderLoss) {
  const std::string yaml = fmt::format(R"(
name: loss_runner
map: {{kind: hash, entries: 4096, value_size: 64}}
writer: {{driver: traffic, cpus: [{}], pps: 200000}}
readers:
  - {{reader: naive, mode: keys, cpus: [0]}}
  - {{reader: naive, mode: dump, cpus: [0]}}
faults:
  - {{kind: packet_loss, percent: 2, impl: ebpf, seed: 7}}
run: {{warmup: 50ms, duration: 300ms, repetitions: 1}}
)",
                                       sender_cpu());
  const std::string run_id = new_run_id();
  PinDir pins(run_id);
  Runner runner({run_id, &testing::kernel_features(), &pins, nullptr});
  const auto cells = runner.run(parse_scenarios(yaml, "loss_runner.yaml").front());
  ASSERT_EQ(cells.size(), 2u);
  for (const auto& cell : cells) {
    ASSERT_EQ(cell.status, CellStatus::ok) << cell.reason;
    const RepetitionResult r = cell.pooled();
    EXPECT_GT(r.reads, 0u);
    EXPECT_GT(r.writer_updates, 0u);
    EXPECT_EQ(r.anomalies.missing, 0u);
    EXPECT_EQ(r.anomalies.stale, 0u) << "a published version was not in the map";
    EXPECT_EQ(r.anomalies.non_monotonic, 0u);
    EXPECT_EQ(r.anomalies.error_total(), 0u);
    const auto& w = cell.details["writer"];
    EXPECT_EQ(w["driver"], "traffic");
    EXPECT_TRUE(w["reconciled"].get<bool>()) << w["reconcile"].dump();
    EXPECT_GT(w["dropped"].get<uint64_t>(), 0u);
    EXPECT_EQ(w["sent"].get<uint64_t>(),
              w["counted"].get<uint64_t>() + w["dropped"].get<uint64_t>());
    std::cout << fmt::format("[ measured ] {} {}: sent={} dropped={} counted={} reconciled={}\n",
                             cell.reader, cell.mode, w["sent"].get<uint64_t>(),
                             w["dropped"].get<uint64_t>(), w["counted"].get<uint64_t>(),
                             w["reconciled"].get<bool>());
    const auto& fault = cell.details["faults"][0];
    EXPECT_EQ(fault["kind"], "packet_loss");
    // A window-scope fault reports per measured window; a run-scope one once.
    const auto& evidence = fault.contains("windows") ? fault["windows"][0] : fault;
    EXPECT_TRUE(evidence["active"]["ratio"]["within_tolerance"].get<bool>()) << fault.dump();
    EXPECT_GT(evidence["active"]["ratio"]["n"].get<uint64_t>(), 0u) << fault.dump();
    EXPECT_TRUE(evidence["gone"]["gone"].get<bool>()) << fault.dump();
    EXPECT_TRUE(evidence["gone"]["ratio_while_active"]["within_tolerance"].get<bool>())
        << fault.dump();
  }
  const LinkNames names = link_names(run_id);
  EXPECT_FALSE(netns_exists(names.tx_netns));
  EXPECT_FALSE(netns_exists(names.rx_netns));
}

TEST_F(PacketLossTest, NetemWithoutSchNetemSkipsTheCellsWithTheReason) {
  const std::string yaml = fmt::format(R"(
name: netem_only
map: {{kind: hash, entries: 256, value_size: 64}}
writer: {{driver: traffic, cpus: [{}], pps: 10000}}
readers: [{{reader: naive, mode: keys}}]
faults: [{{kind: packet_loss, percent: 2, impl: netem}}]
run: {{warmup: 0ms, duration: 50ms, repetitions: 1}}
)",
                                       sender_cpu());
  const std::string run_id = new_run_id();
  Runner runner({run_id, &testing::kernel_features(), nullptr, nullptr});
  const auto cells = runner.run(parse_scenarios(yaml, "netem_only.yaml").front());
  ASSERT_EQ(cells.size(), 1u);
  if (testing::kernel_features().sch_netem.available) {
    EXPECT_EQ(cells[0].status, CellStatus::ok) << cells[0].reason;
  } else {
    EXPECT_EQ(cells[0].status, CellStatus::skipped);
    EXPECT_THAT(cells[0].reason, ::testing::HasSubstr("sch_netem"));
  }
}

// A loss fault without the traffic writer is refused when the file is loaded
// (exit 2 with the fault's line), not left to fail every cell at run time.
TEST_F(PacketLossTest, LossWithoutTrafficWriterIsRejectedWhenLoaded) {
  const std::string yaml = R"(
name: loss_no_traffic
map: {kind: hash, entries: 256, value_size: 64}
writer: {driver: test_run, cpus: [0], rate: 1000}
readers: [{reader: naive, mode: keys}]
faults: [{kind: packet_loss, percent: 2, impl: ebpf}]
run: {warmup: 0ms, duration: 50ms, repetitions: 1}
)";
  try {
    parse_scenarios(yaml, "x.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("x.yaml:6: field 'faults[0].kind': packet_loss "
                                               "drops the traffic writer's packets"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("driver: traffic"));
  }
}

}  // namespace
}  // namespace mapsla
