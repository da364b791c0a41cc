// `cpu_stress`: stress-ng workers on chosen CPUs, by default the CPUs of the
// reader measured in the window, so the reader competes for its own CPU.
//
// Fields (docs/scenarios.md): `method` — cpu (with `load` percent and
// optional `load_slice` ms: --cpu-load, --cpu-load-slice), matrixprod,
// cache, stream, switch or timer (optional `freq` for the last two);
// `workers` (default: one per CPU); `cpus` (default: the reader's CPUs).
//
// Every activation runs one stress-ng in its own process group, tagged with
// the run id (core/util/process_group.h) and bounded by `--timeout`
// (planned active time + kTimeoutMargin), so even a stressor that outlives a
// SIGKILLed mapsla ends on its own. stop() sends SIGINT (stress-ng then stops
// its workers and writes its metrics), escalating to SIGTERM and SIGKILL of
// the group, and reaps it.
//
// Evidence: verify_active() waits until the workers run, samples their CPU
// time over kSampleTime and reports the load they achieved and the CPUs they
// are allowed on; verify_gone() reports how stress-ng ended, the CPU time its
// workers took (/proc, sampled just before the stop) and its --yaml metrics
// (bogo-ops are evidence the load ran, not a score). stress-ng exit codes 3
// (no resource) and 4 (not implemented) throw FaultUnavailable: the cell is
// `skipped`, since stress-ng could not run the method here.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/util/process_group.h"
#include "harness/faults/fault.h"

namespace mapsla {

class CpuStressFault final : public Fault {
 public:
  enum class Method { cpu, matrixprod, cache, stream, switch_, timer };

  struct Options final : FaultOptions {
    Method method = Method::cpu;
    int workers = 0;        // 0: one per CPU of the list
    int load = 100;         // cpu only: percent busy per worker
    int load_slice_ms = 0;  // cpu only: --cpu-load-slice; 0 = stress-ng's default
    uint64_t freq = 0;      // switch/timer: --switch-freq / --timer-freq; 0 = default
    std::vector<int> cpus;  // empty: the reader's CPUs
    nlohmann::json to_json() const override;
  };

  static constexpr std::chrono::seconds kTimeoutMargin{5};
  static constexpr std::chrono::milliseconds kSampleTime{100};

  static FaultDescriptor descriptor();
  static std::string method_name(Method method);

  // stress-ng's command line for `options` on `cpus`, bounded by `timeout`,
  // writing its metrics to `yaml`.
  static std::vector<std::string> command(const Options& options, const std::vector<int>& cpus,
                                          std::chrono::seconds timeout,
                                          const std::filesystem::path& yaml);

  CpuStressFault(const FaultSpec& spec, const FaultContext& context);
  ~CpuStressFault() override;

  std::string kind() const override { return "cpu_stress"; }
  void start() override;
  nlohmann::json verify_active() override;
  void stop() override;
  nlohmann::json verify_gone() override;

 private:
  nlohmann::json sample_workers() const;
  void throw_if_exited_early(int status);

  Options options_;
  std::vector<int> cpus_;
  std::string cpus_from_;  // "fault" (its own list) or "reader"
  std::string run_id_;
  std::chrono::seconds timeout_{0};
  std::filesystem::path yaml_path_;
  std::filesystem::path log_path_;
  std::unique_ptr<ProcessGroup> group_;
  std::chrono::steady_clock::time_point started_;
  double active_s_ = 0;
  nlohmann::json cpu_before_stop_;
  int exit_status_ = 0;
};

// The `metrics` list of a stress-ng --yaml file as JSON (stressor, bogo_ops,
// bogo_ops_per_s_real_time, wall_clock_s, user_s, system_s,
// cpu_usage_per_instance_percent); throws std::runtime_error on YAML that is
// not a stress-ng report.
nlohmann::json parse_stress_ng_metrics(const std::string& yaml_text);

}  // namespace mapsla
