// One report through every reporter: the op P99 of a cell is the same figure
// everywhere — the median of its repetitions' P99s, the SLA gate's rule —
// in the terminal table, report.md, report.html, report.json's matrix and
// Prometheus. The sample report is built so that the pooled P99 differs from
// that median, so a reporter that pooled would be caught.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/markdown_report.h"
#include "reports/prometheus_report.h"
#include "reports/report_tables.h"
#include "reports/terminal_report.h"
#include "tests/unit/sample_report.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

TEST(OneStatistic, EveryReporterShowsTheMedianP99NeverThePooledOne) {
  const Report report = testing::sample_report();
  std::ostringstream terminal;
  TerminalReporter().write(report, ::testing::TempDir(), terminal);
  const std::string markdown = render_markdown(report);
  const std::string html = render_html(report, nullptr);
  const nlohmann::json json = to_json(report);
  const std::string prometheus = render_textfile(report);

  size_t differing = 0;
  for (const CellResult& cell : report.cells) {
    if (cell.status != CellStatus::ok || cell.repetitions.empty()) continue;
    SCOPED_TRACE(cell.scenario + " " + cell.reader + " " + cell.mode);
    const double median = cell_p99_ns(cell);
    const double pooled = static_cast<double>(cell.pooled().op_latency.percentile(99));
    if (format_ns(pooled) != format_ns(median)) ++differing;
    EXPECT_THAT(terminal.str(), HasSubstr(format_ns(median)));
    EXPECT_THAT(markdown, HasSubstr("| " + format_ns(median) + " |"));
    EXPECT_THAT(html, HasSubstr("<td class=\"num\">" + format_ns(median) + "</td>"));
    bool in_matrix = false;
    for (const auto& row : json["matrix"]["rows"]) {
      if (row["reader"] != cell.reader || row["mode"] != cell.mode) continue;
      for (const auto& [condition, entry] : row["conditions"].items())
        if (entry["scenario"] == cell.scenario && entry["status"] == "ok") {
          EXPECT_EQ(entry["op_p99_ns"].get<uint64_t>(),
                    static_cast<uint64_t>(std::llround(median)));
          in_matrix = true;
        }
    }
    EXPECT_TRUE(in_matrix);
    const std::string series = "mapsla_op_latency_p99_seconds{";
    bool in_prometheus = false;
    std::istringstream lines(prometheus);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(series, 0) == 0 && line.find("reader=\"" + cell.reader + "\"") != line.npos &&
          line.find("mode=\"" + cell.mode + "\"") != line.npos &&
          line.find("scenario=\"" + cell.scenario + "\"") != line.npos) {
        EXPECT_NEAR(std::stod(line.substr(line.rfind(' ') + 1)), median / 1e9, median / 1e12)
            << line;  // the exposition keeps 4 significant digits
        in_prometheus = true;
      }
    EXPECT_TRUE(in_prometheus);
  }
  EXPECT_GT(differing, 0u) << "the sample cannot tell a pooled P99 from the median";
}

}  // namespace
}  // namespace mapsla
