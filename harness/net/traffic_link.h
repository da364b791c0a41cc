// How a fault finds the traffic writer's network objects: the writer
// publishes its TrafficLink under the run id for as long as it lives, and a
// fault of the same run looks it up (the runner starts the writer before the
// faults). The link also carries the other direction: an injector registers a
// reader of its drop counts, which the writer reads once traffic is quiet to
// reconcile sent − dropped with what it counted, and can hold the traffic
// while it changes the tx device's qdiscs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/net/netns.h"

namespace mapsla {

// Drops one injector made, as counted by the injector itself.
struct InjectedDrops {
  std::string source;              // "packet_loss/ebpf", "packet_loss/netem"
  std::vector<uint64_t> per_flow;  // empty when the injector cannot tell flows apart
  uint64_t total = 0;              // flow packets dropped (all packets for netem)
};

class TrafficLink {
 public:
  // tc priority of the writer's counter on the rx ingress; an ingress
  // injector attaches with a lower number so that it runs first.
  static constexpr uint32_t kCounterPriority = 10;

  TrafficLink(LinkNames names, uint32_t flows, std::vector<int> sender_cpus)
      : names_(std::move(names)), flows_(flows), sender_cpus_(std::move(sender_cpus)) {}

  const LinkNames& names() const { return names_; }
  uint32_t flows() const { return flows_; }
  const std::vector<int>& sender_cpus() const { return sender_cpus_; }

  // Thread-safe. `source` must stay callable after its injector is gone (it
  // owns what it reads) and is called only once traffic has stopped.
  void add_drop_source(std::function<InjectedDrops()> source);
  std::vector<InjectedDrops> injected_drops() const;

  // Grafting a qdisc on a device deactivates it for a moment, dropping the
  // packets in flight without a trace; an injector brackets such changes
  // with hold_traffic(true) … hold_traffic(false), which parks the generator
  // between two sendmmsg calls. The writer installs the hook (and clears it
  // before it goes); without one, hold_traffic does nothing. Thread-safe.
  void set_traffic_hold(std::function<void(bool)> hold);
  void hold_traffic(bool held) const;

 private:
  LinkNames names_;
  uint32_t flows_;
  std::vector<int> sender_cpus_;
  mutable std::mutex mutex_;
  std::vector<std::function<InjectedDrops()>> sources_;
  std::function<void(bool)> hold_;
};

// Holds the run's traffic for its lifetime (see TrafficLink::hold_traffic).
class TrafficHold {
 public:
  explicit TrafficHold(const TrafficLink& link) : link_(link) { link_.hold_traffic(true); }
  TrafficHold(const TrafficHold&) = delete;
  TrafficHold& operator=(const TrafficHold&) = delete;
  ~TrafficHold() { link_.hold_traffic(false); }

 private:
  const TrafficLink& link_;
};

// Process-wide registry by run id (thread-safe). publish throws
// std::logic_error when the run already has a link.
void publish_traffic_link(const std::string& run_id, std::shared_ptr<TrafficLink> link);
void withdraw_traffic_link(const std::string& run_id);
std::shared_ptr<TrafficLink> find_traffic_link(const std::string& run_id);

}  // namespace mapsla
