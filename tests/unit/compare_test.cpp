// mapsla compare: the verdict logic on known inputs, and the Markdown and
// text renderers against golden files (tests/unit/golden/compare.*).
#include "reports/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/gate_fixtures.h"

namespace mapsla {
namespace {

using testing::cell;
using ::testing::HasSubstr;
using testing::repetition;

// One repetition per op latency given; per-entry cost = latency (1 op = 1 read).
CellResult with_latencies(const std::string& scenario, const std::string& mode,
                          const std::vector<uint64_t>& op_ns, uint64_t torn_per_rep = 0) {
  std::vector<RepetitionResult> reps;
  for (size_t i = 0; i < op_ns.size(); ++i) {
    reps.push_back(repetition(static_cast<int>(i), op_ns[i], 100'000, 100'000, op_ns[i] * 100'000));
    reps.back().anomalies.torn = torn_per_rep;
  }
  return cell(scenario, "naive", mode, std::move(reps));
}

const MetricComparison& metric(const CellComparison& c, const std::string& name) {
  for (const auto& m : c.metrics)
    if (m.metric == name) return m;
  throw std::runtime_error("no metric " + name);
}

TEST(Compare, ThreeVersusThreeSeparatedIsARegressionAtTheDefaults) {
  const Report base = testing::report({with_latencies("s", "keys", {100, 101, 102})});
  const Report next = testing::report({with_latencies("s", "keys", {150, 151, 152})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  ASSERT_EQ(c.cells.size(), 1u);
  const MetricComparison& p99 = metric(c.cells[0], "op p99");
  EXPECT_EQ(p99.base_value, 101);
  EXPECT_EQ(p99.new_value, 151);
  EXPECT_NEAR(p99.change, 50.0 / 101, 1e-12);
  // Every replicate's ratio lies between 150/102 and 152/100.
  ASSERT_TRUE(p99.has_interval);
  EXPECT_GE(p99.ci_low, 150.0 / 102 - 1 - 1e-12);
  EXPECT_LE(p99.ci_high, 152.0 / 100 - 1 + 1e-12);
  EXPECT_NEAR(p99.p_value, 2.0 / (CompareOptions{}.resamples + 1), 1e-12);
  EXPECT_LT(p99.q_value, 0.05);
  EXPECT_EQ(p99.verdict, ChangeVerdict::regression);
  EXPECT_EQ(c.count(ChangeVerdict::regression), 3u);  // p50, p99, per entry
  EXPECT_TRUE(c.notes.empty());
  // The same change the other way is an improvement; a higher threshold hides it.
  EXPECT_EQ(compare_reports(next, base, {}).count(ChangeVerdict::improvement), 3u);
  EXPECT_EQ(compare_reports(base, next, {60.0, 0.05, 2000}).count(ChangeVerdict::regression), 0u);
}

TEST(Compare, RepetitionsThatOverlapAreNotSignificant) {
  // Medians 100 → 112 (+12 %), but one window of each run alone spans more.
  const Report base = testing::report({with_latencies("s", "keys", {100, 130, 100})});
  const Report next = testing::report({with_latencies("s", "keys", {112, 100, 140})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  const MetricComparison& p50 = metric(c.cells[0], "op p50");
  EXPECT_NEAR(p50.change, 0.12, 1e-12);
  EXPECT_GT(p50.p_value, 0.5);
  EXPECT_EQ(p50.verdict, ChangeVerdict::not_significant);
  EXPECT_EQ(c.count(ChangeVerdict::regression), 0u);
  EXPECT_THAT(render_compare_text(c), HasSubstr("3 changes beyond the threshold not significant"));
}

TEST(Compare, AnomalyRatesFromZeroAndCellsThatCannotBeCompared) {
  Report base = testing::report({with_latencies("s", "keys", {100, 100, 100, 100}),
                                 with_latencies("s", "dump", {200, 200, 200, 200}),
                                 with_latencies("gone", "keys", {1, 1, 1, 1})});
  Report next = testing::report({with_latencies("s", "keys", {100, 100, 100, 100}, 5),
                                 cell("s", "naive", "dump", {}, CellStatus::failed, "read: EIO"),
                                 with_latencies("new", "keys", {1, 1, 1, 1})},
                                "r2");
  next.environment.kernel = "6.19.0-other";
  const Comparison c = compare_reports(base, next, {});
  ASSERT_EQ(c.cells.size(), 1u);
  const MetricComparison& torn = metric(c.cells[0], "torn /M (pooled)");
  EXPECT_EQ(torn.base_value, 0);
  EXPECT_EQ(torn.new_value, 50);  // 20 in 400 000 reads
  EXPECT_EQ(torn.new_count, 20u);
  EXPECT_EQ(torn.new_reads, 400'000u);
  EXPECT_TRUE(std::isinf(torn.change));
  EXPECT_EQ(torn.dispersion, 1.0);
  // 0 vs 20 with equal reads: 2 · 0.5^20.
  EXPECT_NEAR(torn.p_value, std::ldexp(1.0, -19), 1e-12);
  EXPECT_EQ(torn.verdict, ChangeVerdict::regression);
  EXPECT_EQ(metric(c.cells[0], "op p50").verdict, ChangeVerdict::unchanged);
  EXPECT_EQ(metric(c.cells[0], "op p50").change, 0.0);
  EXPECT_THAT(c.not_compared, ::testing::ElementsAre("s / naive dump: failed in NEW (read: EIO)",
                                                     "gone / naive keys: only in BASE",
                                                     "new / naive keys: only in NEW"));
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("different machines or kernels"));
}

TEST(Compare, CountsThatScatterBetweenWindowsAreNotARegression) {
  // A racy condition: torn counts vary tenfold between windows of one run.
  // Pooled, 1 400 → 1 900 would be "significant" for Poisson counts
  // (p ≈ 1e-29); scaled by the dispersion the windows show, it is noise.
  auto run = [](std::vector<uint64_t> torn, const char* id) {
    CellResult c = with_latencies("s", "keys", {100, 100, 100});
    for (size_t i = 0; i < torn.size(); ++i)
      c.repetitions[i].anomalies.torn = torn[i];
    return testing::report({c}, id);
  };
  const Comparison c =
      compare_reports(run({100, 1000, 300}, "r1"), run({1200, 200, 500}, "r2"), {});
  const MetricComparison& torn = metric(c.cells[0], "torn /M (pooled)");
  EXPECT_NEAR(torn.change, 500.0 / 1400, 1e-12);
  EXPECT_GT(torn.dispersion, 100.0);
  EXPECT_GT(torn.p_value, 0.5);
  EXPECT_EQ(torn.verdict, ChangeVerdict::not_significant);
  // Counts that agree across windows keep their full weight: 0 → 40 torn in
  // a million reads is a regression.
  const Comparison steady = compare_reports(run({0, 0, 0}, "r1"), run({13, 14, 13}, "r2"), {});
  EXPECT_EQ(metric(steady.cells[0], "torn /M (pooled)").dispersion, 1.0);
  EXPECT_EQ(metric(steady.cells[0], "torn /M (pooled)").verdict, ChangeVerdict::regression);
}

TEST(Compare, ExactRateTestAndBenjaminiHochberg) {
  EXPECT_NEAR(exact_rate_test(0, 1e6, 40, 1e6), std::ldexp(1.0, -39), 1e-20);
  EXPECT_NEAR(exact_rate_test(40, 1e6, 0, 1e6), std::ldexp(1.0, -39), 1e-20);
  // 2 vs 10 of equal exposure: 2 · P(X ≥ 10 | Bin(12, ½)) = 2 · 79 / 4096.
  EXPECT_NEAR(exact_rate_test(2, 1000, 10, 1000), 158.0 / 4096, 1e-12);
  EXPECT_EQ(exact_rate_test(5, 100, 5, 100), 1.0);
  EXPECT_EQ(exact_rate_test(0, 100, 0, 100), 1.0);
  // Unequal exposure: 10 in 1 000 vs 10 in 3 000 reads is a lower rate.
  EXPECT_LT(exact_rate_test(10, 1000, 10, 3000), 0.05);
  EXPECT_THAT(benjamini_hochberg({0.01, 0.04, 0.03, 0.005}),
              ::testing::ElementsAre(::testing::DoubleEq(0.02), ::testing::DoubleEq(0.04),
                                     ::testing::DoubleEq(0.04), ::testing::DoubleEq(0.02)));
  EXPECT_THAT(benjamini_hochberg({0.9}), ::testing::ElementsAre(0.9));
}

// Windows measured with the machine's floor beside them (floor_ns each).
CellResult with_floors(const std::vector<uint64_t>& op_ns, const std::vector<uint64_t>& floor_ns) {
  CellResult c = with_latencies("s", "keys", op_ns);
  for (size_t i = 0; i < floor_ns.size(); ++i) {
    c.repetitions[i].floor_bursts = 100;
    c.repetitions[i].floor_median_sum_ns = floor_ns[i] * 100;
  }
  return c;
}

TEST(Compare, AMachineThatRanSlowerIsNotAReaderRegression) {
  // NEW ran while the machine was 1.5× slower: every op, the floor's too,
  // took 1.5× as long. Raw, that is +50 % in every latency figure; relative
  // to the floor, nothing changed.
  const Report base = testing::report({with_floors({100, 100, 100}, {50, 50, 50})});
  const Report next = testing::report({with_floors({150, 150, 150}, {75, 75, 75})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  const MetricComparison& p50 = metric(c.cells[0], "op p50 ÷ floor");
  EXPECT_TRUE(p50.relative_to_floor);
  EXPECT_DOUBLE_EQ(p50.base_value, 2.0);
  EXPECT_DOUBLE_EQ(p50.new_value, 2.0);
  EXPECT_EQ(p50.verdict, ChangeVerdict::unchanged);
  EXPECT_EQ(metric(c.cells[0], "per entry ÷ floor").verdict, ChangeVerdict::unchanged);
  EXPECT_EQ(c.count(ChangeVerdict::regression), 0u);
  // The floor row shows the machine's change, for context only: not among
  // the tests, never a verdict.
  const MetricComparison& floor = metric(c.cells[0], "floor");
  EXPECT_TRUE(floor.context);
  EXPECT_DOUBLE_EQ(floor.new_value, 75);
  EXPECT_NEAR(floor.change, 0.5, 1e-12);
  EXPECT_EQ(floor.verdict, ChangeVerdict::unchanged);
  EXPECT_EQ(c.tests, 4u);  // three latency figures and the anomaly rate
  EXPECT_THAT(render_compare_text(c), HasSubstr("2×"));
  // The same reports judged raw (--raw) are the false alarm the floor avoids.
  CompareOptions raw;
  raw.relative_to_floor = false;
  const Comparison r = compare_reports(base, next, raw);
  EXPECT_EQ(metric(r.cells[0], "op p50").verdict, ChangeVerdict::regression);
}

TEST(Compare, AReaderSlowdownHiddenByAFasterMachineIsFound) {
  // NEW's reader costs 25 % more per op, but NEW ran on a machine 20 % faster:
  // the raw figures are equal, the ratio to the floor is not.
  const Report base = testing::report({with_floors({100, 101, 99}, {50, 50, 50})});
  const Report next = testing::report({with_floors({100, 101, 99}, {40, 40, 40})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  const MetricComparison& p50 = metric(c.cells[0], "op p50 ÷ floor");
  EXPECT_NEAR(p50.change, 0.25, 1e-12);
  EXPECT_EQ(p50.verdict, ChangeVerdict::regression);
  EXPECT_EQ(c.count(ChangeVerdict::regression), 3u);
  // The machine's move is said, with its interval.
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("the machine's floor moved in 1 cell (e.g. ▼ −20.0 %"));
  CompareOptions raw;
  raw.relative_to_floor = false;
  EXPECT_EQ(compare_reports(base, next, raw).count(ChangeVerdict::regression), 0u);
}

TEST(Compare, AReportWithoutAFloorIsJudgedRawAndSaysSo) {
  const Report base = testing::report({with_latencies("s", "keys", {100, 100, 100})});
  const Report next = testing::report({with_floors({100, 100, 100}, {50, 50, 50})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  EXPECT_FALSE(metric(c.cells[0], "op p50").relative_to_floor);
  EXPECT_THROW(metric(c.cells[0], "floor"), std::runtime_error);
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("1 cell judged on raw latency: BASE has no machine floor"));
}

// Windows of a `quiet` dump that carry the machine's floor.
CellResult dump_with_floors(const std::vector<uint64_t>& op_ns, uint64_t floor_ns) {
  CellResult c = with_latencies("quiet", "dump", op_ns);
  for (auto& rep : c.repetitions) {
    rep.floor_bursts = 100;
    rep.floor_median_sum_ns = floor_ns * 100;
  }
  return c;
}

// quiet dump: raw 4 % faster, but on a machine 20 % faster (its floor): the
// reader itself costs 20 % more.
Comparison golden_comparison() {
  Report base = testing::report({with_latencies("quiet", "keys", {1500, 1510, 1490, 1505, 1495}),
                                 dump_with_floors({2500, 2510, 2490}, 500),
                                 with_latencies("churn", "keys", {2000, 2010, 1990, 2005, 1995})},
                                "base0001");
  Report next =
      testing::report({with_latencies("quiet", "keys", {1700, 1710, 1690, 1705, 1695}),
                       dump_with_floors({2400, 2390, 2410}, 400),
                       with_latencies("churn", "keys", {2000, 2010, 1990, 2005, 1995}, 3)},
                      "new00002");
  next.started_at = "2026-11-22T03:00:00Z";
  Comparison c = compare_reports(base, next, {});
  c.base_name = "base/report.json";
  c.new_name = "new/report.json";
  return c;
}

TEST(Compare, MarkdownMatchesGoldenFile) {
  const std::string md = render_compare_markdown(golden_comparison());
  EXPECT_EQ(md, testing::golden_file("compare.md", md));
  EXPECT_THAT(md, HasSubstr("| quiet | naive | keys | op p50 | 1.50µs | 1.70µs | ▲ +13.3 % |"));
  EXPECT_THAT(md, HasSubstr("| quiet | naive | dump | op p50 ÷ floor | 5× | 6× | ▲ +20.0 % |"));
  EXPECT_THAT(md, HasSubstr("| quiet | naive | dump | floor | 500ns | 400ns | ▼ −20.0 % |"));
  EXPECT_THAT(md, HasSubstr("**Verdict: ❌ 8 significant regressions"));
}

TEST(Compare, TextMatchesGoldenFile) {
  const std::string text = render_compare_text(golden_comparison());
  EXPECT_EQ(text, testing::golden_file("compare.txt", text));
  EXPECT_THAT(text, HasSubstr("verdict: REGRESSION: 8 significant regressions beyond 10 %"));
}

}  // namespace
}  // namespace mapsla
