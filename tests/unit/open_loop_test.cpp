// Open-loop timing (run.interval): the coordinated-omission correction, its
// YAML and CLI surface, the report round trip and the SLA metrics on it.
#include "harness/open_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario_parser.h"
#include "model/sla_parser.h"
#include "reports/json_report.h"
#include "reports/report_reader.h"
#include "reports/sla.h"
#include "tests/unit/gate_fixtures.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr uint64_t kMs = 1'000'000;

TEST(OpenLoopSchedule, PassesThatFitTheirIntervalAreTimedAsTheyRan) {
  OpenLoopSchedule s(10 * kMs, 1000 * kMs);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(s.next_due(), (1000 + 10 * static_cast<uint64_t>(k)) * kMs);
    const auto p = s.complete(3 * kMs);
    EXPECT_EQ(p.corrected_ns, 3 * kMs);
    EXPECT_FALSE(p.late);
  }
}

// One 35 ms stall in a 10 ms schedule: closed-loop timing sees one slow pass
// and four 1 ms ones; the passes it delayed waited 25, 15 and 5 ms more.
TEST(OpenLoopSchedule, OneStallDelaysThePassesQueuedBehindIt) {
  OpenLoopSchedule s(10 * kMs, 0);
  EXPECT_EQ(s.complete(35 * kMs).corrected_ns, 35 * kMs);  // due 0, ends 35
  const auto second = s.complete(1 * kMs);                 // due 10, begins 35
  EXPECT_EQ(second.corrected_ns, 26 * kMs);
  EXPECT_TRUE(second.late);
  EXPECT_EQ(s.complete(1 * kMs).corrected_ns, 17 * kMs);  // due 20, begins 36
  EXPECT_EQ(s.complete(1 * kMs).corrected_ns, 8 * kMs);   // due 30, begins 37
  const auto caught_up = s.complete(1 * kMs);             // due 40, begins 40
  EXPECT_EQ(caught_up.corrected_ns, 1 * kMs);
  EXPECT_FALSE(caught_up.late);
}

TEST(OpenLoopSchedule, AReaderSlowerThanItsIntervalFallsFurtherBehindEachPass) {
  OpenLoopSchedule s(10 * kMs, 0);
  uint64_t previous = 0;
  for (int k = 0; k < 10; ++k) {
    const auto p = s.complete(12 * kMs);
    EXPECT_EQ(p.corrected_ns, (12 + 2 * static_cast<uint64_t>(k)) * kMs);
    EXPECT_GT(p.corrected_ns, previous);
    previous = p.corrected_ns;
  }
}

constexpr const char* kScenario = R"(name: t
map: {kind: array, entries: 64, value_size: 64}
writer: {driver: none}
readers: [{reader: naive, mode: keys}]
run:
  duration: 1s
  interval: 25ms
)";

TEST(OpenLoopScenario, IntervalIsParsedRecordedAndOverridable) {
  auto scenarios = parse_scenarios(kScenario, "s.yaml");
  ASSERT_EQ(scenarios.size(), 1u);
  ASSERT_TRUE(scenarios[0].run.interval);
  EXPECT_EQ(*scenarios[0].run.interval, 25ms);
  EXPECT_EQ(to_json(scenarios[0])["run"]["interval_ns"], 25'000'000);
  ScenarioOverrides o;
  o.interval = 5ms;
  apply_overrides(scenarios[0], o);
  EXPECT_EQ(*scenarios[0].run.interval, 5ms);
}

TEST(OpenLoopScenario, IntervalOutOfRangeNamesFileLineAndField) {
  std::string text = kScenario;
  text.replace(text.find("25ms"), 4, "10us");
  try {
    parse_scenarios(text, "s.yaml");
    ADD_FAILURE() << "10us accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.yaml:7: field 'run.interval'"));
  }
}

RepetitionResult open_loop_repetition(int index, uint64_t corrected_p99_ns) {
  RepetitionResult r = testing::repetition(index, 1000, 10'000, 20'000, 2'000'000);
  r.pass_latency_corrected.record_n(1 * kMs, 99);
  r.pass_latency_corrected.record(corrected_p99_ns);
  r.late_passes = 1;
  return r;
}

TEST(OpenLoopReport, CorrectedLatencySurvivesTheJsonRoundTrip) {
  const Report written =
      testing::report({testing::cell("s", "naive", "keys", {open_loop_repetition(0, 40 * kMs)})});
  const nlohmann::json json = to_json(written);
  const auto& rep = json["cells"][0]["repetitions"][0];
  ASSERT_TRUE(rep.contains("open_loop"));
  EXPECT_EQ(rep["open_loop"]["late_passes"], 1);
  const Report read = report_from_json(json, "r.json");
  const RepetitionResult& back = read.cells.at(0).repetitions.at(0);
  EXPECT_EQ(back.late_passes, 1u);
  EXPECT_EQ(back.pass_latency_corrected.count(), 100u);
  EXPECT_EQ(back.pass_latency_corrected.max(), 40 * kMs);
  // A closed-loop repetition carries no open_loop section at all.
  const Report closed = testing::report({testing::cell(
      "s", "naive", "keys", {testing::repetition(0, 1000, 10'000, 20'000, 2'000'000)})});
  EXPECT_FALSE(to_json(closed)["cells"][0]["repetitions"][0].contains("open_loop"));
}

TEST(OpenLoopSla, CorrectedPassLatencyIsGatedAndNeedsAnInterval) {
  const SlaSpec spec = parse_sla_text("sla: {corrected_pass_max: 30ms}", "sla.yaml");
  const CellResult slow =
      testing::cell("s", "naive", "keys",
                    {open_loop_repetition(0, 40 * kMs), open_loop_repetition(1, 45 * kMs),
                     open_loop_repetition(2, 20 * kMs)});
  const SlaResult violated = evaluate_sla(spec, {slow});
  ASSERT_EQ(violated.checks.size(), 1u);
  EXPECT_EQ(violated.checks[0].outcome, SlaOutcome::violated);
  // The worst repetition's max, within the histogram's 0.4 % resolution.
  EXPECT_NEAR(violated.checks[0].measured, 45.0 * kMs, 0.004 * 45 * kMs);

  const CellResult closed = testing::cell(
      "s", "naive", "keys", {testing::repetition(0, 1000, 10'000, 20'000, 2'000'000)});
  const SlaResult unevaluated = evaluate_sla(spec, {closed});
  ASSERT_EQ(unevaluated.checks.size(), 1u);
  EXPECT_EQ(unevaluated.checks[0].outcome, SlaOutcome::not_evaluated);
  EXPECT_THAT(unevaluated.checks[0].measured_text, HasSubstr("run.interval"));
}

}  // namespace
}  // namespace mapsla
