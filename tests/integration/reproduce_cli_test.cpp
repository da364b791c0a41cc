// `mapsla reproduce REPORT.json` end to end: a short quiet run, its scenario
// file then moved away, reproduced from the report alone; the new report must
// carry the same scenario and settings (text, overrides, resolved config) and
// the same cells. Also the bad-input exits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli_runner.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kQuiet = R"(name: repro-quiet
description: "nobody writes; read back by mapsla reproduce"
map: {kind: hash, entries: 1024, value_size: 64}
writer: {driver: none}
readers:
  - {reader: naive, mode: keys, cpus: [0]}
  - {reader: naive, mode: dump, cpus: [0]}
run: {warmup: 500ms, duration: 2s, repetitions: 3}
)";

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

class ReproduceCliTest : public testing::TempDirTest<testing::PrivilegedTest> {
 protected:
  int mapsla(const std::vector<std::string>& args, std::string* log) {
    testing::CliOutcome out = testing::run_mapsla(args, dir_ / "log", 60s);
    *log = std::move(out.output);
    return out.status;
  }
};

TEST_F(ReproduceCliTest, ReproducesTheSameScenarioAndSettingsFromTheReportAlone) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  const fs::path yaml = dir_ / "repro-quiet.yaml";
  std::ofstream(yaml) << kQuiet;
  std::string log;
  ASSERT_EQ(mapsla({"run", yaml.string(), "--duration", "150ms", "--warmup", "10ms",
                    "--repetitions", "2", "--quiet", "--out", (dir_ / "first").string()},
                   &log),
            0)
      << log;
  // The scenario file is gone: only the report knows the scenario now.
  fs::rename(yaml, dir_ / "elsewhere.yaml");
  ASSERT_EQ(mapsla({"reproduce", (dir_ / "first/report.json").string(), "--quiet", "--out",
                    (dir_ / "second").string()},
                   &log),
            0)
      << log;
  EXPECT_THAT(log, HasSubstr("report: " + (dir_ / "second/report.json").string()));

  const json first = read_json(dir_ / "first/report.json");
  const json second = read_json(dir_ / "second/report.json");
  ASSERT_EQ(second["scenarios"].size(), 1u);
  EXPECT_EQ(second["scenarios"][0]["name"], "repro-quiet");
  EXPECT_EQ(second["scenarios"][0]["file"], yaml.string());
  // Same text, same overrides, same resolved scenario, field for field.
  EXPECT_EQ(second["scenarios"][0]["config"], first["scenarios"][0]["config"]);
  const json& source = second["scenarios"][0]["config"]["source"];
  EXPECT_EQ(source["yaml"], kQuiet);
  EXPECT_EQ(source["overrides"],
            (json{{"duration_ns", 150'000'000}, {"warmup_ns", 10'000'000}, {"repetitions", 2}}));
  EXPECT_EQ(second["scenarios"][0]["config"]["run"]["duration_ns"], 150'000'000);
  EXPECT_NE(second["run_id"], first["run_id"]);
  EXPECT_EQ(second["command"][1], "reproduce");

  ASSERT_EQ(second["cells"].size(), first["cells"].size());
  for (size_t i = 0; i < first["cells"].size(); ++i) {
    const json& a = first["cells"][i];
    const json& b = second["cells"][i];
    EXPECT_EQ(b["scenario"], a["scenario"]);
    EXPECT_EQ(b["reader"], a["reader"]);
    EXPECT_EQ(b["mode"], a["mode"]);
    EXPECT_EQ(b["settings"], a["settings"]);
    EXPECT_EQ(b["status"], "ok") << b["reason"];
    EXPECT_EQ(b["repetitions"].size(), 2u);
  }
  // Both reports say where they ran.
  EXPECT_EQ(second["environment"]["placement"], first["environment"]["placement"]);
  EXPECT_TRUE(second["environment"]["placement"]["where"].is_string());
}

TEST_F(ReproduceCliTest, BadReportsAndNamesExitTwo) {
  std::string log;
  std::ofstream(dir_ / "garbage.json") << "{ not json";
  EXPECT_EQ(mapsla({"reproduce", (dir_ / "garbage.json").string()}, &log), 2) << log;
  EXPECT_THAT(log, HasSubstr("garbage.json: at (document): not JSON"));

  std::ofstream(dir_ / "other.json") << R"({"schema": "mapsla.report/v0", "scenarios": []})";
  EXPECT_EQ(mapsla({"reproduce", (dir_ / "other.json").string()}, &log), 2) << log;
  EXPECT_THAT(log, HasSubstr("other.json: at schema"));

  const json report = {
      {"schema", "mapsla.report/v1"},
      {"scenarios",
       json::array(
           {{{"name", "repro-quiet"},
             {"file", "gone.yaml"},
             {"config", {{"source", {{"yaml", kQuiet}, {"overrides", json::object()}}}}}}})}};
  std::ofstream(dir_ / "report.json") << report.dump();
  EXPECT_EQ(mapsla({"reproduce", (dir_ / "report.json").string(), "--scenario", "nope"}, &log), 2)
      << log;
  EXPECT_THAT(log, HasSubstr("no scenario named 'nope'"));
}

}  // namespace
}  // namespace mapsla
