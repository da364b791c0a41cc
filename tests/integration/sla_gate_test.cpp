// `mapsla run … --sla FILE` end to end on a quiet map: a threshold nobody can
// meet fails the run with exit 1 and prints the violation; generous ones pass
// with exit 0. The report it writes matches the documented schema, and
// `mapsla check` on that report reaches the same verdict as the run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli_runner.h"
#include "tests/integration/privileged.h"
#include "tests/unit/json_schema_check.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using Outcome = testing::CliOutcome;
using testing::run_mapsla;

// Three short windows of one reader on a map nobody writes.
constexpr const char* kQuiet = R"(name: quiet-gate
map: {kind: hash, entries: 4096}
writer: {driver: none}
readers:
  - {reader: naive, mode: keys, cpus: [0]}
run: {warmup: 50ms, duration: 150ms, repetitions: 3}
)";

class SlaGateRun : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    MAPSLA_REQUIRE_TEST_RUN_WRITER();
    dir_ = fs::temp_directory_path() / ("mapsla_sla_gate_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "quiet.yaml") << kQuiet;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
    testing::PrivilegedTest::TearDown();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string sla(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return path(name);
  }

  fs::path dir_;
};

TEST_F(SlaGateRun, AThresholdNobodyMeetsFailsWithExitOneAndPrintsTheViolation) {
  const Outcome o =
      run_mapsla("run " + path("quiet.yaml") + " --quiet --out " + path("out") + " --sla " +
                 sla("tight.yaml", "sla:\n  - op_p99: 1ns\n    torn: 0\n"));
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_THAT(o.output, HasSubstr("FAIL  quiet-gate.naive.keys  op_p99: measured "));
  EXPECT_THAT(o.output, HasSubstr("(median of 3 repetitions), limit <= 1ns"));
  EXPECT_THAT(o.output, HasSubstr("SLA VIOLATED: 2 checks: 1 held, 1 violated"));

  const std::string junit = path("out/junit.xml");
  ASSERT_TRUE(fs::exists(junit));
  std::ifstream in(junit);
  const std::string xml{std::istreambuf_iterator<char>(in), {}};
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"quiet-gate.naive.keys\" name=\"op_p99 &lt;= "
                             "1ns\">"));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"sla_violation\""));

  // The report written by a real run holds to its documented schema.
  std::ifstream report_in(path("out/report.json"));
  const auto report = nlohmann::json::parse(report_in);
  const testing::SchemaChecker schema(
      testing::documented_report_schema(MAPSLA_SOURCE_DIR "/docs/report-schema.md"));
  const auto errors = schema.check(report);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  EXPECT_EQ(report["cells"][0]["summary"]["across_repetitions"]["op_p99_ns"]["values"].size(), 3u);

  // check on the written report reaches the run's verdict.
  EXPECT_EQ(run_mapsla("check " + path("out/report.json") + " --sla " + path("tight.yaml")).status,
            1);
  EXPECT_EQ(run_mapsla("compare " + path("out/report.json") + " " + path("out/report.json")).status,
            0);
}

TEST_F(SlaGateRun, GenerousThresholdsPassWithExitZero) {
  const Outcome o =
      run_mapsla("run " + path("quiet.yaml") + " --quiet --out " + path("out") + " --sla " +
                 sla("generous.yaml",
                     "sla:\n  - op_p99: 10ms\n    anomalies: 0\n    min_samples: 100\n"
                     "  - reader: naive\n    mode: keys\n    per_entry: 1ms\n"));
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("SLA held: 4 checks: 4 held, 0 violated, 0 not evaluated"));
  EXPECT_TRUE(fs::exists(path("out/junit.xml")));
  EXPECT_EQ(
      run_mapsla("check " + path("out/report.json") + " --sla " + path("generous.yaml")).status, 0);
}

}  // namespace
}  // namespace mapsla
