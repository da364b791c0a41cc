// `map_pressure`: more live keys than the map has room for — LRU eviction on
// an lru_hash, "map full" (E2BIG) on a hash — at a chosen churn rate.
//
// Design choice: a fault with its own pressure thread, not a writer pattern.
// The scenario's writer keeps writing the key set 0..keys-1 exactly as in the
// baseline, so the only difference between the phases is the pressure; the
// thread's own counters are exact (every insert, delete and failure by
// errno is its own), and it starts and stops within a window, so each cell
// has before/during/after phases and a recovery time. A writer pattern could
// do neither.
//
// The thread cycles over `extra_keys` keys above the key set (keys ..
// keys+extra_keys-1), inserting each with BPF_NOEXIST; with `deletes: true`
// it deletes each before re-inserting it (churn at a constant size). `rate`
// caps its operations per second (0: as fast as it can); `cpus` pins it
// (default: the writer's CPUs).
//
// On an lru_hash the kernel evicts to make room — keys of the key set too —
// so start() tells the oracle that keys may vanish (absent reads are then
// not missing and not skipped) and that foreign keys are present; stop()
// joins the thread, deletes every pressure key, re-inserts each key of the
// key set that was evicted (BPF_NOEXIST, at the version the writers last
// committed, so a concurrent writer's newer value always wins) and only then
// gives the oracle its strict judgement back. On a hash nothing of the key
// set is removed (the inserts fail instead), so missing keys stay anomalies.
//
// Evidence: inserts, deletes, deletes that found the key already evicted,
// inserts that found it still present, insert failures by errno (E2BIG,
// ENOSPC…), and on an lru_hash the evictions: the kernel's exact count for
// the map over the activation where kprobes work (LruEvictionCounter, all
// causes: the writer's inserts evict too), and always the evictions the
// fault observed itself — its own keys found gone when it re-inserted or
// deleted them, plus the keys of the key set found gone at stop(). The
// observed count is exact for the fault's keys and a lower bound overall (a
// key of the key set evicted and re-written by the writer before stop() is
// not seen); `evictions` is the kernel's count when available, else it.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/faults/fault.h"
#include "harness/faults/lru_eviction_counter.h"

namespace mapsla {

class MapPressureFault final : public Fault {
 public:
  struct Options final : FaultOptions {
    uint32_t extra_keys = 0;  // 0: as many as the map has entries
    uint64_t rate = 0;        // operations per second; 0: flat out
    bool deletes = false;
    std::vector<int> cpus;  // empty: the writer's CPUs
    nlohmann::json to_json() const override;
  };

  static FaultDescriptor descriptor();

  // Throws std::runtime_error for a map it cannot pressure (arrays, per-CPU
  // and spin-locked values) or when the key range would overflow.
  MapPressureFault(const FaultSpec& spec, const FaultContext& context);
  ~MapPressureFault() override;

  std::string kind() const override { return "map_pressure"; }
  void start() override;
  nlohmann::json verify_active() override;
  void stop() override;
  nlohmann::json verify_gone() override;

 private:
  struct Counters {
    std::atomic<uint64_t> ops{0};
    std::atomic<uint64_t> inserts{0};
    std::atomic<uint64_t> already_present{0};  // BPF_NOEXIST said EEXIST
    std::atomic<uint64_t> deletes{0};
    std::atomic<uint64_t> delete_enoent{0};  // the pressure key was evicted first
    // BPF_NOEXIST insert of a key this thread had inserted and not deleted
    // succeeded: the key had been evicted.
    std::atomic<uint64_t> reinserted_evicted{0};
  };

  void pressure_loop();
  void count_failure(int err);
  nlohmann::json counters_json() const;
  uint32_t present_in(uint32_t first, uint32_t count) const;

  Options options_;
  TargetMap& target_;
  VersionBoard& board_;
  bool lru_;
  bool writer_running_;  // the scenario's writer re-inserts evicted keys itself
  uint32_t keys_;
  uint32_t extra_;
  std::vector<int> cpus_;
  std::unique_ptr<LruEvictionCounter> evictions_;
  uint64_t evictions_at_start_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool started_ = false;
  bool stopped_ = false;
  Counters counters_;
  std::vector<uint8_t> inserted_;  // per pressure key: in the map as far as the thread knows
  uint64_t pressure_evicted_at_stop_ = 0;
  uint64_t key_set_evicted_at_stop_ = 0;
  mutable std::mutex failures_mutex_;
  std::map<std::string, uint64_t> failures_;  // insert failures by errno name
  std::string thread_error_;
  nlohmann::json stop_facts_ = nlohmann::json::object();
};

}  // namespace mapsla
