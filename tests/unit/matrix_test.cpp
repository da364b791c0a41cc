// The fault matrix: rows reader/mode, columns conditions, ratio to baseline.
#include "reports/matrix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "reports/json_report.h"

namespace mapsla {
namespace {

CellResult cell(const std::string& condition, const std::string& mode, uint64_t latency_ns,
                CellStatus status = CellStatus::ok) {
  CellResult c{condition + "-scenario", "naive", mode};
  c.condition = condition;
  c.status = status;
  if (status == CellStatus::ok) {
    RepetitionResult r;
    for (int i = 0; i < 1000; ++i)
      r.op_latency.record(latency_ns);
    c.repetitions.push_back(r);
  } else {
    c.reason = "host has 1 NUMA node";
  }
  return c;
}

TEST(Matrix, RatiosAgainstTheBaselineCondition) {
  const Matrix m = build_matrix({cell("baseline", "keys", 1000), cell("baseline", "dump", 2000),
                                 cell("cpu_stress", "keys", 3000),
                                 cell("cross_numa", "keys", 0, CellStatus::skipped)});
  EXPECT_TRUE(m.has_baseline);
  EXPECT_EQ(m.conditions, (std::vector<std::string>{"baseline", "cpu_stress", "cross_numa"}));
  ASSERT_EQ(m.rows.size(), 2u);
  const MatrixRow& keys = m.rows[0];
  EXPECT_EQ(keys.mode, "keys");
  ASSERT_TRUE(keys.conditions.at("baseline").ratio);
  EXPECT_DOUBLE_EQ(*keys.conditions.at("baseline").ratio, 1.0);
  EXPECT_NEAR(*keys.conditions.at("cpu_stress").ratio, 3.0, 0.03);
  EXPECT_FALSE(keys.conditions.at("cross_numa").ratio);
  EXPECT_EQ(matrix_cell_text(&keys.conditions.at("cross_numa")), "skipped");
  EXPECT_EQ(matrix_cell_text(nullptr), "—");
  EXPECT_THAT(matrix_cell_text(&keys.conditions.at("cpu_stress")), ::testing::HasSubstr("(×3.0"));

  const auto j = to_json(m);
  EXPECT_EQ(j["baseline"], "baseline");
  EXPECT_EQ(j["rows"][0]["conditions"]["cross_numa"]["status"], "skipped");
  EXPECT_EQ(j["rows"][0]["conditions"]["cross_numa"]["ratio_to_baseline"], nullptr);
  EXPECT_NEAR(j["rows"][0]["conditions"]["cpu_stress"]["ratio_to_baseline"].get<double>(), 3.0,
              0.03);

  std::ostringstream out;
  print_matrix(out, m);
  EXPECT_THAT(out.str(), ::testing::HasSubstr("naive/keys"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("cross_numa"));
}

TEST(Matrix, WithoutBaselineThereAreNoRatios) {
  const Matrix m = build_matrix({cell("a", "keys", 1000), cell("b", "keys", 2000)});
  EXPECT_FALSE(m.has_baseline);
  EXPECT_FALSE(m.rows[0].conditions.at("b").ratio);
  EXPECT_EQ(to_json(m)["baseline"], nullptr);
}

TEST(Matrix, ReportJsonHasTheMatrixAndEachCellsCondition) {
  Report r;
  r.cells = {cell("baseline", "keys", 1000), cell("cpu_stress", "keys", 2000)};
  const auto j = to_json(r);
  EXPECT_EQ(j["cells"][1]["condition"], "cpu_stress");
  EXPECT_EQ(j["matrix"]["conditions"].size(), 2u);
}

}  // namespace
}  // namespace mapsla
