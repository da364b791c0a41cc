// `mapsla merge`'s model and renderers (reports/merge.h, merge_report.h):
// the figures per input, the worst input per metric, the cells not run
// everywhere, labels, the refusal of different scenarios, the fleet JSON
// against its documented schema, and the terminal and Markdown output
// against golden files (MAPSLA_UPDATE_GOLDEN=1 rewrites them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "reports/json_report.h"
#include "reports/merge_report.h"
#include "reports/report_reader.h"
#include "tests/unit/fleet_fixtures.h"
#include "tests/unit/json_schema_check.h"

namespace mapsla {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const FleetCell& fleet_cell(const Fleet& fleet, const std::string& reader,
                            const std::string& mode) {
  for (const FleetCell& c : fleet.cells)
    if (c.key.reader == reader && c.key.mode == mode) return c;
  throw std::runtime_error("no cell " + reader + " " + mode);
}

TEST(Merge, EveryInputKeepsItsIdentity) {
  const Fleet fleet = testing::fleet_fixture();
  ASSERT_EQ(fleet.inputs.size(), 2u);
  EXPECT_EQ(fleet.inputs[0].label, "node-a/6.18.0");
  EXPECT_EQ(fleet.inputs[1].label, "node-b/6.1.0");
  EXPECT_EQ(fleet.inputs[1].run_id, "bbbb2222");
  EXPECT_EQ(fleet.inputs[1].hostname, "node-b");
  EXPECT_EQ(fleet.inputs[1].kernel, "6.1.0");
  EXPECT_THAT(fleet.inputs[1].placement, HasSubstr("KVM"));
  EXPECT_EQ(fleet.inputs[0].file, "a/report.json");
}

TEST(Merge, FiguresAreTheMediansAcrossRepetitionsAndPooledAnomalies) {
  const Fleet fleet = testing::fleet_fixture();
  ASSERT_EQ(fleet.cells.size(), 3u);
  const FleetCell& keys = fleet_cell(fleet, "naive", "keys");
  EXPECT_EQ(keys.condition, "baseline");
  // The same statistic as the matrix and the gate (median of repetitions' P99s).
  const Report a =
      testing::fleet_host("node-a", "6.18.0", "aaaa1111", false, testing::kFleetScenarioYaml);
  EXPECT_DOUBLE_EQ(*keys.inputs[0].op_p99_ns, cell_p99_ns(a.cells[0]));
  EXPECT_NEAR(*keys.inputs[1].op_p99_ns, 900, 900 * 0.005);
  const FleetCell& dump = fleet_cell(fleet, "naive", "dump");
  EXPECT_EQ(dump.inputs[0].anomalies, 0u);
  EXPECT_EQ(dump.inputs[1].anomalies, 5u);
  EXPECT_DOUBLE_EQ(*dump.inputs[1].anomalies_per_million, 5e6 / 60'000);
  EXPECT_THAT(dump.inputs[1].classes, ElementsAre(std::pair<std::string, uint64_t>{"torn", 3},
                                                  std::pair<std::string, uint64_t>{"missing", 2}));
}

TEST(Merge, TheWorstInputPerMetricIsTheHighestWhenTheyDiffer) {
  const Fleet fleet = testing::fleet_fixture();
  const FleetCell& keys = fleet_cell(fleet, "naive", "keys");
  EXPECT_EQ(keys.worst_of(FleetMetric::op_p99), 1u);
  EXPECT_EQ(keys.worst_of(FleetMetric::op_p50), 1u);
  EXPECT_EQ(keys.worst_of(FleetMetric::anomalies_per_million), std::nullopt);  // 0 on both
  const FleetCell& dump = fleet_cell(fleet, "naive", "dump");
  EXPECT_EQ(dump.worst_of(FleetMetric::op_p99), std::nullopt);  // equal
  EXPECT_EQ(dump.worst_of(FleetMetric::anomalies_per_million), 1u);
  // One input measured it: no worst.
  EXPECT_EQ(fleet_cell(fleet, "mmap", "seqlock").worst_of(FleetMetric::op_p99), std::nullopt);
}

TEST(Merge, CellsNotRunOnSomeInputCarryTheirReason) {
  const Fleet fleet = testing::fleet_fixture();
  const FleetCell& mmap = fleet_cell(fleet, "mmap", "seqlock");
  EXPECT_TRUE(mmap.incomplete());
  EXPECT_TRUE(mmap.inputs[0].measured());
  EXPECT_EQ(mmap.inputs[1].status, CellStatus::not_applicable);
  EXPECT_THAT(fleet_not_run(fleet),
              ElementsAre("quiet / mmap seqlock on node-b/6.1.0: not_applicable: kernel refuses "
                          "BPF_F_MMAPABLE arrays: EINVAL"));
}

TEST(Merge, ACellAbsentFromAnInputIsReportedAsAbsent) {
  std::vector<MergeInput> inputs = testing::fleet_inputs();
  inputs[1].report.cells.pop_back();
  assign_labels(inputs, {});
  const Fleet fleet = merge_reports(std::move(inputs));
  const FleetCell& mmap = fleet_cell(fleet, "mmap", "seqlock");
  EXPECT_FALSE(mmap.inputs[1].present);
  EXPECT_THAT(fleet_not_run(fleet),
              ElementsAre(HasSubstr("node-b/6.1.0: absent: not in this input's report")));
}

TEST(Merge, CellsRunWithDifferentSettingsAreNotedNamingTheSettingAndTheInputs) {
  std::vector<MergeInput> inputs = testing::fleet_inputs();
  inputs[1].report.cells[0].settings = {{"cpus", "1"}, {"batch_size", "512"}};
  assign_labels(inputs, {});
  const Fleet fleet = merge_reports(std::move(inputs));
  EXPECT_TRUE(fleet_cell(fleet, "naive", "keys").settings_differ);
  EXPECT_FALSE(fleet_cell(fleet, "naive", "dump").settings_differ);
  EXPECT_THAT(fleet.notes, ::testing::Contains(
                               "quiet / naive keys: the inputs ran it with different settings "
                               "(cpus: 0 on node-a/6.18.0, 1 on node-b/6.1.0; batch_size: unset on "
                               "node-a/6.18.0, 512 on node-b/6.1.0)"));
}

TEST(Merge, LabelsAreGivenOrHostKernelAndAlwaysUnique) {
  std::vector<MergeInput> inputs = testing::fleet_inputs();
  assign_labels(inputs, {"east", "west"});
  EXPECT_EQ(inputs[0].label, "east");
  EXPECT_EQ(inputs[1].label, "west");
  EXPECT_THROW(assign_labels(inputs, {"only-one"}), MergeError);

  // The same host and kernel twice: told apart by run id…
  inputs = testing::fleet_inputs();
  inputs[1].report.environment = inputs[0].report.environment;
  assign_labels(inputs, {});
  EXPECT_EQ(inputs[0].label, "node-a/6.18.0 (run aaaa1111)");
  EXPECT_EQ(inputs[1].label, "node-a/6.18.0 (run bbbb2222)");
  // …and the same run twice by an ordinal.
  inputs = testing::fleet_inputs();
  inputs[1].report = inputs[0].report;
  assign_labels(inputs, {});
  EXPECT_EQ(inputs[0].label, "node-a/6.18.0 (run aaaa1111) #1");
  EXPECT_EQ(inputs[1].label, "node-a/6.18.0 (run aaaa1111) #2");
}

TEST(Merge, DifferentScenarioTextsAreRefusedNamingBothFilesAndTheScenario) {
  const auto inputs =
      testing::fleet_inputs(std::string(testing::kFleetScenarioYaml) + "# edited\n");
  try {
    check_same_scenarios(inputs);
    FAIL() << "different scenario texts were accepted";
  } catch (const MergeError& e) {
    EXPECT_EQ(std::string(e.what()),
              "a/report.json and b/report.json differ in the text of scenario 'quiet' "
              "(scenarios[].config.source.yaml)");
  }
  EXPECT_NO_THROW(check_same_scenarios(testing::fleet_inputs()));
  // A scenario one input lacks is a difference too.
  auto missing = testing::fleet_inputs();
  missing[1].report.scenarios.clear();
  EXPECT_THROW(check_same_scenarios(missing), MergeError);
  // Allowed, the merge says so.
  auto allowed = testing::fleet_inputs(std::string(testing::kFleetScenarioYaml) + "# edited\n");
  assign_labels(allowed, {});
  EXPECT_THAT(merge_reports(std::move(allowed)).notes,
              ElementsAre(HasSubstr("scenario 'quiet' differs between node-a/6.18.0 and "
                                    "node-b/6.1.0")));
}

TEST(Merge, TerminalOutputMatchesTheGoldenFile) {
  std::ostringstream out;
  print_fleet(testing::fleet_fixture(), out);
  EXPECT_EQ(out.str(), testing::golden_file("merge.txt", out.str()))
      << "rerun with MAPSLA_UPDATE_GOLDEN=1 to accept, then review the diff";
}

TEST(Merge, MarkdownMatchesTheGoldenFile) {
  const std::string md = render_fleet_markdown(testing::fleet_fixture());
  EXPECT_EQ(md, testing::golden_file("merge.md", md))
      << "rerun with MAPSLA_UPDATE_GOLDEN=1 to accept, then review the diff";
}

// Draws nothing; records what it was asked to draw.
class RecordingRenderer final : public PlotRenderer {
 public:
  PlotResult render(const PlotJob& job) const override {
    jobs.push_back(job);
    return {true, "<svg><text>plot</text></svg>", ""};
  }
  mutable std::vector<PlotJob> jobs;
};

TEST(Merge, HtmlHasAP99AndAnAnomalyPlotPerConditionWithABarPerInput) {
  const Fleet fleet = testing::fleet_fixture();
  RecordingRenderer renderer;
  const std::string html = render_fleet_html(fleet, &renderer);
  ASSERT_EQ(renderer.jobs.size(), 2u);  // one condition: P99 and anomalies
  const std::string& p99 = renderer.jobs[0].data.at(0).second;
  EXPECT_THAT(p99, HasSubstr("\"cell\" \"node-a/6.18.0\" \"node-b/6.1.0\""));
  EXPECT_THAT(p99, HasSubstr("\"mmap seqlock\" 0.02 NaN"));
  const std::string& anomalies = renderer.jobs[1].data.at(0).second;
  EXPECT_THAT(anomalies, HasSubstr("\"cell\" \"node-b/6.1.0\""));  // node-a read none
  EXPECT_THAT(anomalies, HasSubstr("\"naive dump\" 83.3333"));
  EXPECT_THAT(html, HasSubstr("Op P99 by input · baseline"));
  EXPECT_THAT(html, HasSubstr("Not measured on every input"));
  EXPECT_EQ(render_fleet_html(fleet, nullptr).find("<svg"), std::string::npos);
}

const testing::SchemaChecker& fleet_schema() {
  static const testing::SchemaChecker checker(
      testing::documented_fleet_schema(MAPSLA_SOURCE_DIR "/docs/report-schema.md"));
  return checker;
}

TEST(FleetSchema, MergedReportMatchesTheDocumentedSchema) {
  const json j = to_json(testing::fleet_fixture());
  EXPECT_THAT(fleet_schema().check(j), ::testing::IsEmpty());
  // Every documented field of an input cell is there, with its type.
  const json& cell = j["cells"][2]["inputs"][1];
  EXPECT_EQ(cell["status"], "not_applicable");
  EXPECT_TRUE(cell["op_p99_ns"].is_null());
  EXPECT_EQ(j["cells"][0]["worst"]["op_p99_ns"], "node-b/6.1.0");
  EXPECT_TRUE(j["cells"][0]["worst"]["anomalies_per_million"].is_null());
  EXPECT_EQ(j["cells"][1]["inputs"][1]["anomaly_classes"], json({{"torn", 3}, {"missing", 2}}));
  EXPECT_EQ(j["cells"][2]["not_ok"][0]["input"], "node-b/6.1.0");
  // The embedded inputs are whole reports, under the report schema.
  const testing::SchemaChecker reports(
      testing::documented_report_schema(MAPSLA_SOURCE_DIR "/docs/report-schema.md"));
  for (const json& input : j["inputs"])
    EXPECT_THAT(reports.check(input["report"]), ::testing::IsEmpty());
}

TEST(FleetSchema, TheCheckerRejectsAFleetMissingDocumentedFields) {
  json j = to_json(testing::fleet_fixture());
  j["inputs"][0].erase("kernel");
  j["cells"][0]["inputs"][0]["op_p99_ns"] = "slow";
  j["cells"][1].erase("worst");
  const auto errors = fleet_schema().check(j);
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.inputs[0].kernel: required")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.cells[0].inputs[0].op_p99_ns")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.cells[1].worst: required")));
}

TEST(FleetSchema, InputsReadBackWithTheirLabelsAndReports) {
  const json j = to_json(testing::fleet_fixture());
  const auto inputs = fleet_inputs_from_json(j, "fleet.json");
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[1].label, "node-b/6.1.0");
  EXPECT_EQ(inputs[1].file, "b/report.json");
  EXPECT_EQ(inputs[1].report.run_id, "bbbb2222");
  EXPECT_EQ(inputs[1].report.cells.size(), 3u);

  json broken = j;
  broken["inputs"][1]["report"]["cells"][0]["status"] = 7;
  try {
    fleet_inputs_from_json(broken, "fleet.json");
    FAIL() << "a broken embedded report was accepted";
  } catch (const ReportError& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("fleet.json: at inputs[1].report.cells[0].status: expected a string"));
  }
}

TEST(FleetSchema, ASingleRunReaderRefusesAFleetReportSayingWhy) {
  const json j = to_json(testing::fleet_fixture());
  try {
    report_from_json(j, "fleet.json");
    FAIL() << "a fleet report was read as a run report";
  } catch (const ReportError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("is a fleet report written by `mapsla merge`"));
  }
}

}  // namespace
}  // namespace mapsla
