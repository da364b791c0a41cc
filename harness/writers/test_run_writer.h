// `test_run`: threads pinned to the scenario's writer CPUs run the writer
// program (bpf/writer.bpf.c, SEC("syscall")) through BPF_PROG_TEST_RUN. Each
// run updates `keys_per_run` consecutive keys to a new version with bpf_loop,
// in the scenario's pattern; the keys are split evenly across the threads, so
// each key has one writer and its versions only grow. After a run returns,
// its version is published on the VersionBoard (the oracle's "committed").
// `rate` paces all threads together (updates/s); 0 runs flat out.
//
// The `locked` pattern runs bpf/locked_writer.bpf.c instead (also
// SEC("syscall"), same arguments): the target must have been created with
// spin-lock BTF (MapSpec::spin_lock). `percpu` writes the running CPU's slot
// of a per-CPU map. On an lru_hash, `replace` and `churn` may evict other
// keys, so the board stops promising that keys stay present.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/bpf/skeleton.h"
#include "harness/writers/writer.h"
#include "mapsla_locked_writer.skel.h"
#include "mapsla_writer.skel.h"

namespace mapsla {

class TestRunWriter final : public WriterDriver {
 public:
  struct Options final : WriterOptions {
    uint32_t keys_per_run = 64;
    nlohmann::json to_json() const override { return {{"keys_per_run", keys_per_run}}; }
  };

  static WriterDescriptor descriptor();

  explicit TestRunWriter(const WriterContext& context);
  ~TestRunWriter() override;

  void start() override;
  void stop() override;
  std::string failure() const override;
  nlohmann::json stats() const override;

 private:
  void write_loop(int cpu, uint32_t first_key, uint32_t key_count, double runs_per_s);
  void fail(std::string why);
  void load_locked(const WriterContext& context);

  WriterSpec spec_;
  Options options_;
  uint32_t keys_;
  VersionBoard& board_;
  SkeletonPtr<mapsla_writer> skeleton_{nullptr, mapsla_writer__destroy};
  SkeletonPtr<mapsla_locked_writer> locked_skeleton_{nullptr, mapsla_locked_writer__destroy};
  int prog_fd_ = -1;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> runs_{0};
  std::atomic<uint64_t> failed_updates_{0};
  std::atomic<int> last_update_errno_{0};
  mutable std::mutex failure_mutex_;
  std::string failure_;
};

}  // namespace mapsla
