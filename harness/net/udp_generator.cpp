#include "harness/net/udp_generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "bpf/traffic.h"
#include "core/net/netns.h"
#include "core/util/affinity.h"
#include "core/util/clock.h"

namespace mapsla {
namespace {

constexpr uint32_t kMagic = 0x414c534d;  // "MSLA" little-endian
constexpr size_t kBatch = 64;

struct PayloadHead {
  uint32_t magic;
  uint32_t flow;
  uint64_t sequence;
};
static_assert(sizeof(PayloadHead) == kMinPayloadBytes);

void sleep_until_ns(uint64_t deadline) {
  timespec ts{static_cast<time_t>(deadline / 1'000'000'000ull),
              static_cast<long>(deadline % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

sockaddr_in address(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

}  // namespace

UdpGenerator::UdpGenerator(const std::string& tx_netns, GeneratorOptions options)
    : options_(std::move(options)),
      sent_(std::make_unique<std::atomic<uint64_t>[]>(options_.flows)) {
  for (uint32_t f = 0; f < options_.flows; ++f)
    sent_[f].store(0, std::memory_order_relaxed);
  const uint32_t blocks = (options_.flows + MAPSLA_TRAFFIC_DPORTS - 1) / MAPSLA_TRAFFIC_DPORTS;
  NetnsScope scope(tx_netns);
  for (uint32_t block = 0; block < blocks; ++block) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "socket(UDP)");
    const sockaddr_in local =
        address(kTxAddress, static_cast<uint16_t>(MAPSLA_TRAFFIC_SPORT_BASE + block));
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0)
      throw std::system_error(
          errno, std::generic_category(),
          fmt::format("bind UDP {}:{}", kTxAddress, MAPSLA_TRAFFIC_SPORT_BASE + block));
    sockets_.push_back(std::move(fd));
  }
}

UdpGenerator::~UdpGenerator() {
  stop();
}

void UdpGenerator::start() {
  stop_.store(false);
  {
    std::lock_guard lock(hold_mutex_);
    exited_ = 0;
    thread_count_ = options_.cpus.size();
  }
  const auto& cpus = options_.cpus;
  const uint64_t flows = options_.flows;
  for (size_t i = 0; i < cpus.size(); ++i) {
    const auto first = static_cast<uint32_t>(flows * i / cpus.size());
    const auto last = static_cast<uint32_t>(flows * (i + 1) / cpus.size());
    // Shares proportional to the flows, rounded so they add up to the limit.
    const uint64_t limit = options_.packet_limit ? options_.packet_limit * last / flows -
                                                       options_.packet_limit * first / flows
                                                 : UINT64_MAX;
    threads_.emplace_back([this, i, first, last, limit] {
      try {
        send_loop(i, first, last, limit);
      } catch (const std::exception& e) {
        fail(e.what());
      }
      std::lock_guard lock(hold_mutex_);
      ++exited_;
      hold_cv_.notify_all();
    });
  }
}

void UdpGenerator::stop() {
  stop_.store(true);
  {
    std::lock_guard lock(hold_mutex_);
    hold_cv_.notify_all();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  std::lock_guard lock(hold_mutex_);
  thread_count_ = 0;
}

void UdpGenerator::pause() {
  std::unique_lock lock(hold_mutex_);
  held_ = true;
  hold_requested_.store(true, std::memory_order_release);
  hold_cv_.wait(lock, [&] { return parked_ + exited_ >= thread_count_; });
}

void UdpGenerator::resume() {
  std::lock_guard lock(hold_mutex_);
  held_ = false;
  hold_requested_.store(false, std::memory_order_release);
  hold_cv_.notify_all();
}

bool UdpGenerator::finished() const {
  return options_.packet_limit &&
         finished_threads_.load(std::memory_order_acquire) == options_.cpus.size();
}

void UdpGenerator::fail(std::string why) {
  std::lock_guard lock(failure_mutex_);
  if (failure_.empty()) failure_ = std::move(why);
}

std::string UdpGenerator::failure() const {
  std::lock_guard lock(failure_mutex_);
  return failure_;
}

uint64_t UdpGenerator::sent_total() const {
  uint64_t total = 0;
  for (uint32_t f = 0; f < options_.flows; ++f)
    total += sent(f);
  return total;
}

uint64_t UdpGenerator::sent_bytes() const {
  return sent_total() * options_.payload_bytes;
}

void UdpGenerator::send_loop(size_t index, uint32_t first, uint32_t last, uint64_t limit) {
  pin_current_thread({options_.cpus[index]});
  if (first == last || limit == 0) {
    finished_threads_.fetch_add(1, std::memory_order_release);
    return;
  }
  const double pps = options_.pps ? static_cast<double>(options_.pps) / options_.cpus.size() : 0;
  // Bursts of at most ~1 ms of traffic keep the pacing smooth at low rates.
  const size_t batch_max =
      pps ? std::clamp<size_t>(static_cast<size_t>(pps / 1000), 1, kBatch) : kBatch;
  const double interval_ns = pps ? 1e9 / pps : 0;

  std::vector<std::byte> payloads(kBatch * options_.payload_bytes);
  std::vector<sockaddr_in> destinations(kBatch);
  std::vector<iovec> iovs(kBatch);
  std::vector<mmsghdr> messages(kBatch);
  for (size_t j = 0; j < kBatch; ++j) {
    iovs[j] = {payloads.data() + j * options_.payload_bytes, options_.payload_bytes};
    messages[j].msg_hdr = {};
    messages[j].msg_hdr.msg_name = &destinations[j];
    messages[j].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    messages[j].msg_hdr.msg_iov = &iovs[j];
    messages[j].msg_hdr.msg_iovlen = 1;
  }

  uint32_t cursor = first;
  uint64_t sent_here = 0;
  double next_ns = static_cast<double>(now_ns());
  while (!stop_.load(std::memory_order_relaxed)) {
    if (hold_requested_.load(std::memory_order_acquire)) {
      std::unique_lock lock(hold_mutex_);
      ++parked_;
      hold_cv_.notify_all();
      hold_cv_.wait(lock, [&] { return !held_ || stop_.load(); });
      --parked_;
      continue;
    }
    size_t n = std::min<size_t>(batch_max, last - cursor);
    // One sendmmsg goes through one socket: stop at the source-port block.
    n = std::min<size_t>(n, MAPSLA_TRAFFIC_DPORTS - cursor % MAPSLA_TRAFFIC_DPORTS);
    n = std::min<uint64_t>(n, limit - sent_here);
    for (size_t j = 0; j < n; ++j) {
      const uint32_t flow = cursor + static_cast<uint32_t>(j);
      destinations[j] = address(kRxAddress, static_cast<uint16_t>(MAPSLA_TRAFFIC_DPORT_BASE +
                                                                  flow % MAPSLA_TRAFFIC_DPORTS));
      const PayloadHead head{kMagic, flow, sent(flow) + 1};
      std::memcpy(payloads.data() + j * options_.payload_bytes, &head, sizeof(head));
    }
    const int fd = sockets_[cursor / MAPSLA_TRAFFIC_DPORTS].get();
    const int accepted = ::sendmmsg(fd, messages.data(), static_cast<unsigned>(n), 0);
    if (accepted < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS || errno == EAGAIN) {
        retried_errors_.fetch_add(1, std::memory_order_relaxed);
        sleep_until_ns(now_ns() + 100'000);
        continue;
      }
      throw std::system_error(errno, std::generic_category(),
                              fmt::format("sendmmsg to {} (flows {}…)", kRxAddress, cursor));
    }
    for (int j = 0; j < accepted; ++j)
      sent_[cursor + j].fetch_add(1, std::memory_order_relaxed);
    sent_here += static_cast<uint64_t>(accepted);
    cursor += static_cast<uint32_t>(accepted);
    if (cursor == last) cursor = first;
    if (sent_here >= limit) break;
    if (pps) {
      next_ns += accepted * interval_ns;
      const auto now = static_cast<double>(now_ns());
      if (next_ns < now)
        next_ns = now;  // fell behind: do not burst to catch up
      else
        sleep_until_ns(static_cast<uint64_t>(next_ns));
    }
  }
  if (sent_here >= limit) finished_threads_.fetch_add(1, std::memory_order_release);
}

}  // namespace mapsla
