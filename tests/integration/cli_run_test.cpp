// `mapsla run` end to end: the report contract, exit codes, and that a run
// stopped by a signal leaves nothing behind.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/cli_runner.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::ChildProcess;
using testing::slurp;

// Run directories under /sys/fs/bpf/mapsla. Tests compare against the set
// taken before their run, so a leftover of some other process is reported by
// name instead of failing every later test.
std::set<std::string> pinned_runs() {
  std::set<std::string> runs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/fs/bpf/mapsla", ec))
    runs.insert(entry.path().filename().string());
  return runs;
}

std::string new_pins(const std::set<std::string>& before) {
  std::string added;
  for (const auto& run : pinned_runs())
    if (!before.contains(run)) added += " /sys/fs/bpf/mapsla/" + run;
  return added;
}

class CliRunTest : public testing::TempDirTest<testing::PrivilegedTest> {};

TEST_F(CliRunTest, QuietRunWritesTheFullReportAndExitsZero) {
  const auto before = pinned_runs();
  ChildProcess c({MAPSLA_BINARY, "run", MAPSLA_SOURCE_DIR "/scenarios/quiet.yaml", "--duration",
                  "300ms", "--out", (dir_ / "out").string()},
                 dir_ / "log");
  ASSERT_EQ(c.wait(), 0) << c.log();
  const std::string log = c.log();
  EXPECT_THAT(log, ::testing::HasSubstr("report: " + (dir_ / "out" / "report.json").string()));
  const auto report = nlohmann::json::parse(slurp(dir_ / "out" / "report.json"));
  EXPECT_EQ(report["schema"], "mapsla.report/v1");
  EXPECT_TRUE(report["environment"]["features"].contains("bpf_loop"));
  ASSERT_EQ(report["cells"].size(), 3u);  // naive keys, naive dump, iter
  // The iterator runs where the probe loaded it, and is not_applicable with
  // the probe's own reason where it did not (a kernel without tracing programs).
  const FeatureState& iter = testing::kernel_features().map_elem_iter;
  EXPECT_EQ(report["environment"]["features"]["map_elem_iter"]["available"], iter.available);
  for (const auto& cell : report["cells"]) {
    if (cell["reader"] == "iter" && !iter.available) {
      EXPECT_EQ(cell["status"], "not_applicable");
      EXPECT_EQ(cell["reason"], iter.detail);
      continue;
    }
    EXPECT_EQ(cell["status"], "ok") << cell.dump();
    EXPECT_GT(cell["summary"]["op_latency_ns"]["count"].get<uint64_t>(), 0u);
    EXPECT_GT(cell["summary"]["reads"].get<uint64_t>(), 0u);
    for (const char* cls :
         {"torn", "missing", "skipped", "duplicate", "stale", "non_monotonic", "error"})
      EXPECT_EQ(cell["summary"]["anomalies"][cls], 0) << cls;
  }
  EXPECT_EQ(new_pins(before), "");
}

void expect_clean_stop(const fs::path& dir, int sig, int expected_exit) {
  const auto before = pinned_runs();
  ChildProcess c({MAPSLA_BINARY, "run", MAPSLA_SOURCE_DIR "/scenarios/baseline.yaml", "--duration",
                  "30s", "--out", (dir / "out").string()},
                 dir / "log");
  // Wait until the run is measuring (its map is pinned), then stop it.
  for (int i = 0; i < 200 && new_pins(before).empty(); ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_NE(new_pins(before), "") << "run never pinned its map: " << c.log();
  std::this_thread::sleep_for(300ms);
  const auto sent = std::chrono::steady_clock::now();
  ::kill(c.pid(), sig);
  EXPECT_EQ(c.wait(), expected_exit) << c.log();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 5s) << "stop took too long";
  EXPECT_EQ(new_pins(before), "") << "pins left behind";
  // The partial report says why it is partial.
  const auto report = nlohmann::json::parse(slurp(dir / "out" / "report.json"));
  EXPECT_EQ(report["cells"][0]["status"], "failed");
  EXPECT_THAT(report["cells"][0]["reason"].get<std::string>(), ::testing::HasSubstr("interrupted"));
  // The writer threads died with the process; no child process remains.
  EXPECT_NE(::kill(c.pid(), 0), 0);
}

TEST_F(CliRunTest, SigintStopsCleanlyWithExit130) {
  expect_clean_stop(dir_, SIGINT, 130);
}

TEST_F(CliRunTest, SigtermStopsCleanlyWithExit143) {
  expect_clean_stop(dir_, SIGTERM, 143);
}

TEST_F(CliRunTest, WithoutCapabilitiesExitsFourNamingWhatIsMissing) {
  const auto before = pinned_runs();
  if (::access("/usr/bin/setpriv", X_OK) != 0) MAPSLA_SKIP_OR_FAIL("setpriv (util-linux) missing");
  // A copy nobody can execute, outside any private directory.
  const fs::path binary = dir_ / "mapsla";
  fs::copy_file(MAPSLA_BINARY, binary);
  fs::permissions(dir_, fs::perms::all);
  fs::permissions(binary, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec |
                              fs::perms::group_read | fs::perms::others_read);
  ChildProcess c(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
       "--bounding-set=-all", binary.string(), "run", MAPSLA_SOURCE_DIR "/scenarios/quiet.yaml"},
      dir_ / "log");
  EXPECT_EQ(c.wait(), 4) << c.log();
  const std::string log = c.log();
  EXPECT_THAT(log, ::testing::HasSubstr("insufficient privileges"));
  EXPECT_THAT(log, ::testing::HasSubstr("CAP_BPF"));
  EXPECT_EQ(new_pins(before), "");
}

// Liveness: `mapsla cleanup` during a live run removes nothing of it and
// says so; once the run is SIGKILLed, the same cleanup removes everything it
// left (its pins here; netns, veths and stressors go by the same run id).
TEST_F(CliRunTest, CleanupSparesALiveRunAndCleansItOnceKilled) {
  const auto before = pinned_runs();
  ChildProcess run({MAPSLA_BINARY, "run", MAPSLA_SOURCE_DIR "/scenarios/baseline.yaml",
                    "--duration", "30s", "--out", (dir_ / "out").string()},
                   dir_ / "run.log");
  for (int i = 0; i < 200 && new_pins(before).empty(); ++i)
    std::this_thread::sleep_for(50ms);
  const std::string pins = new_pins(before);
  ASSERT_NE(pins, "") << "run never pinned its map: " << run.log();
  const std::string run_id = fs::path(pins.substr(1)).filename().string();

  ChildProcess live_cleanup({MAPSLA_BINARY, "cleanup"}, dir_ / "cleanup1.log");
  ASSERT_EQ(live_cleanup.wait(), 0) << live_cleanup.log();
  EXPECT_THAT(live_cleanup.log(), ::testing::HasSubstr("run " + run_id + " (pid "));
  EXPECT_THAT(live_cleanup.log(), ::testing::HasSubstr("live, left alone"));
  EXPECT_EQ(new_pins(before), pins) << "cleanup touched a live run";
  EXPECT_EQ(::kill(run.pid(), 0), 0) << "the run died: " << run.log();

  ::kill(run.pid(), SIGKILL);
  run.wait();
  ASSERT_EQ(new_pins(before), pins) << "a SIGKILLed run cannot unpin";
  ChildProcess dead_cleanup({MAPSLA_BINARY, "cleanup"}, dir_ / "cleanup2.log");
  ASSERT_EQ(dead_cleanup.wait(), 0) << dead_cleanup.log();
  EXPECT_THAT(dead_cleanup.log(), ::testing::HasSubstr("removed pin /sys/fs/bpf/mapsla/" + run_id));
  EXPECT_EQ(new_pins(before), "") << dead_cleanup.log();
  EXPECT_FALSE(fs::exists(fs::path("/run/mapsla") / (run_id + ".lock")));
}

}  // namespace
}  // namespace mapsla
