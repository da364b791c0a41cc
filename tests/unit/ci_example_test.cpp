// ci/github-actions-example.yml is meant to be copied as is: it must be valid
// YAML with the steps docs/sla.md promises.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

namespace {

using ::testing::HasSubstr;

TEST(GithubActionsExample, IsValidYamlWithTheGateSteps) {
  const YAML::Node root = YAML::LoadFile(MAPSLA_SOURCE_DIR "/ci/github-actions-example.yml");
  ASSERT_TRUE(root.IsMap());
  EXPECT_TRUE(root["on"]["pull_request"].IsDefined());
  const YAML::Node steps = root["jobs"]["sla"]["steps"];
  ASSERT_TRUE(steps.IsSequence());
  std::string runs, uses;
  std::set<std::string> ids;
  for (const auto& step : steps) {
    ASSERT_TRUE(step["name"].IsScalar());
    // Each step does exactly one thing: a command or an action.
    EXPECT_NE(step["run"].IsDefined(), step["uses"].IsDefined()) << step["name"].Scalar();
    if (step["run"]) runs += step["run"].Scalar() + "\n";
    if (step["uses"]) uses += step["uses"].Scalar() + "\n";
    if (step["id"]) ids.insert(step["id"].Scalar());
    if (step["uses"] && step["uses"].Scalar().rfind("actions/upload-artifact", 0) == 0) {
      EXPECT_EQ(step["with"]["path"].Scalar(), "out/");
    }
    if (step["uses"] && step["uses"].Scalar().rfind("EnricoMi/", 0) == 0) {
      EXPECT_EQ(step["with"]["files"].Scalar(), "out/junit.xml");
    }
  }
  EXPECT_THAT(uses, HasSubstr("actions/checkout@"));
  EXPECT_THAT(runs, HasSubstr("sudo ci/bootstrap.sh"));
  EXPECT_THAT(runs, HasSubstr("cmake --build build"));
  EXPECT_THAT(runs, HasSubstr("sudo build/mapsla run scenarios/my.yaml --sla sla.yaml --out out"));
  EXPECT_THAT(runs, HasSubstr("build/mapsla compare baseline/report.json out/report.json"));
  EXPECT_THAT(uses, HasSubstr("actions/upload-artifact@"));
  EXPECT_EQ(ids, (std::set<std::string>{"gate", "compare"}));
}

}  // namespace
