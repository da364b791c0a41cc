// External readers against the real kernel: the Go reader on cilium/ebpf in
// each mode, run without any capability; the bpftool adapter; and readers
// that write garbage, hang or crash, which must fail with the reason and
// leave no process, pin or descriptor behind.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/util/affinity.h"
#include "core/util/clock.h"
#include "harness/oracle.h"
#include "harness/target_map.h"
#include "readers/external_reader.h"
#include "readers/registry.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using testing::cell;
using ::testing::HasSubstr;
using testing::run_yaml;

const std::string kReaders = MAPSLA_SOURCE_DIR "/tests/integration/readers/";

std::map<std::string, std::string> proc_status(pid_t pid) {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    out[line.substr(0, colon)] = value;
  }
  return out;
}

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

// Children of this process, zombies included: a reaped child is gone from
// /proc, an unreaped one is a leak too.
std::vector<pid_t> children_of_self() {
  std::vector<pid_t> out;
  const std::string self = std::to_string(::getpid());
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state, ppid;
    rest >> state >> ppid;
    if (ppid == self) out.push_back(std::stoi(name));
  }
  return out;
}

std::map<std::string, std::string> read_record(const fs::path& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// A zombie waiting for its new parent to reap it counts as gone.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z' &&
         line[close + 2] != 'X';
}

class ExternalReaderTest : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // The readers run as nobody: they must be able to write their pid file.
    dir_ = fs::temp_directory_path() / ("mapsla_ext_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ::chmod(dir_.c_str(), 01777);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    testing::PrivilegedTest::TearDown();
  }

  std::vector<pid_t> pids(const std::string& name) const {
    std::vector<pid_t> out;
    std::ifstream in(dir_ / name);
    for (pid_t pid; in >> pid;)
      out.push_back(pid);
    return out;
  }

  // Runs one misbehaving script as an external reader on a small quiet map
  // and checks that nothing is left: processes, our run's pins, descriptors.
  CellResult run_script(const std::string& script, const std::string& extra = "") {
    const size_t fds_before = open_fds();
    const std::string pid_file = (dir_ / script).string() + ".pids";
    const auto cells = run_yaml(
        "map: {kind: hash, entries: 1024, value_size: 64}\n"
        "writer: {driver: none}\n"
        "readers:\n"
        "  - {reader: external, mode: lookup, command: [" +
        kReaders + script + ", " + pid_file + "]" + extra +
        "}\n"
        "run: {warmup: 0s, duration: 200ms}\n");
    EXPECT_EQ(open_fds(), fds_before) << "descriptors left behind";
    EXPECT_FALSE(fs::exists("/sys/fs/bpf/mapsla/itest-" + std::to_string(::getpid())));
    std::ifstream in(pid_file);
    for (pid_t pid; in >> pid;)
      EXPECT_FALSE(alive(pid)) << script << ": process " << pid << " left behind";
    const std::vector<pid_t> children = children_of_self();
    EXPECT_TRUE(children.empty()) << script << ": " << children.size()
                                  << " child process(es) left, the first "
                                  << (children.empty() ? 0 : children.front());
    EXPECT_EQ(cells.size(), 1u);
    return cells.front();
  }

  fs::path dir_;
};

TEST_F(ExternalReaderTest, GoReaderReadsAQuietMapCleanlyInEveryMode) {
  if (std::string(MAPSLA_GO_READER_PATH).empty())
    MAPSLA_SKIP_OR_FAIL("mapsla-go-reader was not built (go or golang-github-cilium-ebpf-dev)");
  const auto cells = run_yaml(R"(
map: {kind: hash, entries: 4096, value_size: 64}
writer: {driver: none}
readers:
  - {reader: go-cilium, mode: lookup}
  - {reader: go-cilium, mode: iterate}
  - {reader: go-cilium, mode: batch, batch_size: 256}
run: {warmup: 0s, duration: 400ms}
)");
  for (const char* mode : {"lookup", "iterate", "batch"}) {
    const CellResult& c = cell(cells, "go-cilium", mode);
    ASSERT_EQ(c.status, CellStatus::ok) << mode << ": " << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GE(r.passes, 1u) << mode;
    EXPECT_EQ(r.reads, r.passes * 4096) << mode;
    EXPECT_EQ(r.anomalies.total(), 0u)
        << mode << ": torn " << r.anomalies.torn << " missing " << r.anomalies.missing
        << " skipped " << r.anomalies.skipped << " dup " << r.anomalies.duplicate << " stale "
        << r.anomalies.stale << " errors " << r.anomalies.error_total();
    // Per-entry latencies for lookup and iterate, one op per pass for batch.
    EXPECT_EQ(r.ops, std::string(mode) == "batch" ? r.passes : r.reads) << mode;
  }
}

TEST_F(ExternalReaderTest, GoReaderRunsAsNobodyWithNoCapabilityAndAReadOnlyMap) {
  if (std::string(MAPSLA_GO_READER_PATH).empty())
    MAPSLA_SKIP_OR_FAIL("mapsla-go-reader was not built (go or golang-github-cilium-ebpf-dev)");
  MapSpec spec;
  spec.kind = MapKind::hash;
  spec.entries = spec.keys = 2048;
  TargetMap target(spec, "mapsla_ext_cap");
  VersionBoard board(spec.keys);
  target.prefill(board);
  PinDir pins("itest-cap-" + std::to_string(::getpid()));
  const std::string pin = pins.pin(target.fd(), "target").string();
  const ReadTarget read_target{target.view(), spec.keys, WriterPattern::inplace, pin};

  const ReaderDescriptor& go = *builtin_readers().find("go-cilium");
  auto reader = go.create("lookup", *go.default_options("lookup"));
  auto& external = dynamic_cast<ExternalReader&>(*reader);
  external.attach(read_target);
  external.begin_window(now_ns() + 2'000'000'000);
  const pid_t pid = external.child_pid();
  ASSERT_GT(pid, 0);
  // The status read below is the Go program's own, not a wrapper's.
  std::error_code ec;
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec),
            fs::path(MAPSLA_GO_READER_PATH));

  const auto status = proc_status(pid);
  EXPECT_EQ(status.at("CapEff"), "0000000000000000");
  EXPECT_EQ(status.at("CapPrm"), "0000000000000000");
  EXPECT_EQ(status.at("CapInh"), "0000000000000000");
  EXPECT_EQ(status.at("CapBnd"), "0000000000000000");
  EXPECT_EQ(status.at("CapAmb"), "0000000000000000");
  EXPECT_EQ(status.at("NoNewPrivs"), "1");
  EXPECT_EQ(status.at("Uid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(status.at("Gid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(status.at("Groups"), "");
  // Every map descriptor it holds is read-only.
  int map_fds = 0;
  const fs::path fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& e : fs::directory_iterator(fd_dir)) {
    std::error_code ec;
    if (fs::read_symlink(e.path(), ec).string() != "anon_inode:bpf-map") continue;
    ++map_fds;
    std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" + e.path().filename().string());
    std::string key, flags;
    while (info >> key >> flags && key != "flags:") {
    }
    EXPECT_EQ(std::stoi(flags, nullptr, 8) & O_ACCMODE, O_RDONLY) << e.path();
  }
  EXPECT_GE(map_fds, 1);

  // And it reads every key, correctly, from there.
  Oracle oracle(read_target, board, external.entries_per_block());
  oracle.begin_pass();
  external.read_pass(oracle);
  oracle.end_pass();
  EXPECT_EQ(oracle.results().reads, spec.keys);
  EXPECT_EQ(oracle.results().anomalies.total(), 0u);
  external.end_window();
  EXPECT_EQ(external.child_pid(), -1);
  EXPECT_FALSE(alive(pid));
  external.detach();
}

TEST_F(ExternalReaderTest, GarbageFailsWithTheFrameErrorAndLeavesNothing) {
  const CellResult c = run_script("garbage.sh");
  EXPECT_EQ(c.status, CellStatus::failed);
  EXPECT_THAT(c.reason, HasSubstr("external reader frame: bad_magic"));
  EXPECT_THAT(c.reason, HasSubstr("at byte 40"));
  EXPECT_EQ(pids("garbage.sh.pids").size(), 2u);
}

TEST_F(ExternalReaderTest, TruncatedStreamFailsWithTheFrameErrorAndLeavesNothing) {
  const CellResult c = run_script("truncated.sh");
  EXPECT_EQ(c.status, CellStatus::failed);
  EXPECT_THAT(c.reason, HasSubstr("external reader frame: truncated_at_eof"));
  EXPECT_THAT(c.reason, HasSubstr("with 10 of 72 body bytes"));
}

TEST_F(ExternalReaderTest, AWindowWithoutAJudgedPassFailsInsteadOfReadingClean) {
  const CellResult c = run_script("silent_past_deadline.sh");
  EXPECT_EQ(c.status, CellStatus::failed);
  EXPECT_THAT(c.reason, HasSubstr("measured nothing: no pass of external began and ended inside"));
  EXPECT_THAT(c.reason, HasSubstr("frames 0"));
}

TEST_F(ExternalReaderTest, HangIsKilledAtTheDeadlinePlusTimeout) {
  const auto started = std::chrono::steady_clock::now();
  const CellResult c = run_script("hang.sh", ", timeout: 300ms");
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(c.status, CellStatus::failed);
  EXPECT_THAT(c.reason, HasSubstr("timeout: hang.sh sent no complete frame by 0.3s"));
  // 200 ms window + 300 ms timeout, plus map setup and teardown.
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  EXPECT_GE(took, std::chrono::milliseconds(500));
  EXPECT_EQ(pids("hang.sh.pids").size(), 2u);
}

TEST_F(ExternalReaderTest, CrashIsReportedWithItsSignal) {
  const CellResult c = run_script("crash.sh");
  EXPECT_EQ(c.status, CellStatus::failed);
  EXPECT_THAT(c.reason, HasSubstr("killed by signal 11 (SIGSEGV)"));
  EXPECT_EQ(pids("crash.sh.pids").size(), 1u);
}

// A pass the program ends early (pass_status ECANCELED after 100 of 1024
// keys, as cilium/ebpf reports an abandoned Iterate): one error per pass,
// the 924 keys it never reached are unreached, and nothing is skipped.
TEST_F(ExternalReaderTest, PassesEndedEarlyCountUnreachedKeysNotSkipped) {
  const auto cells = run_yaml(
      "map: {kind: hash, entries: 1024, value_size: 64}\n"
      "writer: {driver: none}\n"
      "readers:\n"
      "  - {reader: external, mode: dump, command: [" MAPSLA_EARLY_END_READER
      ", 100, 125]}\n"
      "run: {warmup: 0s, duration: 300ms}\n");
  const CellResult& c = cell(cells, "external", "dump");
  ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
  const RepetitionResult r = c.pooled();
  ASSERT_GT(r.passes, 0u);
  EXPECT_EQ(r.anomalies.skipped, 0u);
  EXPECT_EQ(r.anomalies.duplicate, 0u);
  EXPECT_EQ(r.reads, r.passes * 100);
  EXPECT_EQ(r.early_ended_passes.at("ECANCELED"), r.passes);
  EXPECT_EQ(r.anomalies.errors.at("ECANCELED"), r.passes);
  EXPECT_EQ(r.unreached, r.passes * (1024 - 100));
}

TEST_F(ExternalReaderTest, FailureIsReportedWithItsExitStatusAndOutput) {
  const CellResult c = run_script("failing.sh");
  EXPECT_EQ(c.status, CellStatus::failed);
  EXPECT_THAT(c.reason, HasSubstr("failing.sh exit status 7 after 0 frame(s)"));
  EXPECT_THAT(c.reason, HasSubstr("cannot read the map: simulated failure"));
}

// What the program is handed, checked from inside it: the documented
// variables, a read-only map descriptor on 3 and the frame pipe on 4 (nothing
// else of mapsla's), its CPUs and memory policy, its credentials, and the
// pin's permissions (0600 in a 0700 run directory, which an unprivileged
// reader cannot even stat).
TEST_F(ExternalReaderTest, ProgramGetsTheDocumentedEnvironmentPlacementAndPin) {
  ::setenv("MAPSLA_NOT_FOR_THE_CHILD", "1", 1);
  const fs::path as_nobody = dir_ / "nobody.env", as_root = dir_ / "root.env";
  const uint64_t before = now_ns();
  const auto cells = run_yaml(
      "map: {kind: hash, entries: 1024, value_size: 64}\n"
      "writer: {driver: none}\n"
      "readers:\n"
      "  - {reader: external, mode: record, batch_size: 77, cpus: [1], command: [" +
      kReaders + "record_env.sh, " + as_nobody.string() +
      "]}\n"
      "  - {reader: external, mode: record-root, privileged: true, cpus: [0], command: [" +
      kReaders + "record_env.sh, " + as_root.string() +
      "]}\n"
      "run: {warmup: 0s, duration: 200ms}\n");
  ::unsetenv("MAPSLA_NOT_FOR_THE_CHILD");
  ASSERT_EQ(cells.size(), 2u);
  for (const auto& c : cells) {
    EXPECT_EQ(c.status, CellStatus::not_applicable) << c.reason;
    EXPECT_THAT(c.reason, HasSubstr("recorded into"));
  }

  const auto env = read_record(as_nobody);
  const std::string run_dir = "/sys/fs/bpf/mapsla/itest-" + std::to_string(::getpid());
  EXPECT_EQ(env.at("MAPSLA_MAP_FD"), "3");
  EXPECT_EQ(env.at("MAPSLA_OUT_FD"), "4");
  EXPECT_THAT(env.at("MAPSLA_MAP_PIN"), ::testing::StartsWith(run_dir + "/"));
  EXPECT_EQ(env.at("MAPSLA_MAP_KIND"), "hash");
  EXPECT_EQ(env.at("MAPSLA_KEY_COUNT"), "1024");
  EXPECT_EQ(env.at("MAPSLA_KEY_SIZE"), "4");
  EXPECT_EQ(env.at("MAPSLA_VALUE_SIZE"), "64");
  EXPECT_EQ(env.at("MAPSLA_MODE"), "record");
  EXPECT_EQ(env.at("MAPSLA_BATCH_SIZE"), "77");
  EXPECT_EQ(env.at("MAPSLA_MAX_ENTRIES_PER_PASS"), "16384");
  EXPECT_EQ(env.at("MAPSLA_SPAWNED_BY_RUN"), "itest-" + std::to_string(::getpid()));
  EXPECT_EQ(env.count("MAPSLA_NOT_FOR_THE_CHILD"), 0u);
  const uint64_t deadline = std::stoull(env.at("MAPSLA_DEADLINE_NS"));
  EXPECT_GT(deadline, before);
  EXPECT_LT(deadline, before + 5'000'000'000ull);

  EXPECT_EQ(env.at("map_fd_target"), "anon_inode:bpf-map");
  EXPECT_EQ(std::stoi(env.at("map_fd_flags"), nullptr, 8) & O_ACCMODE, O_RDONLY);
  EXPECT_THAT(env.at("out_fd_target"), ::testing::StartsWith("pipe:"));
  std::ifstream fds_in(as_nobody.string() + ".fds");
  std::vector<int> fds;
  for (int fd; fds_in >> fd;)
    fds.push_back(fd);
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(fds, (std::vector<int>{0, 1, 2, 3, 4, 255}));

  EXPECT_EQ(env.at("Uid"), "65534\t65534\t65534\t65534");
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(env.at(set), "0000000000000000") << set;
  EXPECT_EQ(env.at("NoNewPrivs"), "1");
  EXPECT_EQ(env.at("Cpus_allowed_list"), "1");
  const std::vector<int> nodes = memory_nodes_of_cpus({1});
  if (nodes.size() == 1) {
    EXPECT_EQ(env.at("mempolicy"), "bind:" + std::to_string(nodes.front()));
  }
  EXPECT_EQ(env.at("pin_mode"), "denied");

  const auto root = read_record(as_root);
  EXPECT_EQ(root.at("Uid"), "0\t0\t0\t0");
  EXPECT_EQ(root.at("Cpus_allowed_list"), "0");
  EXPECT_EQ(root.at("MAPSLA_MODE"), "record-root");
  EXPECT_EQ(root.at("pin_mode"), "600");
  EXPECT_EQ(root.at("dir_mode"), "700");
  EXPECT_EQ(std::stoi(root.at("map_fd_flags"), nullptr, 8) & O_ACCMODE, O_RDONLY);
}

// `run_as: {capabilities: [CAP_BPF]}` (an agent that holds just CAP_BPF, which
// 5.10–5.18 require to read a map): exactly that one survives exec, in every
// set, ambient included, and nothing else.
TEST_F(ExternalReaderTest, ProgramKeepsExactlyTheCapabilitiesItsRunAsNames) {
  const fs::path record = dir_ / "cap_bpf.env";
  const auto cells = run_yaml(
      "map: {kind: hash, entries: 64}\n"
      "writer: {driver: none}\n"
      "readers:\n"
      "  - {reader: external, mode: record, run_as: {user: nobody, capabilities: [CAP_BPF]}, "
      "command: [" +
      kReaders + "record_env.sh, " + record.string() +
      "]}\n"
      "run: {warmup: 0s, duration: 100ms}\n");
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_THAT(cells[0].reason, HasSubstr("recorded into"));
  const auto env = read_record(record);
  const std::string cap_bpf = "0000008000000000";  // bit 39
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(env.at(set), cap_bpf) << set;
  EXPECT_EQ(env.at("NoNewPrivs"), "1");
  EXPECT_EQ(env.at("Uid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(env.at("Gid"), "65534\t65534\t65534\t65534");
}

TEST_F(ExternalReaderTest, ExitStatusThreeIsNotApplicableWithTheReason) {
  const CellResult c = run_script("not_applicable.sh");
  EXPECT_EQ(c.status, CellStatus::not_applicable);
  EXPECT_EQ(c.reason, "this reader only reads arrays, not a hash");
}

TEST_F(ExternalReaderTest, BpftoolReadsQuietMapsCleanly) {
  if (find_executable("bpftool").empty()) MAPSLA_SKIP_OR_FAIL("bpftool not installed");
  for (const char* kind : {"hash", "percpu_array"}) {
    const auto cells = run_yaml(std::string("map: {kind: ") + kind +
                                ", entries: 1024, value_size: 64}\n"
                                "writer: {driver: none}\n"
                                "readers: [{reader: bpftool}]\n"
                                "run: {warmup: 0s, duration: 300ms}\n");
    const CellResult& c = cell(cells, "bpftool", "dump");
    ASSERT_EQ(c.status, CellStatus::ok) << kind << ": " << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GE(r.passes, 1u) << kind;
    EXPECT_EQ(r.reads, r.passes * 1024) << kind;
    EXPECT_EQ(r.ops, r.passes) << kind;
    EXPECT_EQ(r.anomalies.total(), 0u)
        << kind << ": torn " << r.anomalies.torn << " skipped " << r.anomalies.skipped << " errors "
        << r.anomalies.error_total();
  }
}

}  // namespace
}  // namespace mapsla
