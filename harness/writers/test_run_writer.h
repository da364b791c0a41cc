// `test_run`: threads pinned to the scenario's writer CPUs run the writer
// program through BPF_PROG_TEST_RUN. Each run updates `keys_per_run`
// consecutive keys to a new version in the scenario's pattern; the keys are
// split evenly across the threads, so each key has one writer and its
// versions only grow. After a run returns, its version is published on the
// VersionBoard (the oracle's "committed"). `rate` paces all threads together
// (updates/s); 0 runs flat out.
//
// Two programs write the same records (core/bpf/writer_program.h), chosen
// by `program:` — `syscall`: bpf/writer.bpf.c, SEC("syscall") with bpf_loop
// (Linux 5.17), one BPF_PROG_TEST_RUN per run; `xdp`: bpf/legacy_writer.bpf.c,
// XDP with a bounded loop (loads on 5.10), which writes at most
// legacy_writer_keys(value_size) keys per BPF_PROG_TEST_RUN (32, 16 or 8),
// so a run of more keys is several calls of one version, each published when
// it returns; when the verifier finds even that too large (E2BIG), the
// writer loads it again with half the keys, down to one. `auto` (the
// default) takes syscall when the feature probe loaded it, else xdp.
//
// `repeat` (xdp, flat out): one BPF_PROG_TEST_RUN may run the XDP program
// many times, each repetition writing the next slice of the thread's keys
// one version higher (bpf/legacy_writer.h), published when the call returns.
// That matters on 5.10, where every XDP test_run registers the program with
// the XDP dispatcher and removes it again: a millisecond per call in a TCG
// guest, 20-40 ms once the other vCPU is busy, against microseconds for the
// writes. `0` (auto, the default) runs one repetition (slice) per call and
// times every call: once the least cost beyond the program's own run time
// of the last kProbeCalls calls exceeds kBatchAboveNs, it sizes the
// repetitions so that the writes take about 4x that overhead (at most
// kMaxCallNs per call), re-estimated after each call. N fixes N repetitions
// per call; 1 and a paced writer (`rate`) run keys_per_run ranges of one
// version in max_keys slices, as without repeat.
//
// The `locked` pattern runs bpf/locked_writer.bpf.c or
// bpf/legacy_locked_writer.bpf.c instead (same arguments): the target must
// have been created with spin-lock BTF (MapSpec::spin_lock). `percpu` writes
// the running CPU's slot of a per-CPU map. On an lru_hash, `replace` and
// `churn` may evict other keys, so the board stops promising that keys stay
// present.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/bpf/skeleton.h"
#include "core/bpf/writer_program.h"
#include "harness/writers/writer.h"
#include "mapsla_legacy_locked_writer.skel.h"
#include "mapsla_legacy_writer.skel.h"
#include "mapsla_locked_writer.skel.h"
#include "mapsla_writer.skel.h"

namespace mapsla {

class TestRunWriter final : public WriterDriver {
 public:
  struct Options final : WriterOptions {
    uint32_t keys_per_run = 64;
    std::optional<WriterProgram> program;  // nullopt: auto
    uint32_t repeat = 0;                   // xdp: repetitions per test_run; 0: auto
    nlohmann::json to_json() const override;
  };

  static WriterDescriptor descriptor();
  // The program that writes `pattern` here with `requested` (nullopt: auto),
  // or why none can, in the feature probe's words (the most basic missing
  // piece first).
  static std::variant<WriterProgram, std::string> choose_program(
      std::optional<WriterProgram> requested, WriterPattern pattern,
      const KernelFeatures& features);

  explicit TestRunWriter(const WriterContext& context);
  ~TestRunWriter() override;

  void start() override;
  void stop() override;
  std::string failure() const override;
  nlohmann::json stats() const override;

 private:
  static constexpr uint64_t kBatchAboveNs = 100'000;
  static constexpr size_t kProbeCalls = 4;
  static constexpr uint64_t kMaxCallNs = 250'000'000;

  void write_loop(int cpu, uint32_t first_key, uint32_t key_count, double runs_per_s);
  void write_repeated(int cpu, uint32_t first_key, uint32_t key_count);
  void publish_repetitions(const mapsla_legacy_writer_args& start, uint32_t repeat);
  void run_range(int cpu, uint32_t key_start, uint32_t key_count, uint64_t version);
  void fail(std::string why);
  int load_syscall(const WriterContext& context);
  int load_xdp(const WriterContext& context);
  int load_xdp_once(const WriterContext& context, uint32_t max_keys);

  WriterSpec spec_;
  Options options_;
  uint32_t keys_;
  VersionBoard& board_;
  SkeletonPtr<mapsla_writer> skeleton_{nullptr, mapsla_writer__destroy};
  SkeletonPtr<mapsla_locked_writer> locked_skeleton_{nullptr, mapsla_locked_writer__destroy};
  SkeletonPtr<mapsla_legacy_writer> legacy_skeleton_{nullptr, mapsla_legacy_writer__destroy};
  SkeletonPtr<mapsla_legacy_locked_writer> legacy_locked_skeleton_{
      nullptr, mapsla_legacy_locked_writer__destroy};
  WriterProgram program_ = WriterProgram::syscall;
  int prog_fd_ = -1;
  uint32_t keys_per_test_run_ = 0;  // xdp: the program's max_keys; syscall: 0 (any)
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> runs_{0};
  std::atomic<uint64_t> test_runs_{0};  // BPF_PROG_TEST_RUN calls (xdp: several per run)
  std::atomic<uint64_t> failed_updates_{0};
  std::atomic<uint32_t> repeat_{1};            // xdp: repetitions of the last test_run
  std::atomic<uint64_t> call_overhead_ns_{0};  // xdp: a test_run's cost beyond the runs (min)
  std::atomic<int> last_update_errno_{0};
  mutable std::mutex failure_mutex_;
  std::string failure_;
};

}  // namespace mapsla
