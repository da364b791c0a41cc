// `mapsla run scenarios/packet-loss.yaml` stopped by a signal: SIGINT unwinds
// everything (namespaces, veth, qdiscs, filters, pins); SIGKILL leaves the
// namespaces and pins, and `mapsla cleanup --run-id ID` removes them,
// idempotently, saying what it removed.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "core/net/command.h"
#include "core/net/netns.h"
#include "tests/cli_runner.h"
#include "tests/integration/privileged.h"
#include "tests/integration/run_leftovers.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::leftovers;
using testing::pins_left;

using testing::ChildProcess;
using testing::slurp;

std::string run_id_in(const fs::path& log) {
  return testing::run_id_in(slurp(log));
}

class PacketLossCliTest : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    if (IsSkipped()) return;
    MAPSLA_REQUIRE_FEATURE(cls_bpf);
    dir_ = fs::temp_directory_path() / ("mapsla_loss_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    // Never leave a run's objects behind, whatever the test's outcome: the
    // run is stopped first, as cleanup leaves a live run alone.
    run_.reset();
    if (!run_id_.empty()) run_command({MAPSLA_BINARY, "cleanup", "--run-id", run_id_});
    if (!dir_.empty()) fs::remove_all(dir_);
    testing::PrivilegedTest::TearDown();
  }

  // Starts the packet-loss scenario and returns once its traffic runs.
  ChildProcess& start_run() {
    run_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{MAPSLA_BINARY, "run",
                                 MAPSLA_SOURCE_DIR "/scenarios/packet-loss.yaml", "--duration",
                                 "30s", "--out", (dir_ / "out").string()},
        dir_ / "log");
    for (int i = 0; i < 200; ++i) {
      if (run_id_.empty()) run_id_ = run_id_in(dir_ / "log");
      if (!run_id_.empty() && pins_left(run_id_) && netns_exists(link_names(run_id_).rx_netns))
        break;
      std::this_thread::sleep_for(50ms);
    }
    return *run_;
  }

  fs::path dir_;
  std::unique_ptr<ChildProcess> run_;
  std::string run_id_;
};

TEST_F(PacketLossCliTest, SigintRemovesNamespacesVethQdiscsAndPins) {
  ChildProcess& run = start_run();
  ASSERT_FALSE(run_id_.empty()) << slurp(dir_ / "log");
  ASSERT_TRUE(netns_exists(link_names(run_id_).tx_netns)) << slurp(dir_ / "log");
  std::this_thread::sleep_for(300ms);
  const auto sent = std::chrono::steady_clock::now();
  ::kill(run.pid(), SIGINT);
  EXPECT_EQ(run.wait(), 130) << slurp(dir_ / "log");
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 5s) << "stop took too long";
  EXPECT_EQ(leftovers(run_id_), "");
  const std::string report = slurp(dir_ / "out" / "report.json");
  EXPECT_THAT(report, HasSubstr("interrupted"));
  EXPECT_THAT(report, HasSubstr("packet_loss"));
}

TEST_F(PacketLossCliTest, SigkillThenCleanupRemovesEverythingIdempotently) {
  ChildProcess& run = start_run();
  ASSERT_FALSE(run_id_.empty()) << slurp(dir_ / "log");
  std::this_thread::sleep_for(300ms);
  ::kill(run.pid(), SIGKILL);
  EXPECT_EQ(run.wait(), 128 + SIGKILL);
  // The killed run could not undo anything: the test must see it first.
  ASSERT_NE(leftovers(run_id_), "");
  ASSERT_TRUE(netns_exists(link_names(run_id_).tx_netns));

  const CommandResult first = run_command({MAPSLA_BINARY, "cleanup", "--run-id", run_id_});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("removed network namespace mapsla-" + run_id_ + "-tx"));
  EXPECT_THAT(first.out, HasSubstr("removed network namespace mapsla-" + run_id_ + "-rx"));
  EXPECT_THAT(first.out, HasSubstr("removed pin"));
  EXPECT_EQ(leftovers(run_id_), "");

  const CommandResult again = run_command({MAPSLA_BINARY, "cleanup", "--run-id", run_id_});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("nothing to clean up"));
}

}  // namespace
}  // namespace mapsla
