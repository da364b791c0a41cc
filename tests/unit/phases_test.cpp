// Phase arithmetic, `run.phases` parsing and the recovery figure.
#include "harness/phases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario_parser.h"
#include "tests/unit/scenario_errors.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string scenario_with_run(const std::string& run) {
  return "name: p\n"
         "map: {kind: hash, entries: 1024}\n"
         "writer: {driver: none}\n"
         "readers:\n"
         "  - {reader: naive, mode: keys}\n"
         "faults:\n"
         "  - {kind: map_pressure}\n"
         "run:\n" +
         run;
}

std::string error_of(const std::string& text) {
  return testing::scenario_parse_error(text, "p.yaml");
}

TEST(SplitWindow, DefaultQuarterHalfQuarter) {
  const PhaseDurations d = split_window(2s, PhaseFractions{});
  EXPECT_EQ(d.before, 500ms);
  EXPECT_EQ(d.during, 1s);
  EXPECT_EQ(d.after, 500ms);
}

TEST(SplitWindow, PartsAlwaysAddUpToTheDuration) {
  const PhaseFractions thirds{1.0 / 3, 1.0 / 3, 1.0 / 3};
  for (std::chrono::nanoseconds d : {1ns, 7ns, 1000ns, 999'999'999ns, 3'000'000'000ns}) {
    const PhaseDurations p = split_window(d, thirds);
    EXPECT_EQ(p.total(), d) << d.count();
    EXPECT_GE(p.after.count(), 0);
  }
  const PhaseDurations p = split_window(1s, thirds);
  EXPECT_EQ(p.before, 333'333'333ns);
  EXPECT_EQ(p.during, 333'333'333ns);
  EXPECT_EQ(p.after, 333'333'334ns);
}

TEST(SplitWindow, FractionsNeedNotBeNormalized) {
  const PhaseDurations p = split_window(4s, PhaseFractions{1, 2, 1});
  EXPECT_EQ(p.before, 1s);
  EXPECT_EQ(p.during, 2s);
  EXPECT_EQ(p.after, 1s);
}

TEST(PhasesYaml, DurationsSetTheWindow) {
  const auto s = parse_scenarios(
      scenario_with_run("  phases: {before: 1s, during: 2s, after: 1s}\n"), "p.yaml");
  EXPECT_EQ(s[0].run.duration, 4s);
  ASSERT_TRUE(s[0].run.phases);
  EXPECT_DOUBLE_EQ(s[0].run.phases->before, 0.25);
  EXPECT_DOUBLE_EQ(s[0].run.phases->during, 0.5);
}

TEST(PhasesYaml, PercentagesShareTheDuration) {
  const auto s = parse_scenarios(
      scenario_with_run("  duration: 3s\n  phases: {before: 20%, during: 60%, after: 20%}\n"),
      "p.yaml");
  EXPECT_EQ(s[0].run.duration, 3s);
  const PhaseDurations p = split_window(s[0].run.duration, *s[0].run.phases);
  EXPECT_EQ(p.before, 600ms);
  EXPECT_EQ(p.during, 1800ms);
  EXPECT_EQ(p.after, 600ms);
}

TEST(PhasesYaml, Errors) {
  EXPECT_THAT(error_of(scenario_with_run("  phases: {before: 1s, during: 50%, after: 1s}\n")),
              HasSubstr("p.yaml:9: field 'run.phases': give all three phases as durations or all "
                        "three as percentages"));
  EXPECT_THAT(error_of(scenario_with_run("  phases: {before: 30%, during: 50%, after: 30%}\n")),
              HasSubstr("the percentages add up to 110%, not 100%"));
  EXPECT_THAT(
      error_of(
          scenario_with_run("  duration: 3s\n  phases: {before: 1s, during: 1s, after: 2s}\n")),
      HasSubstr("p.yaml:10: field 'run.phases': the phases add up to 4000ms but run.duration is "
                "3000ms"));
  EXPECT_THAT(error_of(scenario_with_run("  phases: {before: 1s, during: soon, after: 1s}\n")),
              HasSubstr("field 'run.phases.during': 'soon' is neither a duration"));
  EXPECT_THAT(error_of(scenario_with_run("  phases: {before: 1s, during: 1s}\n")),
              HasSubstr("field 'run.phases.after': is required"));
  EXPECT_THAT(error_of(scenario_with_run("  phases: {before: 5ms, during: 1s, after: 1s}\n")),
              HasSubstr("shorter than the minimum 10ms"));
}

TEST(PhasesYaml, DurationOverrideKeepsTheShares) {
  auto s = parse_scenarios(scenario_with_run("  phases: {before: 1s, during: 2s, after: 1s}\n"),
                           "p.yaml");
  ScenarioOverrides o;
  o.duration = 8s;
  apply_overrides(s[0], o);
  const PhaseDurations p = split_window(s[0].run.duration, *s[0].run.phases);
  EXPECT_EQ(p.before, 2s);
  EXPECT_EQ(p.during, 4s);
  EXPECT_EQ(p.after, 2s);
}

// `values[i]` ops of latency `ns[i]` ending in bin i (10 ms bins from 0).
LatencySeries series_of(const std::vector<std::pair<uint64_t, uint64_t>>& bins) {
  LatencySeries s;
  s.reset(1'000'000'000);
  for (size_t i = 0; i < bins.size(); ++i)
    for (uint64_t n = 0; n < bins[i].first; ++n)
      s.record(1'000'000'000 + i * kRecoveryStepNs + 1, bins[i].second);
  return s;
}

TEST(Recovery, ImmediateWhenTheFirstWindowIsWithinTheThreshold) {
  const auto s = series_of(std::vector<std::pair<uint64_t, uint64_t>>(30, {100, 1000}));
  const Recovery r = compute_recovery(s, 1000, 300'000'000);
  EXPECT_TRUE(r.recovered);
  EXPECT_EQ(r.recovery_ns, 0u);
  EXPECT_EQ(r.threshold_ns, 1200u);
}

TEST(Recovery, FirstWindowOfTenBinsThatIsWithinTheThreshold) {
  // 5 slow bins (10 µs), then fast (1 µs). A 100 ms window holds 10 bins; its
  // P99 is fast only once fewer than 1 % of its ops are slow, i.e. once it
  // starts after the slow bins: at 50 ms.
  std::vector<std::pair<uint64_t, uint64_t>> bins(5, {100, 10'000});
  bins.resize(40, {100, 1000});
  const Recovery r = compute_recovery(series_of(bins), 1000, 400'000'000);
  EXPECT_TRUE(r.recovered);
  EXPECT_EQ(r.recovery_ns, 50'000'000u);
  EXPECT_NEAR(static_cast<double>(r.first_window_p99_ns), 10'000.0, 10'000 * 0.004);
}

TEST(Recovery, NotRecoveredWhenNoWindowFits) {
  const auto slow = series_of(std::vector<std::pair<uint64_t, uint64_t>>(30, {100, 5000}));
  Recovery r = compute_recovery(slow, 1000, 300'000'000);
  EXPECT_FALSE(r.recovered);
  EXPECT_GT(r.windows_judged, 0u);
  // An after phase shorter than one window judges nothing.
  r = compute_recovery(slow, 1000, 50'000'000);
  EXPECT_FALSE(r.recovered);
  EXPECT_EQ(r.windows_judged, 0u);
}

TEST(Recovery, WindowsWithTooFewOpsAreNotJudged) {
  std::vector<std::pair<uint64_t, uint64_t>> bins(10, {1, 1000});  // 10 ops per window
  bins.resize(30, {100, 1000});
  const Recovery r = compute_recovery(series_of(bins), 1000, 300'000'000);
  EXPECT_TRUE(r.recovered);
  EXPECT_GT(r.recovery_ns, 0u);  // the sparse first windows were skipped
}

TEST(Recovery, OpsBeforeTheOriginAreIgnored) {
  LatencySeries s;
  s.reset(1000);
  s.record(999, 5);
  EXPECT_TRUE(s.bins().empty());
  s.record(1000 + 2 * kRecoveryStepNs, 5);
  ASSERT_EQ(s.bins().size(), 3u);
  EXPECT_EQ(s.bins()[2].count(), 1u);
}

}  // namespace
}  // namespace mapsla
