// What a report records for `mapsla reproduce` (harness/reproduce.h): the
// embedded scenario text, the command-line overrides, and reading them back
// into the same scenario — also after the file moved, and from an older
// report that did not embed the text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "harness/reproduce.h"
#include "harness/scenario_parser.h"
#include "reports/report_reader.h"
#include "reports/result.h"
#include "tests/cli_runner.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kScenario = R"(name: repro
description: a scenario to reproduce
map: {kind: hash, entries: 1024, value_size: 64}
writer: {driver: test_run, pattern: replace, cpus: [0], rate: 5000}
readers:
  - {reader: naive, mode: keys, cpus: [0]}
  - {reader: retry, mode: keys, cpus: [0], max_attempts: 4}
run: {warmup: 100ms, duration: 1500ms, repetitions: 3}
)";

// A report as `mapsla run --duration 300ms --repetitions 2` writes it.
json report_of(const Scenario& s, const ScenarioOverrides& o) {
  return {
      {"schema", kReportSchema},
      {"run_id", "abcd1234"},
      {"scenarios",
       json::array(
           {{{"name", s.name}, {"file", s.file.string()}, {"config", scenario_config(s, o)}}})}};
}

ScenarioOverrides cli_overrides() {
  ScenarioOverrides o;
  o.duration = 300ms;
  o.repetitions = 2;
  return o;
}

Scenario loaded(const std::string& file = "/nonexistent/moved/repro.yaml") {
  Scenario s = parse_scenarios(kScenario, file).front();
  apply_overrides(s, cli_overrides());
  return s;
}

TEST(ReproduceRecord, ConfigEmbedsTextFileAndOnlyTheGivenOverrides) {
  const json config = scenario_config(loaded(), cli_overrides());
  ASSERT_TRUE(config.contains("source"));
  EXPECT_EQ(config["source"]["yaml"], kScenario);
  EXPECT_EQ(config["source"]["file"], "/nonexistent/moved/repro.yaml");
  EXPECT_EQ(config["source"]["overrides"],
            (json{{"duration_ns", 300'000'000}, {"repetitions", 2}}));
  // The resolved figures stay where they were.
  EXPECT_EQ(config["run"]["duration_ns"], 300'000'000);
  EXPECT_EQ(config["run"]["warmup_ns"], 100'000'000);
  EXPECT_EQ(config["run"]["repetitions"], 2);
  EXPECT_EQ(scenario_config(loaded(), {})["source"]["overrides"], json::object());
}

TEST(ReproduceRecord, ReadsBackTheSameScenarioAfterTheFileMoved) {
  const Scenario original = loaded();
  const json report = report_of(original, cli_overrides());
  const auto recorded = recorded_scenarios(report, "report.json");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].name, "repro");
  EXPECT_EQ(recorded[0].file, "/nonexistent/moved/repro.yaml");
  EXPECT_EQ(recorded[0].yaml, kScenario);
  EXPECT_EQ(recorded[0].overrides.duration, 300ms);
  EXPECT_EQ(recorded[0].overrides.repetitions, 2);
  EXPECT_FALSE(recorded[0].overrides.warmup.has_value());
  EXPECT_FALSE(recorded[0].overrides.interval.has_value());

  const Scenario again = load_recorded(recorded[0]);
  EXPECT_EQ(again.run.duration, 300ms);
  EXPECT_EQ(again.run.warmup, 100ms);
  EXPECT_EQ(again.run.repetitions, 2);
  EXPECT_EQ(again.file, original.file);
  ASSERT_EQ(again.readers.size(), 2u);
  const json rebuilt = scenario_config(again, recorded[0].overrides);
  EXPECT_TRUE(config_differences(recorded[0].config, rebuilt).empty());
  EXPECT_EQ(rebuilt, recorded[0].config);  // source included: a reproduction records the same
}

TEST(ReproduceRecord, AllFourOverridesRoundTrip) {
  ScenarioOverrides o;
  o.duration = 250ms;
  o.warmup = 0ms;
  o.repetitions = 5;
  o.interval = 10ms;
  Scenario s = parse_scenarios(kScenario, "repro.yaml").front();
  apply_overrides(s, o);
  const auto recorded = recorded_scenarios(report_of(s, o), "r.json");
  const Scenario again = load_recorded(recorded[0]);
  EXPECT_EQ(again.run.duration, 250ms);
  EXPECT_EQ(again.run.warmup, 0ms);
  EXPECT_EQ(again.run.repetitions, 5);
  EXPECT_EQ(again.run.interval, 10ms);
}

TEST(ReproduceRecord, DifferencesNameTheFieldsThatChanged) {
  const json recorded = scenario_config(loaded(), cli_overrides());
  Scenario changed = loaded();
  changed.run.duration = 1s;
  changed.map.entries = 2048;
  EXPECT_THAT(config_differences(recorded, scenario_config(changed, cli_overrides())),
              ElementsAre("map", "run"));
}

TEST(ReproduceRecord, SeedsComeFromTheFaultOptions) {
  const json config = {
      {"faults", json::array({{{"kind", "packet_loss"}, {"options", {{"seed", 7}}}},
                              {{"kind", "cross_numa"}, {"options", json::object()}}})}};
  EXPECT_THAT(recorded_seeds(config), ElementsAre("packet_loss.seed=7"));
  EXPECT_TRUE(recorded_seeds(json::object()).empty());
}

// A report written before the text was embedded: the file on disk, and the
// recorded resolved run figures as overrides.
TEST(ReproduceRecord, OldReportUsesTheFileAndTheResolvedRunFigures) {
  const fs::path dir = fs::temp_directory_path() / ("mapsla_repro_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "repro.yaml";
  std::ofstream(file) << kScenario;
  Scenario s = parse_scenarios(kScenario, file.string()).front();
  apply_overrides(s, cli_overrides());
  json report = report_of(s, cli_overrides());
  report["scenarios"][0]["config"].erase("source");
  const auto recorded = recorded_scenarios(report, "old.json");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_TRUE(recorded[0].yaml.empty());
  EXPECT_EQ(recorded[0].overrides.duration, 300ms);
  EXPECT_EQ(recorded[0].overrides.warmup, 100ms);
  EXPECT_EQ(recorded[0].overrides.repetitions, 2);
  const Scenario again = load_recorded(recorded[0]);
  EXPECT_EQ(again.run.duration, 300ms);
  EXPECT_EQ(again.run.repetitions, 2);
  fs::remove_all(dir);
  EXPECT_THROW(load_recorded(recorded[0]), ConfigError);  // and the file is gone now
}

std::string error_path(const json& report) {
  try {
    recorded_scenarios(report, "bad.json");
  } catch (const ReportError& e) {
    return e.path();
  }
  return "(accepted)";
}

TEST(ReproduceRecord, MalformedReportsNameTheField) {
  const json good = report_of(loaded(), cli_overrides());
  EXPECT_EQ(error_path(json::array()), "(document)");
  json wrong_schema = good;
  wrong_schema["schema"] = "mapsla.report/v0";
  EXPECT_EQ(error_path(wrong_schema), "schema");
  json no_scenarios = good;
  no_scenarios["scenarios"] = json::array();
  EXPECT_EQ(error_path(no_scenarios), "scenarios");
  json bad_override = good;
  bad_override["scenarios"][0]["config"]["source"]["overrides"]["duration_ns"] = "1s";
  EXPECT_EQ(error_path(bad_override), "scenarios[0].config.source.overrides.duration_ns");
  json unknown_override = good;
  unknown_override["scenarios"][0]["config"]["source"]["overrides"]["speed"] = 2;
  EXPECT_EQ(error_path(unknown_override), "scenarios[0].config.source.overrides.speed");
  json empty_yaml = good;
  empty_yaml["scenarios"][0]["config"]["source"]["yaml"] = "";
  EXPECT_EQ(error_path(empty_yaml), "scenarios[0].config.source.yaml");
  json no_name = good;
  no_name["scenarios"][0].erase("name");
  EXPECT_EQ(error_path(no_name), "scenarios[0]");
}

TEST(ReproduceRecord, TextOfAnotherScenarioIsRejected) {
  auto recorded = recorded_scenarios(report_of(loaded(), cli_overrides()), "r.json");
  recorded[0].name = "renamed";
  try {
    load_recorded(recorded[0]);
    FAIL() << "accepted a text without the recorded scenario";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no scenario named 'renamed'"));
  }
}

TEST(ReproduceRecord, ParserKeepsTheSourceTextOfEachIncludedFile) {
  const fs::path dir = fs::temp_directory_path() / ("mapsla_suite_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "one.yaml") << kScenario;
  std::ofstream(dir / "suite.yaml") << "include: [one.yaml]\n";
  const auto scenarios = load_scenarios(dir / "suite.yaml");
  fs::remove_all(dir);
  ASSERT_EQ(scenarios.size(), 1u);
  EXPECT_EQ(scenarios[0].source, kScenario);
  EXPECT_EQ(scenarios[0].file, dir / "one.yaml");
}

// Runs the mapsla binary with `args`; returns its exit code and output.
std::pair<int, std::string> run_mapsla(const std::string& args) {
  testing::CliOutcome out = testing::run_mapsla(args);
  return {out.status, std::move(out.output)};
}

// A report is data: one whose embedded scenario runs a command is refused
// (exit 2, the command listed) unless --allow-commands, and a run id that
// would become a path outside the output folder is refused. Nothing runs.
TEST(ReproduceHostileReports, EmbeddedCommandsNeedAllowCommands) {
  const fs::path dir = fs::temp_directory_path() / ("mapsla_hostile_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string yaml =
      "name: evil\nmap: {kind: hash, entries: 64}\nwriter: {driver: none}\n"
      "readers:\n  - {reader: external, mode: keys, command: [/bin/sh, -c, 'touch " +
      (dir / "pwned").string() + "'], privileged: true}\n";
  Scenario s = parse_scenarios(yaml, (dir / "evil.yaml").string()).front();
  json report = report_of(s, {});
  std::ofstream(dir / "report.json") << report.dump();
  auto [code, out] = run_mapsla("reproduce " + (dir / "report.json").string());
  EXPECT_EQ(code, 2) << out;
  EXPECT_THAT(out, HasSubstr("--allow-commands"));
  EXPECT_THAT(out, HasSubstr("scenario evil: readers[0]: external `/bin/sh -c touch"));
  EXPECT_THAT(out, HasSubstr("privileged: true, runs as root"));
  EXPECT_FALSE(fs::exists(dir / "pwned"));

  report["run_id"] = "../../x";
  std::ofstream(dir / "report.json") << report.dump();
  std::tie(code, out) = run_mapsla("reproduce --vm " + (dir / "report.json").string());
  EXPECT_EQ(code, 2) << out;
  EXPECT_THAT(out, HasSubstr("run_id: \"../../x\" is not a run id"));
  EXPECT_FALSE(fs::exists(dir / "pwned"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mapsla
