// external: a program of your own reads the map; mapsla judges what it read.
//
// Each measured window (warm-up included) starts the scenario's command once,
// with a read-only descriptor of the map, the write end of a frame pipe and
// the map's geometry and the window's deadline in MAPSLA_* variables
// (docs/external-readers.md is the whole contract). The program runs pinned
// to the reader's CPUs, its memory bound (MPOL_BIND) to their NUMA nodes, and, unless the scenario
// says `privileged: true`, as an unprivileged uid/gid (default: nobody) with no capability and
// no_new_privs. Every frame it writes is one pass; read_pass() hands its
// entries to the oracle exactly as a built-in reader would: with per-entry
// latencies, op i ends at pass_start + latency_0 + … + latency_i; without,
// the whole pass is one op. A pass_status ≠ 0 is an error by errno name.
//
// Contract: the program's own. What mapsla adds: only passes that began after
// the oracle took its snapshot of committed versions are judged (a pass
// already running when read_pass() is called is discarded, see
// discarded_passes()), so "stale" is decided from facts for a program that
// runs ahead of mapsla too.
//
// Failure (read_pass throws; the runner marks the cell failed with what()):
// a malformed stream throws external::FrameError (one line, with the byte
// offset); no complete frame by the deadline + timeout (default 5 s, or twice
// the longest pass if longer) kills the process group and throws a message
// starting with "timeout:"; a program that dies by a signal or exits non-zero
// throws with its exit status and the tail of its output; exit status 3
// throws ReaderNotApplicable with the program's first output line. In every
// case the process group is SIGKILLed and reaped before the throw or, at the
// latest, in end_window(), which sends SIGTERM, drains the pipes until the
// program exits, and SIGKILLs the group after min(timeout, 2 s). A program
// that exits 0 early after at least one pass is fine: read_pass() then
// returns without a pass (the oracle does not count it) until the deadline.
//
// Threading: begin_window(), read_pass() and end_window() run on the
// runner's reader thread (the program's PR_SET_PDEATHSIG follows that
// thread); attach()/detach() on the runner's thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bpf/fd.h"
#include "core/util/process.h"
#include "readers/external/frame.h"
#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

struct ExternalConfig {
  std::string name = "external";      // the reader's name in reports
  std::string mode;                   // passed as MAPSLA_MODE
  std::vector<std::string> command;   // argv; command[0] is an executable path
  uint32_t batch_size = 4096;         // MAPSLA_BATCH_SIZE
  bool privileged = false;            // `privileged: true`: run as root
  std::optional<Credentials> run_as;  // unset: run with mapsla's privileges
  std::string run_as_label;           // for the report: "nobody (65534:65534)", "privileged"
  std::optional<std::chrono::nanoseconds> timeout;  // grace after the deadline
  // The scenario's `env:` map, added to the minimal environment (child_environment()).
  std::vector<std::pair<std::string, std::string>> env;
  std::string unavailable;  // non-empty: not applicable anywhere, for this reason
  // Returns why the program cannot read `target` ("" when it can).
  std::function<std::string(const TargetSpec&)> check;
};

// The environment an external program gets, besides the MAPSLA_* protocol
// variables: PATH = the system directories (never root's own PATH), LANG,
// LANGUAGE, LC_* and TZ as mapsla has them, then the scenario's `env:`
// entries. Nothing else of mapsla's environment (tokens, proxies, HOME)
// reaches the reader.
std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& extra, char** parent_env);

// Why the user `as` (nullopt: mapsla's own uid) cannot execute `path` — a
// directory on the way it cannot search, or the file's mode bits — or "".
std::string not_executable_by(const std::string& path, const std::optional<Credentials>& as);

class ExternalReader final : public Reader {
 public:
  static constexpr std::chrono::nanoseconds kDefaultTimeout = std::chrono::seconds(5);
  static constexpr std::chrono::nanoseconds kMaxKillGrace = std::chrono::seconds(2);
  // The least time a program gets after the deadline to finish its pass and
  // exit before SIGTERM.
  static constexpr uint64_t kNaturalEndMinNs = 50'000'000;
  static constexpr int kExitNotApplicable = 3;
  static constexpr uint32_t kMaxEntriesFactor = 16;  // MAPSLA_MAX_ENTRIES_PER_PASS ÷ keys

  explicit ExternalReader(ExternalConfig config);
  ~ExternalReader() override;
  static ReaderDescriptor descriptor();
  // Reads the options every external-reader entry takes (batch_size,
  // run_as, privileged, timeout) into `config`; ConfigError on bad values.
  static void parse_options(Fields& options, ExternalConfig& config);
  static void parse_run_as(Fields& options, bool privileged, ExternalConfig& config);

  std::string_view name() const override { return config_.name; }
  std::string_view mode() const override { return config_.mode; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void begin_window(uint64_t deadline_ns) override;
  void end_window() override;
  void read_pass(PassSink& sink) override;
  void detach() override;
  std::vector<std::pair<std::string, std::string>> settings() const override;
  // frames (decoded over all windows) and discarded_passes.
  std::vector<std::pair<std::string, uint64_t>> figures() const override;

  // The running program's pid (its process group id), -1 between windows.
  pid_t child_pid() const;
  // Frames decoded / discarded (their pass began before the oracle's
  // snapshot) in the current or last window.
  uint64_t frames() const { return frames_; }
  uint64_t discarded_passes() const { return discarded_; }

 private:
  uint64_t grace_ns() const;
  std::string label() const;
  std::string output_suffix() const;
  // Waits for input until `until_ns`; feeds frame bytes to the decoder
  // unless `discard`.
  void pump(uint64_t until_ns, bool discard);
  void read_frames(bool discard, bool until_empty);
  void finish_child();
  [[noreturn]] void timeout();
  void idle_until_deadline() const;
  void deliver(const external::Frame& frame, PassSink& sink) const;

  ExternalConfig config_;
  uint32_t key_count_ = 0;
  uint32_t value_size_ = 0;  // bytes per value in a frame (all CPUs for per-CPU kinds)
  MapKind kind_ = MapKind::hash;
  std::string pin_path_;
  UniqueFd map_fd_;  // opened BPF_F_RDONLY

  uint64_t deadline_ns_ = 0;
  std::optional<ChildProcess> child_;
  UniqueFd frames_fd_;
  bool frames_eof_ = false;
  bool output_eof_ = false;
  bool exited_ = false;  // the program (the group leader) has exited
  OutputTail output_;
  std::unique_ptr<external::FrameDecoder> decoder_;
  std::vector<uint8_t> buffer_;
  uint64_t frames_ = 0;
  uint64_t discarded_ = 0;
  uint64_t longest_pass_ns_ = 0;
  uint64_t total_frames_ = 0;
  uint64_t total_discarded_ = 0;
};

}  // namespace mapsla
