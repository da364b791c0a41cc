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

TEST(Compare, FiveVersusFiveSeparatedIsASignificantRegression) {
  const Report base = testing::report({with_latencies("s", "keys", {100, 101, 102, 103, 104})});
  const Report next =
      testing::report({with_latencies("s", "keys", {120, 121, 122, 123, 124})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  ASSERT_EQ(c.cells.size(), 1u);
  const MetricComparison& p50 = metric(c.cells[0], "op p50");
  EXPECT_EQ(p50.base_median, 102);
  EXPECT_EQ(p50.new_median, 122);
  EXPECT_NEAR(p50.change, 20.0 / 102, 1e-12);
  EXPECT_NEAR(p50.test.p_value, 2.0 / 252, 1e-12);
  EXPECT_EQ(p50.verdict, ChangeVerdict::regression);
  EXPECT_EQ(metric(c.cells[0], "per entry").verdict, ChangeVerdict::regression);
  EXPECT_EQ(c.count(ChangeVerdict::regression), 3u);  // p50, p99, per entry
  EXPECT_FALSE(c.inconclusive());
  EXPECT_TRUE(c.notes.empty());
  // The same change the other way is an improvement; a higher threshold hides it.
  EXPECT_EQ(compare_reports(next, base, {}).count(ChangeVerdict::improvement), 3u);
  EXPECT_EQ(compare_reports(base, next, {25.0, 0.05}).count(ChangeVerdict::regression), 0u);
}

TEST(Compare, ThreeVersusThreeCannotReachAlphaAndSaysSo) {
  const Report base = testing::report({with_latencies("s", "keys", {100, 101, 102})});
  const Report next = testing::report({with_latencies("s", "keys", {150, 151, 152})}, "r2");
  const Comparison c = compare_reports(base, next, {});
  const MetricComparison& p99 = metric(c.cells[0], "op p99");
  EXPECT_NEAR(p99.test.p_value, 0.1, 1e-12);
  EXPECT_EQ(p99.verdict, ChangeVerdict::not_significant);
  EXPECT_EQ(c.count(ChangeVerdict::regression), 0u);
  EXPECT_TRUE(c.inconclusive());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("3 vs 3 repetitions: without ties the smallest two-sided "
                                    "p-value is 0.100, which cannot reach α = 0.05"));
  EXPECT_THAT(c.notes[0], HasSubstr("--repetitions 4 or more (4 vs 4: p ≥ 0.029)"));
  // With a looser α the same data is significant.
  EXPECT_EQ(compare_reports(base, next, {5.0, 0.11}).count(ChangeVerdict::regression), 3u);
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
  const MetricComparison& torn = metric(c.cells[0], "torn /M");
  EXPECT_EQ(torn.base_median, 0);
  EXPECT_EQ(torn.new_median, 50);  // 5 per 100 000 reads
  EXPECT_TRUE(std::isinf(torn.change));
  // Ties (all zeros): the normal approximation, p = 0.0131.
  EXPECT_NEAR(torn.test.p_value, 0.013124, 1e-5);
  EXPECT_EQ(torn.verdict, ChangeVerdict::regression);
  EXPECT_EQ(metric(c.cells[0], "op p50").verdict, ChangeVerdict::unchanged);
  EXPECT_EQ(metric(c.cells[0], "op p50").test.p_value, 1.0);
  EXPECT_THAT(c.not_compared, ::testing::ElementsAre("s / naive dump: failed in NEW (read: EIO)",
                                                     "gone / naive keys: only in BASE",
                                                     "new / naive keys: only in NEW"));
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("different machines or kernels"));
}

Comparison golden_comparison() {
  Report base = testing::report({with_latencies("quiet", "keys", {1500, 1510, 1490, 1505, 1495}),
                                 with_latencies("quiet", "dump", {2500, 2510, 2490}),
                                 with_latencies("churn", "keys", {2000, 2010, 1990, 2005, 1995})},
                                "base0001");
  Report next =
      testing::report({with_latencies("quiet", "keys", {1700, 1710, 1690, 1705, 1695}),
                       with_latencies("quiet", "dump", {2400, 2390, 2410}),
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
  EXPECT_THAT(md, HasSubstr("| quiet | naive | keys | op p50 | 1.50µs | 1.70µs | ▲ +13.3 % | 0.008 "
                            "| ❌ regression |"));
  EXPECT_THAT(md, HasSubstr("**Verdict: ❌ 5 significant regressions"));
}

TEST(Compare, TextMatchesGoldenFile) {
  const std::string text = render_compare_text(golden_comparison());
  EXPECT_EQ(text, testing::golden_file("compare.txt", text));
  EXPECT_THAT(text, HasSubstr("verdict: REGRESSION: 5 significant regressions beyond 5 %"));
}

}  // namespace
}  // namespace mapsla
