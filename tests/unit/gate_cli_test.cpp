// `mapsla check` and `mapsla compare` through the real binary: exit codes and
// the one-line errors for bad input. No privileges needed: both only read
// files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "reports/json_report.h"
#include "tests/bad_input.h"
#include "tests/cli_runner.h"
#include "tests/unit/gate_fixtures.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using Outcome = testing::CliOutcome;

Outcome mapsla(const std::string& args) {
  return testing::run_mapsla(args);
}

class GateCli : public testing::TempDirTest<> {
 protected:
  std::string report_file(const std::string& name, const std::vector<uint64_t>& op_ns,
                          CellStatus status = CellStatus::ok) {
    std::vector<RepetitionResult> reps;
    for (size_t i = 0; i < op_ns.size(); ++i)
      reps.push_back(
          testing::repetition(static_cast<int>(i), op_ns[i], 20'000, 20'000, op_ns[i] * 20'000));
    CellResult c = testing::cell("quiet", "naive", "keys", reps, status,
                                 status == CellStatus::ok ? "" : "host has 1 NUMA node");
    if (status != CellStatus::ok) c.repetitions.clear();
    return file(name, to_json(testing::report({c})).dump(2));
  }
};

TEST_F(GateCli, CheckExitsZeroWhenTheSlaHolds) {
  const std::string report = report_file("r.json", {400, 410, 420});
  const Outcome o = mapsla("check " + report + " --sla " + file("sla.yaml", "sla: {op_p99: 1us}"));
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("SLA held: 1 check: 1 held, 0 violated, 0 not evaluated"));
}

TEST_F(GateCli, CheckExitsOneAndPrintsEachViolation) {
  const std::string report = report_file("r.json", {400, 410, 420});
  const std::string junit = (dir_ / "out" / "junit.xml").string();
  fs::create_directories(dir_ / "out");
  const Outcome o =
      mapsla("check " + report + " --sla " +
             file("sla.yaml", "sla:\n  - op_p99: 100ns\n    torn: 0\n") + " --junit " + junit);
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_THAT(o.output, HasSubstr("FAIL  quiet.naive.keys  op_p99: measured 410ns (median of 3 "
                                  "repetitions), limit <= 100ns"));
  EXPECT_THAT(o.output, HasSubstr("SLA VIOLATED: 2 checks: 1 held, 1 violated"));
  EXPECT_TRUE(fs::exists(junit));
}

TEST_F(GateCli, CheckExitsThreeWhenNothingCouldBeEvaluated) {
  const std::string report = report_file("r.json", {}, CellStatus::skipped);
  const Outcome o = mapsla("check " + report + " --sla " + file("sla.yaml", "sla: {op_p99: 1us}"));
  EXPECT_EQ(o.status, 3) << o.output;
  EXPECT_THAT(o.output, HasSubstr("n/a   quiet.naive.keys  op_p99: measured cell skipped"));
}

TEST_F(GateCli, CheckBadInputExitsTwoWithOneLine) {
  const std::string sla = file("sla.yaml", "sla: {op_p99: 1us}");
  const std::string report = report_file("r.json", {400});
  Outcome o = mapsla("check " + (dir_ / "missing.json").string() + " --sla " + sla);
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.output,
            "mapsla: " + (dir_ / "missing.json").string() + ": at (file): cannot be read\n");
  o = mapsla("check " + file("bad.json", "{\"schema\": \"mapsla.report/v9\"}") + " --sla " + sla);
  EXPECT_EQ(o.status, 2);
  EXPECT_THAT(o.output, HasSubstr("bad.json: at schema: 'mapsla.report/v9' is not"));
  o = mapsla("check " + file("trunc.json", "{\"cells\": [") + " --sla " + sla);
  EXPECT_EQ(o.status, 2);
  EXPECT_THAT(o.output, HasSubstr("trunc.json: at (document): not JSON"));
  // SLA files: exit 2 with FILE:LINE within a second and bounded memory.
  const std::string bad = file("bad.yaml", "sla:\n  - op_p99: fast\n    torn: -1\n");
  testing::BoundedOutcome b = testing::run_mapsla_bounded({"check", report, "--sla", bad});
  testing::expect_bad_input(b, bad);
  EXPECT_THAT(b.output, HasSubstr("bad.yaml:2: field 'sla[0].op_p99'"));
  EXPECT_THAT(b.output, HasSubstr("bad.yaml:3: field 'sla[0].torn': -1 is out of range"));
  const std::string typo = file("typo.yaml", "sla: {reader: naiv, torn: 0}");
  b = testing::run_mapsla_bounded({"check", report, "--sla", typo});
  testing::expect_refused_within_bounds(b);  // a rule checked against the report, after its header
  EXPECT_THAT(b.output, HasSubstr("typo.yaml:1: field 'sla': the rule for reader naiv selects no "
                                  "cell of the report"));
  EXPECT_EQ(mapsla("check " + report).status, 2);  // --sla is required
}

TEST_F(GateCli, CompareExitCodes) {
  const std::string base = report_file("base.json", {100, 101, 102, 103, 104});
  const std::string slower = report_file("new.json", {150, 151, 152, 153, 154});
  Outcome o = mapsla("compare " + base + " " + slower + " --format markdown");
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_THAT(o.output, HasSubstr("| quiet | naive | keys | op p99 | 102ns | 152ns | ▲ +49.0 % | "
                                  "[+45.6, +52.5] % |"));
  EXPECT_THAT(o.output, HasSubstr("| ❌ regression |"));
  o = mapsla("compare " + base + " " + slower + " --threshold 60");
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("verdict: no significant regression"));
  EXPECT_EQ(mapsla("compare " + slower + " " + base).status, 0);  // faster is fine
}

TEST_F(GateCli, CompareBadInputExitsTwo) {
  const std::string base = report_file("base.json", {100, 101, 102});
  Outcome o = mapsla("compare " + base + " " + (dir_ / "nope.json").string());
  EXPECT_EQ(o.status, 2);
  EXPECT_THAT(o.output, HasSubstr("nope.json: at (file): cannot be read"));
  EXPECT_EQ(mapsla("compare " + base + " " + base + " --format html").status, 2);
  EXPECT_EQ(mapsla("compare " + base + " " + base + " --alpha 1.5").status, 2);
  EXPECT_EQ(mapsla("compare " + base + " " + base + " --threshold -1").status, 2);
  EXPECT_EQ(mapsla("compare " + base).status, 2);
  const std::string skipped = report_file("skipped.json", {}, CellStatus::skipped);
  o = mapsla("compare " + base + " " + skipped);
  EXPECT_EQ(o.status, 2);
  EXPECT_THAT(o.output, HasSubstr("have no cell in common that is ok in both"));
}

}  // namespace
}  // namespace mapsla
