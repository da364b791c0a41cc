// Two `mapsla run`s at once, each with its own network namespaces, eBPF loss
// injector (or netem), stress-ng and pins: neither disturbs the other, and a
// `mapsla cleanup` while both are live leaves both alone. Then a run SIGKILLed
// mid-window, stressor and bpftool reader running, after which `mapsla
// cleanup` leaves nothing of it: no pins, namespaces, veths, qdiscs or
// processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/net/command.h"
#include "core/net/netns.h"
#include "core/util/process.h"
#include "tests/integration/child_process.h"
#include "tests/integration/privileged.h"
#include "tests/integration/run_leftovers.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ChildProcess;
using ::testing::HasSubstr;

// Packet loss (eBPF where the kernel has no sch_netem) and CPU stress on the
// readers' CPU, on a small traffic-written array.
constexpr const char* kScenario = R"(name: concurrent
map: {kind: array, entries: 4096, value_size: 64}
writer: {driver: traffic, pattern: inplace, cpus: [1], pps: 50000, payload_bytes: 64}
readers:
  - {reader: naive, mode: keys, cpus: [0]}
  - {reader: batched, cpus: [0]}
faults:
  - {kind: packet_loss, percent: 2, seed: 1, impl: auto}
  - {kind: cpu_stress, method: cpu, load: 50}
run: {warmup: 0ms, repetitions: 1}
)";

// The same with a child reader process (bpftool, one process per pass).
constexpr const char* kKilledScenario = R"(name: killed
map: {kind: array, entries: 4096, value_size: 64}
writer: {driver: traffic, pattern: inplace, cpus: [1], pps: 50000, payload_bytes: 64}
readers:
  - {reader: bpftool, cpus: [0]}
faults:
  - {kind: packet_loss, percent: 2, seed: 1, impl: auto}
  - {kind: cpu_stress, method: cpu, load: 50}
run: {warmup: 0ms, repetitions: 1}
)";

class ConcurrentRuns : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    if (IsSkipped()) return;
    MAPSLA_REQUIRE_FEATURE(cls_bpf);
    MAPSLA_REQUIRE_FEATURE(net_namespaces);
    if (find_executable("stress-ng").empty()) MAPSLA_SKIP_OR_FAIL("stress-ng is not installed");
    dir_ = fs::temp_directory_path() / ("mapsla_concurrent_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "concurrent.yaml") << kScenario;
    std::ofstream(dir_ / "killed.yaml") << kKilledScenario;
  }
  void TearDown() override {
    // Never leave a run's objects behind, whatever the test's outcome.
    for (const std::string& id : run_ids_)
      run_command({MAPSLA_BINARY, "cleanup", "--run-id", id});
    if (!dir_.empty()) fs::remove_all(dir_);
    testing::PrivilegedTest::TearDown();
  }

  std::unique_ptr<ChildProcess> start(const std::string& scenario, const std::string& name,
                                      const std::string& duration) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{MAPSLA_BINARY, "run", (dir_ / scenario).string(), "--duration",
                                 duration, "--out", (dir_ / name).string()},
        dir_ / (name + ".log"));
  }

  // The run's id once its map is pinned and its namespaces exist ("" if that
  // never happened within 15 s).
  std::string wait_until_set_up(ChildProcess& run) {
    for (int i = 0; i < 300; ++i) {
      const std::string id = testing::run_id_in(run.log());
      if (!id.empty() && std::find(run_ids_.begin(), run_ids_.end(), id) == run_ids_.end())
        run_ids_.push_back(id);
      if (!id.empty() && testing::pins_left(id) && netns_exists(link_names(id).rx_netns)) return id;
      if (run.wait_for(0ms)) return "";
      std::this_thread::sleep_for(50ms);
    }
    return "";
  }

  fs::path dir_;
  std::vector<std::string> run_ids_;
};

void expect_no_cell_failed(const fs::path& report_file) {
  std::ifstream in(report_file);
  ASSERT_TRUE(in) << report_file;
  const auto report = nlohmann::json::parse(in);
  ASSERT_FALSE(report["cells"].empty());
  for (const auto& cell : report["cells"]) {
    const std::string status = cell["status"];
    EXPECT_TRUE(status == "ok" || status == "not_applicable" || status == "skipped")
        << cell["reader"] << " " << cell["mode"] << ": " << status << ": "
        << cell.value("reason", std::string());
  }
}

TEST_F(ConcurrentRuns, TwoRunsWithFaultsDoNotDisturbEachOtherAndCleanupSparesBoth) {
  auto a = start("concurrent.yaml", "a", "1500ms");
  auto b = start("concurrent.yaml", "b", "1500ms");
  const std::string id_a = wait_until_set_up(*a);
  const std::string id_b = wait_until_set_up(*b);
  ASSERT_NE(id_a, "") << a->log();
  ASSERT_NE(id_b, "") << b->log();
  ASSERT_NE(id_a, id_b);

  const CommandResult cleanup = run_command({MAPSLA_BINARY, "cleanup"});
  EXPECT_EQ(cleanup.exit_code, 0) << cleanup.err;
  for (const std::string& id : {id_a, id_b}) {
    EXPECT_THAT(cleanup.out, HasSubstr("run " + id + " (pid ")) << cleanup.out;
    EXPECT_THAT(cleanup.out,
                ::testing::ContainsRegex("run " + id + " \\([^)]*\\): live, left alone"))
        << cleanup.out;
    EXPECT_THAT(cleanup.out, ::testing::Not(HasSubstr(id + "-"))) << "removed a live run's netns";
    EXPECT_TRUE(testing::pins_left(id)) << "cleanup removed a live run's pins";
    EXPECT_TRUE(netns_exists(link_names(id).tx_netns)) << "cleanup removed a live run's netns";
  }

  const std::optional<int> exit_a = a->wait_for(25s);
  const std::optional<int> exit_b = b->wait_for(25s);
  ASSERT_TRUE(exit_a && exit_b) << "runs did not finish:\n" << a->log() << "\n" << b->log();
  EXPECT_EQ(*exit_a, 0) << a->log();
  EXPECT_EQ(*exit_b, 0) << b->log();
  expect_no_cell_failed(dir_ / "a" / "report.json");
  expect_no_cell_failed(dir_ / "b" / "report.json");
  // Each run undid its own faults, namespaces and pins, and only its own.
  EXPECT_EQ(testing::leftovers(id_a), "");
  EXPECT_EQ(testing::leftovers(id_b), "");
}

TEST_F(ConcurrentRuns, ARunKilledMidWindowLeavesNothingAfterCleanup) {
  auto run = start("killed.yaml", "killed", "10s");
  const std::string id = wait_until_set_up(*run);
  ASSERT_NE(id, "") << run->log();
  // Mid-window: the stressor (the `during` phase) and a bpftool pass are running.
  for (int i = 0; i < 200 && !testing::tagged_processes_left(id); ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(testing::tagged_processes_left(id)) << "no stress-ng or reader process seen\n"
                                                  << run->log();
  ::kill(run->pid(), SIGKILL);  // the run alone, not its process group
  ASSERT_EQ(run->wait_for(5s), 128 + SIGKILL);
  ASSERT_NE(testing::leftovers(id), "") << "a SIGKILLed run cannot undo anything";

  const CommandResult cleanup = run_command({MAPSLA_BINARY, "cleanup"});
  EXPECT_EQ(cleanup.exit_code, 0) << cleanup.err;
  EXPECT_THAT(cleanup.out, HasSubstr("removed pin /sys/fs/bpf/mapsla/" + id));
  EXPECT_THAT(cleanup.out, HasSubstr("removed network namespace mapsla-" + id + "-tx"));
  EXPECT_EQ(testing::leftovers(id), "") << cleanup.out;
  EXPECT_FALSE(fs::exists(fs::path("/run/mapsla") / (id + ".lock")));
  for (const std::string& ns : list_netns("mapsla-" + id))
    ADD_FAILURE() << "netns left: " << ns;
  EXPECT_THAT(run_command({"ip", "netns", "list"}).out, ::testing::Not(HasSubstr(id)));
  EXPECT_THAT(run_command({"tc", "qdisc", "show"}).out, ::testing::Not(HasSubstr("ms" + id)));
}

}  // namespace
}  // namespace mapsla
