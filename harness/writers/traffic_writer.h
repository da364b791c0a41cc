// `traffic`: the map is written by packets. Two network namespaces joined by
// a veth pair (core/net/netns.h); a UDP generator in the tx namespace
// sends one flow per key of the map (harness/net/udp_generator.h); a tc
// ingress program on the rx veth (bpf/traffic_counter.bpf.c, cls_bpf direct
// action) counts every packet and byte per flow and rewrites the flow's
// record to version 1 + packets counted (the prefill's version 1 means "no
// packet yet"), in the scenario's pattern (inplace, replace or seqlock).
//
// Counter program. The object holds two: `fetch_add` (count_flow, an atomic
// fetch-and-add, Linux 5.12) and `spin_lock` (count_flow_locked, a per-flow
// bpf_spin_lock, for 5.10). `counter: auto` (the default) loads fetch_add
// where the probe `traffic_counter` found it loads, else spin_lock; stats()
// records the one loaded as `counter_program`. Counts, versions and the oracle
// are the same with either.
//
// Committed versions. The counts exist only in the kernel, so the counter
// bumps a per-flow `committed` word after each record write, and a publisher
// thread (on the writer CPUs) copies 1 + committed of every flow to the
// VersionBoard every 5 ms from an mmap of the counter array. A published
// version is therefore already in the map: the oracle's "stale" is sound,
// though up to 5 ms lenient.
//
// Correctness oracle. After stop() (traffic quiet), every flow must satisfy
//   sent − dropped by injectors == counted == record version − 1,
// with `sent` from the generator, `dropped` from every injector registered on
// the run's TrafficLink (packet_loss), `counted` from the counter. stats()
// reports the totals, the first mismatching flows and `reconciled`, and the
// veth drop counters as evidence of losses nobody injected.
//
// The writer publishes its TrafficLink under the run id (traffic_link.h) so
// that a packet_loss fault of the same run can attach to its veth.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "bpf/traffic.h"
#include "core/bpf/mapped_array.h"
#include "core/bpf/skeleton.h"
#include "core/bpf/tc_attachment.h"
#include "core/net/netns.h"
#include "harness/net/traffic_link.h"
#include "harness/net/udp_generator.h"
#include "harness/writers/writer.h"
#include "mapsla_traffic_counter.skel.h"

namespace mapsla {

enum class TrafficCounterProgram { fetch_add, spin_lock };
const char* to_string(TrafficCounterProgram program);

static_assert(sizeof(mapsla_flow_count) == 32);
static_assert(sizeof(mapsla_counter_totals) == 32);

class TrafficWriter final : public WriterDriver {
 public:
  struct Options final : WriterOptions {
    uint64_t pps = 100000;  // packets per second over all sender threads; 0 = max
    uint32_t payload_bytes = 64;
    uint64_t packets = 0;  // stop sending after this many packets; 0 = until stopped
    std::optional<TrafficCounterProgram> counter;  // nullopt = auto
    nlohmann::json to_json() const override;
  };

  static WriterDescriptor descriptor();
  // The counter program to load: `requested` if the kernel takes it, else
  // (auto) fetch_add, else spin_lock; or why none can be loaded.
  static std::variant<TrafficCounterProgram, std::string> choose_counter(
      std::optional<TrafficCounterProgram> requested, const KernelFeatures& features);

  // Builds the namespaces, veth, counter and generator sockets; throws
  // (BpfError, CommandError, std::system_error) with everything undone.
  explicit TrafficWriter(const WriterContext& context);
  ~TrafficWriter() override;

  void start() override;
  void stop() override;
  std::string failure() const override;
  nlohmann::json stats() const override;

  const LinkNames& names() const { return link_->names(); }
  // True once a `packets` budget has been sent in full.
  bool generator_finished() const { return generator_->finished(); }
  // Per-flow packets the counter counted (exact once stopped).
  uint64_t counted(uint32_t flow) const { return counts_.load(flow, &mapsla_flow_count::packets); }

 private:
  void publish_loop();
  void publish_once();
  void wait_until_quiet() const;
  nlohmann::json reconcile() const;

  WriterSpec spec_;
  Options options_;
  uint32_t flows_;
  TrafficCounterProgram counter_program_ = TrafficCounterProgram::fetch_add;
  std::string run_id_;
  VersionBoard& board_;
  MapView target_;
  // Declared first: destroyed last, after the sockets and the filter.
  std::unique_ptr<VethLink> link_;
  SkeletonPtr<mapsla_traffic_counter> skeleton_{nullptr, mapsla_traffic_counter__destroy};
  MappedArray<mapsla_flow_count> counts_;
  std::unique_ptr<TcAttachment> counter_;
  std::shared_ptr<TrafficLink> traffic_link_;
  std::unique_ptr<UdpGenerator> generator_;
  std::thread publisher_;
  std::atomic<bool> stop_publisher_{false};
  std::vector<uint64_t> published_;  // committed count last published, per flow
  bool running_ = false;
  nlohmann::json final_;  // reconcile and veth evidence, taken at stop()
};

}  // namespace mapsla
