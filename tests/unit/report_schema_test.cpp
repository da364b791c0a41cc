// report.json against its documented schema, and read back into the model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "reports/json_report.h"
#include "reports/report_reader.h"
#include "tests/unit/gate_fixtures.h"
#include "tests/unit/json_schema_check.h"

namespace mapsla {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

Report fixture() {
  CellResult keys = testing::cell("quiet", "naive", "keys",
                                  {testing::repetition(0, 450, 30'000, 30'000, 13'500'000, 9'000),
                                   testing::repetition(1, 470, 30'000, 30'000, 14'100'000),
                                   testing::repetition(2, 460, 30'000, 30'000, 13'800'000)});
  keys.repetitions[1].anomalies.torn = 2;
  keys.repetitions[2].anomalies.errors["E2BIG"] = 1;
  keys.settings = {{"cpus", "0"}};
  keys.details["writer"] = {{"runs", 10}};
  CellResult na =
      testing::cell("quiet", "mmap", "keys", {}, CellStatus::not_applicable, "mmap needs an array");
  Report r = testing::report({keys, na});
  r.scenarios.push_back({"quiet", "scenarios/quiet.yaml", {{"name", "quiet"}}});
  return r;
}

const testing::SchemaChecker& documented() {
  static const testing::SchemaChecker checker(
      testing::documented_report_schema(MAPSLA_SOURCE_DIR "/docs/report-schema.md"));
  return checker;
}

TEST(ReportSchema, GeneratedReportMatchesTheDocumentedSchema) {
  const json j = to_json(fixture());
  const auto errors = documented().check(j);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  // The summary carries the spread and warnings the schema promises.
  const json& s = j["cells"][0]["summary"];
  EXPECT_EQ(s["across_repetitions"]["op_p50_ns"]["values"], json({450, 470, 460}));
  EXPECT_EQ(s["across_repetitions"]["op_p50_ns"]["median"], 460);
  EXPECT_EQ(s["samples"], 90'001);
  EXPECT_EQ(s["samples_per_repetition_min"], 30'000);
  ASSERT_EQ(s["warnings"].size(), 1u);
  EXPECT_THAT(s["warnings"][0].get<std::string>(), HasSubstr("op p99.9"));
}

TEST(ReportSchema, TheCheckerRejectsWhatTheSchemaForbids) {
  json j = to_json(fixture());
  j["cells"][0]["summary"].erase("across_repetitions");
  j["cells"][0]["repetitions"][1]["reads"] = "many";
  j["cells"][1]["status"] = "maybe";
  j["schema"] = "mapsla.report/v2";
  const auto errors = documented().check(j);
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.cells[0].summary.across_repetitions: "
                                                    "required")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.cells[0].repetitions[1].reads: expected")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.cells[1].status")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("$.schema")));
}

// Equal, except that floating-point figures may differ in their last bits
// (a mean is written, and its sum restored as mean × count).
void expect_same(const json& a, const json& b, const std::string& path = "$") {
  if (a.is_number_float() || b.is_number_float()) {
    ASSERT_TRUE(a.is_number() && b.is_number()) << path;
    EXPECT_NEAR(a.get<double>(), b.get<double>(), 1e-9 * std::abs(a.get<double>())) << path;
  } else if (a.is_object() || a.is_array()) {
    ASSERT_EQ(a.type(), b.type()) << path;
    ASSERT_EQ(a.size(), b.size()) << path;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string key = a.is_object() ? it.key() : std::to_string(it - a.begin());
      const json& other =
          a.is_object() ? b.at(it.key()) : b.at(static_cast<size_t>(it - a.begin()));
      expect_same(*it, other, path + "." + key);
    }
  } else {
    EXPECT_EQ(a, b) << path;
  }
}

TEST(ReportReader, RoundTripKeepsEveryFigure) {
  const Report original = fixture();
  const Report back = report_from_json(to_json(original), "r.json");
  EXPECT_EQ(back.run_id, original.run_id);
  EXPECT_EQ(back.environment.features.size(), 1u);
  ASSERT_EQ(back.cells.size(), 2u);
  EXPECT_EQ(back.cells[1].status, CellStatus::not_applicable);
  EXPECT_EQ(back.cells[1].reason, "mmap needs an array");
  // The JSON of what was read back is the JSON that was written: the same
  // percentiles, maxima, anomalies, statistics and warnings.
  expect_same(to_json(original), to_json(back));
  EXPECT_EQ(back.cells[0].repetitions[0].op_latency.max(), 9'000u);
}

std::string read_error(const json& j) {
  try {
    report_from_json(j, "r.json");
  } catch (const ReportError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(ReportReader, MistakesNameTheFileAndTheJsonPath) {
  const json good = to_json(fixture());
  json j = good;
  j["schema"] = "mapsla.report/v0";
  EXPECT_EQ(read_error(j),
            "r.json: at schema: 'mapsla.report/v0' is not mapsla.report/v1 (a report of another "
            "mapsla version?)");
  j = good;
  j["cells"][0]["repetitions"][2]["reads"] = "x";
  EXPECT_EQ(read_error(j),
            "r.json: at cells[0].repetitions[2].reads: expected a non-negative integer, got \"x\"");
  j = good;
  j["cells"][0]["repetitions"][0].erase("op_latency_histogram");
  EXPECT_EQ(read_error(j), "r.json: at cells[0].repetitions[0].op_latency_histogram: is required");
  j = good;
  j["cells"][0]["repetitions"][0]["op_latency_ns"]["count"] = 5;
  EXPECT_THAT(read_error(j), HasSubstr("at cells[0].repetitions[0].op_latency_ns.count: says 5 "
                                       "samples but the histogram holds 30001"));
  j = good;
  j["cells"][1]["status"] = "fine";
  EXPECT_THAT(read_error(j), HasSubstr("at cells[1].status: 'fine' is not one of"));
  EXPECT_EQ(read_error(json::array()), "r.json: at (document): expected an object, got []");
}

TEST(ReportReader, FilesThatAreMissingOrNotJson) {
  const auto dir = std::filesystem::temp_directory_path();
  try {
    read_report(dir / "mapsla_no_such_report.json");
    ADD_FAILURE();
  } catch (const ReportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mapsla_no_such_report.json: at (file): cannot be read"));
  }
  const auto path = dir / "mapsla_not_json.json";
  std::ofstream(path) << "{\"schema\": ";
  try {
    read_report(path);
    ADD_FAILURE();
  } catch (const ReportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mapsla_not_json.json: at (document): not JSON: parse error"));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mapsla
