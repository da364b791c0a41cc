#include "reports/markdown_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/matrix.h"
#include "reports/report_tables.h"
#include "tests/unit/sample_report.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MarkdownReport, MatchesGoldenFile) {
  const std::string actual = render_markdown(testing::sample_report());
  EXPECT_EQ(actual, testing::golden("report.md", actual))
      << "rerun with MAPSLA_UPDATE_GOLDEN=1 to accept, then review the diff";
}

TEST(MarkdownReport, SummaryIsTheFaultMatrixWithAnomalies) {
  const Report report = testing::sample_report();
  const Matrix m = build_matrix(report.cells);
  ASSERT_TRUE(m.has_baseline);
  EXPECT_EQ(display_conditions(m), (std::vector<std::string>{"baseline", "replace"}));
  ASSERT_EQ(m.rows.size(), 4u);
  const MatrixEntry& keys = m.rows[0].conditions.at("replace");
  ASSERT_TRUE(keys.ratio.has_value());
  EXPECT_GT(*keys.ratio, 1.2);  // 1500-ish vs 1000-ish ns latencies
  // No baseline for the dump reader: no ratio, and none invented.
  EXPECT_FALSE(m.rows[1].conditions.at("replace").ratio.has_value());

  const std::string md = render_markdown(report);
  // The condition label names the column, not the scenario.
  EXPECT_THAT(md, HasSubstr("| reader | baseline | replace |"));
  EXPECT_THAT(md,
              HasSubstr("| naive keys | " + matrix_cell_text(&m.rows[0].conditions.at("baseline")) +
                        " · 0 anomalies | " + matrix_cell_text(&keys) + " · 4 anomalies |"));
  EXPECT_THAT(md, HasSubstr("| naive dump | — |"));
}

TEST(MarkdownReport, ThePercentileIsTheMedianOfRepetitions) {
  Report report = testing::sample_report();
  CellResult& cell = report.cells[0];
  const double middle = static_cast<double>(cell.repetitions[2].op_latency.percentile(99));
  EXPECT_DOUBLE_EQ(cell_p99_ns(cell), middle);  // bases 1000, 1100, 1050: 1050 is the median
}

TEST(MarkdownReport, ExplainsEveryCellThatIsNotOkAndEscapesPipes) {
  const std::string md = render_markdown(testing::sample_report());
  EXPECT_THAT(md, HasSubstr("## Cells not ok"));
  EXPECT_THAT(md, HasSubstr("- baseline / mmap seqlock — not_applicable: mmap needs an array \\| "
                            "with BPF_F_MMAPABLE"));
  EXPECT_THAT(md, HasSubstr("- hash-replace / batched batch — failed: read: "
                            "BPF_MAP_LOOKUP_BATCH"));
  EXPECT_THAT(md, HasSubstr("| sch_netem | no | module sch_netem not found |"));
  EXPECT_THAT(md, HasSubstr("| kernel | 6.18.0-test |"));
  // Each row has as many fields as its header.
  std::istringstream lines(md);
  size_t columns = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') {
      columns = 0;
      continue;
    }
    size_t fields = 0;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++fields;
    if (columns == 0) columns = fields;
    EXPECT_EQ(fields, columns) << line;
  }
}

TEST(MarkdownReport, WithoutABaselineSaysThereAreNoRatios) {
  Report report = testing::sample_report();
  for (auto& cell : report.cells)
    if (cell.scenario == "baseline") cell.scenario = "quiet";
  ASSERT_FALSE(build_matrix(report.cells).has_baseline);
  const std::string md = render_markdown(report);
  EXPECT_THAT(md, HasSubstr("no condition is named `baseline`, so there are no ratios"));
  EXPECT_THAT(md, Not(HasSubstr("×")));
}

TEST(MarkdownReport, WritesReportMdIntoTheDirectory) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mapsla_md_" + std::to_string(::getpid()));
  std::ostringstream terminal;
  const auto files = MarkdownReporter().write(testing::sample_report(), dir, terminal);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], dir / "report.md");
  std::ifstream in(files[0]);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(text, render_markdown(testing::sample_report()));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.md.tmp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mapsla
