// `mapsla merge`, `mapsla check` on a fleet report and `mapsla compare`'s
// refusal of one, through the real binary. No privileges: they only read and
// write files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "reports/json_report.h"
#include "tests/cli_runner.h"
#include "tests/unit/fleet_fixtures.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class MergeCli : public testing::TempDirTest<> {
 protected:
  // a.json and b.json, the two hosts of tests/unit/fleet_fixtures.h.
  std::string two_reports(const std::string& yaml_b = testing::kFleetScenarioYaml) {
    const auto inputs = testing::fleet_inputs(yaml_b);
    return file("a.json", to_json(inputs[0].report).dump()) + " " +
           file("b.json", to_json(inputs[1].report).dump());
  }
  std::string merged() {
    const auto o = testing::run_mapsla("merge " + two_reports() + " --out " + out());
    EXPECT_EQ(o.status, 0) << o.output;
    return out() + "/report.json";
  }
  std::string out() const { return (dir_ / "fleet").string(); }
};

size_t lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(MergeCli, WritesTheFleetReportAndPrintsTheTable) {
  const auto o = testing::run_mapsla("merge " + two_reports() + " --out " + out());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("mapsla merge · 2 inputs · 3 cells"));
  EXPECT_THAT(o.output, HasSubstr("node-b/6.1.0"));
  for (const char* name : {"report.json", "report.md", "report.html"})
    EXPECT_TRUE(fs::exists(fs::path(out()) / name)) << name;
  std::ifstream in(fs::path(out()) / "report.json");
  const json j = json::parse(in);
  EXPECT_EQ(j["schema"], "mapsla.fleet/v1");
  EXPECT_EQ(j["inputs"].size(), 2u);
  EXPECT_EQ(j["inputs"][0]["file"], (dir_ / "a.json").string());
  EXPECT_EQ(j["inputs"][1]["report"]["run_id"], "bbbb2222");
  EXPECT_EQ(j["command"][1], "merge");
}

TEST_F(MergeCli, LabelsComeFromTheCommandLineOnePerInput) {
  auto o = testing::run_mapsla("merge " + two_reports() + " --out " + out() +
                               " --label east --label west");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("west"));
  o = testing::run_mapsla("merge " + two_reports() + " --out " + out() + " --label east");
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr("--label given 1 time for 2 inputs"));
}

TEST_F(MergeCli, RefusesDifferentScenarioTextsInOneLine) {
  const std::string inputs = two_reports(std::string(testing::kFleetScenarioYaml) + "# b\n");
  auto o = testing::run_mapsla("merge " + inputs + " --out " + out());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_EQ(lines(o.output), 1u) << o.output;
  EXPECT_THAT(o.output,
              HasSubstr((dir_ / "a.json").string() + " and " + (dir_ / "b.json").string() +
                        " differ in the text of scenario 'quiet'"));
  EXPECT_FALSE(fs::exists(fs::path(out()) / "report.json"));

  o = testing::run_mapsla("merge " + inputs + " --out " + out() + " --allow-different-scenarios");
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("note: scenario 'quiet' differs between"));
}

TEST_F(MergeCli, UnreadableOrInvalidInputsAreNamed) {
  const std::string good = file("a.json", to_json(testing::fleet_inputs()[0].report).dump());
  auto o = testing::run_mapsla("merge " + good + " " + (dir_ / "gone.json").string() + " --out " +
                               out());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr((dir_ / "gone.json").string() + ": at (file): cannot be read"));
  o = testing::run_mapsla("merge " + good + " " + file("bad.json", "{\"schema\": 1}") + " --out " +
                          out());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr((dir_ / "bad.json").string() + ": at schema"));
  EXPECT_EQ(lines(o.output), 1u) << o.output;
}

TEST_F(MergeCli, AFleetReportIsNotAnInputOfMerge) {
  const std::string fleet = merged();
  const auto o = testing::run_mapsla("merge " + fleet + " --out " + (dir_ / "again").string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr(fleet + ": is a fleet report"));
}

TEST_F(MergeCli, CheckGatesEveryInputAndNamesTheOneThatViolated) {
  const std::string fleet = merged();
  // naive keys: 450 ns on node-a, 900 ns on node-b.
  const std::string sla =
      file("sla.yaml", "sla:\n  - {reader: naive, mode: keys, op_p99: 700ns}\n");
  const auto o = testing::run_mapsla("check " + fleet + " --sla " + sla);
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_THAT(o.output, HasSubstr("fleet: SLA violated on 1 of 2 inputs:\n"
                                  "  node-b/6.1.0: quiet / naive keys: op_p99 <= 700ns:"));
  EXPECT_THAT(o.output, Not(HasSubstr("  node-a/6.18.0: quiet")));
  EXPECT_THAT(o.output, HasSubstr("== input node-a/6.18.0 (run aaaa1111"));
}

TEST_F(MergeCli, CheckExitsZeroWhenEveryInputHolds) {
  const std::string fleet = merged();
  const std::string junit = (dir_ / "junit.xml").string();
  const auto o =
      testing::run_mapsla("check " + fleet + " --sla " +
                          file("sla.yaml", "sla: {op_p99: 2us, torn: 10}") + " --junit " + junit);
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("fleet: SLA held on every input (2)"));
  EXPECT_TRUE(fs::exists(dir_ / "junit-1.xml"));
  EXPECT_TRUE(fs::exists(dir_ / "junit-2.xml"));
}

TEST_F(MergeCli, CompareRefusesAFleetReport) {
  const std::string fleet = merged();
  const auto o = testing::run_mapsla("compare " + fleet + " " + (dir_ / "a.json").string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr("is a fleet report written by `mapsla merge`"));
}

}  // namespace
}  // namespace mapsla
