// `mapsla merge` end to end: two real short runs of scenarios/quiet.yaml on
// this host, merged; the fleet report must hold both inputs, told apart
// although host and kernel are the same, and exactly the cells each run had,
// with each input's own status; `check` gates both.
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

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

class MergeCliTest : public testing::TempDirTest<testing::PrivilegedTest> {
 protected:
  int mapsla(const std::vector<std::string>& args, std::string* log) {
    testing::CliOutcome out = testing::run_mapsla(args, dir_ / "log", 120s);
    *log = std::move(out.output);
    return out.status;
  }
};

TEST_F(MergeCliTest, TwoRealRunsMergeIntoOneFleetReportWithBothInputsAndTheSameCells) {
  std::string log;
  for (const char* run : {"run-a", "run-b"})
    ASSERT_EQ(
        mapsla({"run", MAPSLA_SOURCE_DIR "/scenarios/quiet.yaml", "--duration", "100ms", "--warmup",
                "10ms", "--repetitions", "1", "--quiet", "--out", (dir_ / run).string()},
               &log),
        0)
        << log;
  const fs::path a = dir_ / "run-a/report.json", b = dir_ / "run-b/report.json";
  ASSERT_EQ(mapsla({"merge", a.string(), b.string(), "--out", (dir_ / "fleet").string()}, &log), 0)
      << log;
  EXPECT_THAT(log, HasSubstr("mapsla merge · 2 inputs"));
  for (const char* name : {"report.json", "report.md", "report.html"})
    EXPECT_TRUE(fs::exists(dir_ / "fleet" / name)) << name;

  const json first = read_json(a), second = read_json(b);
  const json fleet = read_json(dir_ / "fleet/report.json");
  EXPECT_EQ(fleet["schema"], "mapsla.fleet/v1");
  ASSERT_EQ(fleet["inputs"].size(), 2u);
  // Same host and kernel: the labels carry the run ids.
  const std::string host = first["environment"]["hostname"];
  const std::string kernel = first["environment"]["kernel"];
  EXPECT_EQ(fleet["inputs"][0]["label"],
            host + "/" + kernel + " (run " + first["run_id"].get<std::string>() + ")");
  EXPECT_EQ(fleet["inputs"][1]["label"],
            host + "/" + kernel + " (run " + second["run_id"].get<std::string>() + ")");
  EXPECT_EQ(fleet["inputs"][0]["report"]["run_id"], first["run_id"]);
  EXPECT_EQ(fleet["inputs"][1]["report"]["run_id"], second["run_id"]);
  EXPECT_EQ(fleet["inputs"][1]["placement"], second["environment"]["placement"]);

  // The same cells as each run, in order, each input with its own status.
  ASSERT_EQ(fleet["cells"].size(), first["cells"].size());
  ASSERT_EQ(first["cells"].size(), second["cells"].size());
  for (size_t i = 0; i < first["cells"].size(); ++i) {
    const json& cell = fleet["cells"][i];
    EXPECT_EQ(cell["scenario"], first["cells"][i]["scenario"]);
    EXPECT_EQ(cell["reader"], first["cells"][i]["reader"]);
    EXPECT_EQ(cell["mode"], first["cells"][i]["mode"]);
    ASSERT_EQ(cell["inputs"].size(), 2u);
    EXPECT_EQ(cell["inputs"][0]["status"], first["cells"][i]["status"]);
    EXPECT_EQ(cell["inputs"][1]["status"], second["cells"][i]["status"]);
    for (const json& in : cell["inputs"])
      if (in["status"] == "ok") {
        EXPECT_GT(in["op_p99_ns"].get<double>(), 0) << cell.dump();
        EXPECT_EQ(in["anomalies"], 0) << cell.dump();  // the quiet map: the known negative
      }
  }

  std::ofstream(dir_ / "sla.yaml") << "sla: {torn: 0, missing: 0}\n";
  EXPECT_EQ(mapsla({"check", (dir_ / "fleet/report.json").string(), "--sla",
                    (dir_ / "sla.yaml").string()},
                   &log),
            0)
      << log;
  EXPECT_THAT(log, HasSubstr("fleet: SLA held on every input (2)"));
}

}  // namespace
}  // namespace mapsla
