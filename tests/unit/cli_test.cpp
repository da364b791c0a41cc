// The CLI's documented exit codes, exercised through the real binary. None of
// these cases needs privileges: they all end before any BPF object is made.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/bad_input.h"
#include "tests/cli_runner.h"

namespace {

using mapsla::testing::run_mapsla_bounded;

using Outcome = mapsla::testing::CliOutcome;
using mapsla::testing::run_mapsla;

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, NoSubcommandIsUsageError) {
  EXPECT_EQ(run_mapsla("").status, 2);
}

// Bad input: exit 2 within a second and bounded memory (tests/bad_input.h).
TEST(Cli, UnknownOptionIsUsageError) {
  mapsla::testing::expect_refused_within_bounds(run_mapsla_bounded({"run", "--bogus", "x.yaml"}));
}

TEST(Cli, MissingScenarioFileIsUsageError) {
  const auto o = run_mapsla_bounded({"run", "/nonexistent/scenario.yaml"});
  mapsla::testing::expect_refused_within_bounds(o);
  EXPECT_THAT(o.output, ::testing::HasSubstr("/nonexistent/scenario.yaml"));
}

TEST(Cli, BadScenarioFieldExitsTwoWithFileLineField) {
  const auto path = write_file("mapsla_banana.yaml",
                               "map: {kind: hash, entries: 16}\n"
                               "writer: {driver: none}\n"
                               "readers: all\n"
                               "run:\n"
                               "  duration: banana\n");
  const auto o = run_mapsla_bounded({"run", path.string()});
  mapsla::testing::expect_bad_input(o, path.string());
  EXPECT_EQ(o.output, "mapsla: " + path.string() +
                          ":5: field 'run.duration': 'banana' is not a duration (use e.g. 2s, "
                          "500ms, 1m)\n");
  std::filesystem::remove(path);
}

TEST(Cli, EveryMistakeOfAFileIsPrintedInLineOrder) {
  const auto path = write_file("mapsla_several.yaml",
                               "map: {kind: heap, entries: 0}\n"
                               "writer: {driver: none}\n"
                               "readers: [{reader: naive, mode: sideways, cpus: [0]}]\n"
                               "run: {duration: banana}\n");
  const auto o = run_mapsla_bounded({"run", path.string()});
  mapsla::testing::expect_bad_input(o, path.string());
  EXPECT_THAT(o.output,
              ::testing::MatchesRegex("mapsla: [^\n]*:1: field 'map.kind': [^\n]*\n"
                                      "mapsla: [^\n]*:1: field 'map.entries': [^\n]*\n"
                                      "mapsla: [^\n]*:3: field 'readers\\[0\\].mode': [^\n]*\n"
                                      "mapsla: [^\n]*:4: field 'run.duration': [^\n]*\n"));
  std::filesystem::remove(path);
}

TEST(Cli, BadDurationOverrideExitsTwo) {
  const auto o =
      run_mapsla_bounded({"run", MAPSLA_SOURCE_DIR "/scenarios/quiet.yaml", "--duration", "soon"});
  mapsla::testing::expect_bad_input(o, "--duration");
}

TEST(Cli, RepetitionsOutOfRangeExitsTwo) {
  mapsla::testing::expect_refused_within_bounds(
      run_mapsla_bounded({"run", MAPSLA_SOURCE_DIR "/scenarios/quiet.yaml", "--repetitions", "0"}));
}

TEST(Cli, ListNamesReadersPatternsKindsAndScenarios) {
  const Outcome o = run_mapsla("list");
  EXPECT_EQ(o.status, 0);
  for (const char* word : {"naive", "inplace", "replace", "churn", "seqlock", "hash", "array",
                           "default.yaml", "baseline.yaml"})
    EXPECT_THAT(o.output, ::testing::HasSubstr(word));
}

TEST(Cli, VersionAndHelpExitZero) {
  EXPECT_EQ(run_mapsla("--version").status, 0);
  EXPECT_EQ(run_mapsla("run --help").status, 0);
}

}  // namespace
