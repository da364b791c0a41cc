// The two ways packet_loss drops packets on the traffic writer's veth.
//
//   EbpfLossInjector   bpf/loss.bpf.c as a cls_bpf direct-action filter on
//                      the tx egress (or the rx ingress, ahead of the
//                      counter); seeded per-CPU xorshift64*, exact per-flow
//                      and total counters, reproducible given the seed and
//                      the packet sequence.
//   NetemInjector      `tc qdisc add dev TX root netem loss …` on the tx
//                      egress; counters from `tc -s -j qdisc` (netem counts
//                      all packets and cannot tell flows apart).
//
// attach()/detach() may alternate; counters are cumulative over the
// injector's life. Not thread-safe: the fault calls it from one thread.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bpf/traffic.h"
#include "core/bpf/mapped_array.h"
#include "core/bpf/skeleton.h"
#include "core/bpf/tc_attachment.h"
#include "harness/faults/loss_model.h"
#include "harness/net/traffic_link.h"
#include "mapsla_loss.skel.h"

namespace mapsla {

static_assert(sizeof(mapsla_loss_flow) == 16);
static_assert(sizeof(mapsla_loss_totals) == 32);
static_assert(sizeof(mapsla_loss_rng) == 16);

struct LossCounters {
  uint64_t passed = 0;   // packets the injector let through (flow packets for eBPF)
  uint64_t dropped = 0;  // packets it dropped
  uint64_t other = 0;    // eBPF: non-flow packets, always passed
};

class LossInjector {
 public:
  virtual ~LossInjector() = default;
  virtual std::string impl() const = 0;
  virtual const std::string& netns() const = 0;
  virtual const std::string& dev() const = 0;
  // Throws (BpfError, CommandError) when the kernel refuses.
  virtual void attach() = 0;
  virtual void detach() noexcept = 0;
  // Asks the kernel whether the filter or qdisc is in place.
  virtual bool in_effect() const = 0;
  // Cumulative; after detach(), the values read as it detached.
  virtual LossCounters counters() const = 0;
  // The raw evidence behind counters(): BPF counters, or `tc -s qdisc`.
  virtual nlohmann::json evidence() const = 0;
  // True when nothing of the injector is left on the device; `state` gets
  // the device's qdiscs and filters as tc reports them.
  virtual bool gone(nlohmann::json& state) const = 0;
};

class EbpfLossInjector final : public LossInjector {
 public:
  // tc priority on the rx ingress: below TrafficLink::kCounterPriority.
  static constexpr uint32_t kIngressPriority = 5;
  static constexpr uint32_t kEgressPriority = 1;

  // Loads and seeds the program; throws BpfError.
  EbpfLossInjector(const TrafficLink& link, const LossChain& chain, uint64_t seed,
                   TcDirection direction);
  std::string impl() const override { return "ebpf"; }
  const std::string& netns() const override { return netns_; }
  const std::string& dev() const override { return dev_; }
  void attach() override;
  void detach() noexcept override;
  bool in_effect() const override;
  LossCounters counters() const override;
  nlohmann::json evidence() const override;
  bool gone(nlohmann::json& state) const override;

  // Per-flow drops, readable after the injector is gone (the mapping keeps
  // the map alive).
  std::shared_ptr<const MappedArray<mapsla_loss_flow>> verdicts() const { return verdicts_; }

 private:
  std::string netns_, dev_;
  TcDirection direction_;
  uint32_t priority_;
  SkeletonPtr<mapsla_loss> skeleton_{nullptr, mapsla_loss__destroy};
  std::shared_ptr<MappedArray<mapsla_loss_flow>> verdicts_;
  std::unique_ptr<TcAttachment> attachment_;
};

class NetemInjector final : public LossInjector {
 public:
  // Throws when the device is not in the namespace.
  NetemInjector(const TrafficLink& link, const LossChain& chain, uint64_t seed);
  ~NetemInjector() override;
  std::string impl() const override { return "netem"; }
  const std::string& netns() const override { return netns_; }
  const std::string& dev() const override { return dev_; }
  void attach() override;
  void detach() noexcept override;
  bool in_effect() const override;
  LossCounters counters() const override;
  nlohmann::json evidence() const override;
  bool gone(nlohmann::json& state) const override;

  // netem's arguments as run, and whether `seed` was among them (iproute2
  // gained netem's `seed` in 6.x; without it netem's drops are not
  // reproducible).
  const std::vector<std::string>& arguments() const { return arguments_; }
  bool seeded() const { return seeded_; }
  // Total drops over every activation, updated at detach().
  std::shared_ptr<const std::atomic<uint64_t>> dropped_total() const { return dropped_total_; }

 private:
  nlohmann::json read_qdisc() const;

  std::string netns_, dev_;
  std::vector<std::string> arguments_;
  bool seeded_ = false;
  bool attached_ = false;
  LossCounters before_;  // from earlier activations
  LossCounters last_;    // as read at the last detach
  std::shared_ptr<std::atomic<uint64_t>> dropped_total_ =
      std::make_shared<std::atomic<uint64_t>>(0);
};

// The qdiscs and filters tc reports on a device (for verify_gone evidence).
nlohmann::json tc_device_state(const std::string& netns, const std::string& dev);

}  // namespace mapsla
