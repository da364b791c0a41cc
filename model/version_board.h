// Where writer drivers publish, per key, the version they have committed, so
// the oracle decides "stale" from facts: a version is committed once the
// update that wrote it has returned (the store is a release; the oracle's
// snapshot load is an acquire). Per-key slots keep it exact; 8 bytes per key.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace mapsla {

class VersionBoard {
 public:
  explicit VersionBoard(uint32_t keys)
      : keys_(keys), committed_(std::make_unique<std::atomic<uint64_t>[]>(keys)) {
    for (uint32_t k = 0; k < keys; ++k)
      committed_[k].store(0, std::memory_order_relaxed);
  }

  uint32_t keys() const { return keys_; }
  void publish(uint32_t key, uint64_t version) {
    committed_[key].store(version, std::memory_order_release);
  }
  void publish_range(uint32_t first, uint32_t count, uint64_t version) {
    for (uint32_t k = first; k < first + count; ++k)
      publish(k, version);
  }
  uint64_t committed(uint32_t key) const { return committed_[key].load(std::memory_order_acquire); }
  void snapshot(std::vector<uint64_t>& out) const {
    out.resize(keys_);
    for (uint32_t k = 0; k < keys_; ++k)
      out[k] = committed_[k].load(std::memory_order_acquire);
  }

  // False once a writer may legitimately remove keys (LRU eviction, a full
  // map): then ENOENT and keys absent from a dump are not anomalies.
  bool keys_stay_present() const { return keys_stay_present_.load(std::memory_order_acquire); }
  void set_keys_stay_present(bool v) { keys_stay_present_.store(v, std::memory_order_release); }

  // True while a fault keeps keys outside 0..keys-1 in the map (map_pressure):
  // then a read of such a key is not an `unexpected_key` error.
  bool foreign_keys_present() const { return foreign_keys_.load(std::memory_order_acquire); }
  void set_foreign_keys_present(bool v) { foreign_keys_.store(v, std::memory_order_release); }

  // Total updates the writers made; the runner reports deltas per window.
  std::atomic<uint64_t>& updates() { return updates_; }
  uint64_t updates_made() const { return updates_.load(std::memory_order_relaxed); }

 private:
  uint32_t keys_;
  std::unique_ptr<std::atomic<uint64_t>[]> committed_;
  std::atomic<bool> keys_stay_present_{true};
  std::atomic<bool> foreign_keys_{false};
  std::atomic<uint64_t> updates_{0};
};

}  // namespace mapsla
