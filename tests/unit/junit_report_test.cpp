// JUnit XML for the SLA gate against a golden file.
#include "reports/junit_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/sla_parser.h"
#include "tests/unit/gate_fixtures.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

struct Fixture {
  Report report;
  SlaSpec spec;
  SlaResult result;
};

Fixture junit_fixture() {
  Fixture f;
  CellResult keys = testing::cell("quiet", "naive", "keys",
                                  {testing::repetition(0, 450, 30'000, 30'000, 13'500'000),
                                   testing::repetition(1, 470, 30'000, 30'000, 14'100'000),
                                   testing::repetition(2, 460, 30'000, 30'000, 13'800'000)});
  keys.repetitions[1].anomalies.torn = 2;
  f.report = testing::report({keys, testing::cell("numa", "naive", "keys", {}, CellStatus::skipped,
                                                  "cross_numa: host has 1 NUMA node (needs 2)")},
                             "abcd1234");
  f.spec = parse_sla_text(R"(sla:
  - op_p99: 1us
    torn: 0
  - scenario: quiet
    op_p50: 400ns
  - scenario: numa
    op_p99: 5us
)",
                          "sla.yaml");
  f.result = evaluate_sla(f.spec, f.report.cells);
  return f;
}

TEST(JunitReport, OneTestCasePerCheckMatchesGoldenFile) {
  const Fixture f = junit_fixture();
  const std::string xml = render_junit(f.report, f.result);
  EXPECT_EQ(xml, testing::golden_file("junit.xml", xml));
  EXPECT_THAT(xml, HasSubstr("tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"quiet.naive.keys\" name=\"op_p99 &lt;= "
                             "1.00µs\"/>"));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"sla_violation\" message=\"torn: measured 2 (over 3 "
                             "repetitions), limit &lt;= 0\">"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"not evaluated: cell skipped: cross_numa"));
}

TEST(JunitReport, ReporterWritesJunitXmlIntoTheDirectory) {
  const Fixture f = junit_fixture();
  const auto dir = std::filesystem::temp_directory_path() / "mapsla_junit_test";
  std::ostringstream terminal;
  const auto files = JunitReporter(f.result).write(f.report, dir, terminal);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], dir / "junit.xml");
  std::ifstream in(files[0]);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), render_junit(f.report, f.result));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mapsla
