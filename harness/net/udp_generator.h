// The traffic writer's UDP generator. Its sockets are opened inside the tx
// namespace (one per 4096 flows, bound to that block's source port on the tx
// address; see bpf/traffic.h for the flow layout), then one thread per CPU
// sends with sendmmsg(2): the flows are split evenly over the threads, each
// thread pinned to its CPU and sweeping its flows round-robin, batches of up
// to 64 packets, paced to `pps` in total (0: flat out). Each flow is sent by
// one thread only, so its packets are processed in order on one CPU.
//
// Payload: 16 bytes {u32 magic 'MSLA', u32 flow, u64 sequence of the flow},
// zero-padded to payload_bytes. A packet is counted as sent when sendmmsg
// accepted it; a packet dropped by a tc program on the tx egress still counts
// as sent (the socket does not set IP_RECVERR, so such a drop is silent, as
// on a lossy link).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/bpf/fd.h"

namespace mapsla {

struct GeneratorOptions {
  uint32_t flows = 1;
  uint64_t pps = 100000;  // total over all threads; 0 = as fast as possible
  uint32_t payload_bytes = 64;
  std::vector<int> cpus = {0};
  uint64_t packet_limit = 0;  // total packets to send, then stop; 0 = until stop()
};

inline constexpr uint32_t kMinPayloadBytes = 16;
inline constexpr uint32_t kMaxPayloadBytes = 1472;  // 1500 MTU − IPv4 − UDP

class UdpGenerator {
 public:
  // Opens and binds the sockets inside `tx_netns`; throws std::system_error.
  UdpGenerator(const std::string& tx_netns, GeneratorOptions options);
  UdpGenerator(const UdpGenerator&) = delete;
  UdpGenerator& operator=(const UdpGenerator&) = delete;
  ~UdpGenerator();

  void start();
  // Stops and joins the threads; idempotent.
  void stop();
  // pause() returns once every sender thread is parked between two
  // sendmmsg calls (or has ended); resume() lets them go on. Thread-safe;
  // no effect when not started.
  void pause();
  void resume();
  // True once every thread has sent its share of packet_limit (never when
  // there is no limit).
  bool finished() const;
  // Empty while healthy, else why a thread stopped (a send error).
  std::string failure() const;

  // Per-flow and total packets sent; exact once stop() returned.
  uint64_t sent(uint32_t flow) const { return sent_[flow].load(std::memory_order_relaxed); }
  uint64_t sent_total() const;
  uint64_t sent_bytes() const;  // UDP payload bytes
  // Transient send errors (ENOBUFS, EAGAIN) that were retried.
  uint64_t retried_errors() const { return retried_errors_.load(std::memory_order_relaxed); }

 private:
  void send_loop(size_t index, uint32_t first, uint32_t last, uint64_t limit);
  void fail(std::string why);

  GeneratorOptions options_;
  std::vector<UniqueFd> sockets_;
  std::unique_ptr<std::atomic<uint64_t>[]> sent_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> finished_threads_{0};
  std::atomic<uint64_t> retried_errors_{0};
  std::atomic<bool> hold_requested_{false};
  std::mutex hold_mutex_;
  std::condition_variable hold_cv_;
  bool held_ = false;  // under hold_mutex_
  size_t parked_ = 0;  // threads waiting in a hold
  size_t exited_ = 0;  // threads that returned
  size_t thread_count_ = 0;
  mutable std::mutex failure_mutex_;
  std::string failure_;
};

}  // namespace mapsla
