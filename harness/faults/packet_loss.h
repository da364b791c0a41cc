// `packet_loss`: drops the traffic writer's packets on its veth, so the map's
// counts lag and readers see the map of a lossy network. Needs the `traffic`
// writer in the same scenario: the fault finds the writer's veth through the
// run's TrafficLink (harness/net/traffic_link.h).
//
// Fields (docs/scenarios.md): `model: random` with `percent` and optional
// `correlation` (both in percent), or `model: gilbert_elliott` with p, r, h,
// k (percent; see loss_model.h); `seed`; `direction` (egress of the tx veth,
// or ingress of the rx veth); `impl: auto | netem | ebpf`. `auto` takes netem
// when the kernel has sch_netem and the direction is egress, else the eBPF
// injector. `impl: netem` without sch_netem makes the fault unavailable, so
// its cells are `skipped` with the reason.
//
// Evidence: verify_active() waits until the injector has seen at least
// kMinPackets (or a quarter of the planned active time, at most 1 s), then
// reports the implementation, its raw counters and
// the observed drop ratio against the requested one with the tolerance for n
// packets (loss_model.h). verify_gone() proves the filter or qdisc is gone
// and reports the ratio over the whole active period. Throws from start() or
// verify_active() only when the injector is not in effect at all.
//
// start() and stop() hold the generator (TrafficHold) while they change the
// device: a qdisc graft deactivates it and drops packets in flight silently.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/faults/fault.h"
#include "harness/faults/loss_injector.h"
#include "harness/faults/loss_model.h"

namespace mapsla {

class PacketLossFault final : public Fault {
 public:
  enum class Model { random, gilbert_elliott };
  enum class Impl { automatic, netem, ebpf };

  struct Options final : FaultOptions {
    Model model = Model::random;
    double percent = 0;                     // random: loss ratio in percent
    double correlation = 0;                 // random: lag-1 correlation of drops, percent, < 100
    double p = 0, r = 100, h = 0, k = 100;  // gilbert_elliott, percent
    uint64_t seed = 1;
    TcDirection direction = TcDirection::egress;
    Impl impl = Impl::automatic;

    LossChain chain() const;
    nlohmann::json to_json() const override;
  };

  static constexpr uint64_t kMinPackets = 5000;

  static FaultDescriptor descriptor();
  // The implementation `auto` resolves to on this kernel.
  static Impl resolve(const Options& options, const KernelFeatures& features);

  // Throws when the scenario has no traffic writer or the injector cannot
  // be built (BpfError, CommandError).
  PacketLossFault(const FaultSpec& spec, const FaultContext& context);
  ~PacketLossFault() override;

  std::string kind() const override { return "packet_loss"; }
  void start() override;
  nlohmann::json verify_active() override;
  void stop() override;
  nlohmann::json verify_gone() override;

  std::string impl() const { return injector_->impl(); }
  // eBPF only (empty for netem): drops per flow so far.
  std::vector<uint64_t> dropped_per_flow() const;
  // Counters of the current (or last) activation.
  LossCounters activation_counters() const;

 private:
  nlohmann::json header() const;

  Options options_;
  LossChain chain_;
  std::string impl_reason_;
  std::shared_ptr<TrafficLink> link_;
  std::unique_ptr<LossInjector> injector_;
  std::shared_ptr<const MappedArray<mapsla_loss_flow>> verdicts_;  // eBPF only
  int chains_ = 1;
  std::chrono::nanoseconds verify_wait_ = std::chrono::seconds(1);
  bool active_ = false;
  LossCounters at_start_, at_stop_;
};

}  // namespace mapsla
