#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>

#include <fmt/format.h>

#include "bpf/record.h"
#include "core/bpf/error.h"
#include "core/bpf/map.h"
#include "core/net/command.h"
#include "harness/faults/loss_injector.h"

namespace mapsla {
namespace {

// Each CPU's stream is a different splitmix of the seed; xorshift64* must
// not start at 0.
uint64_t seed_for_cpu(uint64_t seed, uint32_t cpu) {
  const uint64_t state = mapsla_mix64(seed ^ mapsla_mix64(cpu + 0x9e3779b97f4a7c15ULL));
  return state ? state : 0x9e3779b97f4a7c15ULL;
}

}  // namespace

nlohmann::json tc_device_state(const std::string& netns, const std::string& dev) {
  nlohmann::json state = {{"qdiscs", nlohmann::json::array()},
                          {"filters", nlohmann::json::array()}};
  const CommandResult qdiscs = run_command({"tc", "-n", netns, "-j", "qdisc", "show", "dev", dev});
  if (!qdiscs.ok()) {
    state["error"] = qdiscs.err;
    return state;
  }
  const auto q = nlohmann::json::parse(qdiscs.out, nullptr, false);
  if (q.is_array())
    for (const auto& qdisc : q)
      state["qdiscs"].push_back(qdisc.value("kind", "?"));
  for (const char* direction : {"ingress", "egress"}) {
    const CommandResult filters =
        run_command({"tc", "-n", netns, "-j", "filter", "show", "dev", dev, direction});
    if (!filters.ok()) continue;  // no clsact: no filters either
    const auto f = nlohmann::json::parse(filters.out, nullptr, false);
    if (!f.is_array()) continue;
    for (const auto& filter : f) {
      if (!filter.contains("options")) continue;  // the chain header line
      state["filters"].push_back(
          {{"direction", direction},
           {"pref", filter.value("pref", 0)},
           {"kind", filter.value("kind", "?")},
           {"prog", filter["options"].contains("prog") ? filter["options"]["prog"].value("name", "")
                                                       : std::string()}});
    }
  }
  return state;
}

EbpfLossInjector::EbpfLossInjector(const TrafficLink& link, const LossChain& chain, uint64_t seed,
                                   TcDirection direction)
    : netns_(direction == TcDirection::egress ? link.names().tx_netns : link.names().rx_netns),
      dev_(direction == TcDirection::egress ? link.names().tx_dev : link.names().rx_dev),
      direction_(direction),
      priority_(direction == TcDirection::egress ? kEgressPriority : kIngressPriority) {
  skeleton_.reset(mapsla_loss__open());
  if (!skeleton_) throw BpfError("open", "mapsla_loss skeleton", errno);
  skeleton_->rodata->p_threshold = loss_threshold(chain.p);
  skeleton_->rodata->r_threshold = loss_threshold(chain.r);
  skeleton_->rodata->loss_good_threshold = loss_threshold(chain.loss_good);
  skeleton_->rodata->loss_bad_threshold = loss_threshold(chain.loss_bad);
  skeleton_->rodata->flows = link.flows();
  in_addr rx{};
  ::inet_pton(AF_INET, kRxAddress, &rx);
  skeleton_->rodata->dst_ip = rx.s_addr;
  check_libbpf(bpf_map__set_max_entries(skeleton_->maps.flow_verdicts, link.flows()),
               "bpf_map__set_max_entries", "loss flow_verdicts");
  check_libbpf(mapsla_loss__load(skeleton_.get()), "load", "mapsla_loss (loss.bpf.c)");

  std::vector<mapsla_loss_rng> states(possible_cpus());
  for (uint32_t cpu = 0; cpu < states.size(); ++cpu)
    states[cpu] = {seed_for_cpu(seed, cpu), 0, 0};
  const uint32_t zero = 0;
  check_libbpf(bpf_map_update_elem(bpf_map__fd(skeleton_->maps.rng), &zero, states.data(), BPF_ANY),
               "bpf_map_update_elem", "loss rng seed");
  verdicts_ = std::make_shared<MappedArray<mapsla_loss_flow>>(
      bpf_map__fd(skeleton_->maps.flow_verdicts), link.flows(), "loss flow_verdicts");
}

void EbpfLossInjector::attach() {
  if (attachment_) return;
  attachment_ = std::make_unique<TcAttachment>(netns_, dev_, direction_,
                                               bpf_program__fd(skeleton_->progs.drop_packets),
                                               priority_, "packet_loss program");
}

void EbpfLossInjector::detach() noexcept {
  attachment_.reset();
}

bool EbpfLossInjector::in_effect() const {
  return attachment_ && attachment_->attached_in_kernel();
}

LossCounters EbpfLossInjector::counters() const {
  std::vector<mapsla_loss_totals> per_cpu(possible_cpus());
  const uint32_t zero = 0;
  LossCounters out;
  if (bpf_map_lookup_elem(bpf_map__fd(skeleton_->maps.totals), &zero, per_cpu.data()) != 0)
    throw BpfError("bpf_map_lookup_elem", "loss totals", errno);
  for (const auto& t : per_cpu) {
    out.passed += t.passed;
    out.dropped += t.dropped;
    out.other += t.other;
  }
  return out;
}

nlohmann::json EbpfLossInjector::evidence() const {
  const LossCounters c = counters();
  nlohmann::json out = {{"source", "BPF counters of loss.bpf.c (per-CPU totals, summed)"},
                        {"flow_packets_passed", c.passed},
                        {"flow_packets_dropped", c.dropped},
                        {"other_packets_passed", c.other},
                        {"netns", netns_},
                        {"dev", dev_},
                        {"direction", to_string(direction_)},
                        {"tc_priority", priority_}};
  if (attachment_) out["prog_id"] = attachment_->prog_id();
  return out;
}

bool EbpfLossInjector::gone(nlohmann::json& state) const {
  state = tc_device_state(netns_, dev_);
  if (state.contains("error")) return false;
  for (const auto& filter : state["filters"])
    if (filter["pref"] == priority_ || filter["prog"] == "drop_packets") return false;
  // On the tx egress the injector made the clsact qdisc; nothing else uses it.
  if (direction_ == TcDirection::egress)
    for (const auto& kind : state["qdiscs"])
      if (kind == "clsact") return false;
  return true;
}

}  // namespace mapsla
