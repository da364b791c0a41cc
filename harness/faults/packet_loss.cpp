#include "harness/faults/packet_loss.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace mapsla {
namespace {

using namespace std::chrono_literals;
using Options = PacketLossFault::Options;

const char* to_string(PacketLossFault::Impl impl) {
  switch (impl) {
    case PacketLossFault::Impl::netem:
      return "netem";
    case PacketLossFault::Impl::ebpf:
      return "ebpf";
    default:
      return "auto";
  }
}

// Each field is checked on its own (Fields::check): all mistakes are reported.
std::shared_ptr<const FaultOptions> parse_options(Fields& f) {
  auto o = std::make_shared<Options>();
  std::string model;
  f.check([&] { model = f.one_of("model", {"random", "gilbert_elliott"}, "random"); });
  if (model == "random") {
    o->model = PacketLossFault::Model::random;
    for (const char* ge : {"p", "r", "h", "k"})
      if (f.has(ge)) f.check([&] { f.fail(ge, "belongs to `model: gilbert_elliott`"); });
    f.check([&] { o->percent = f.number("percent", 0, 100); });
    f.check([&] {
      o->correlation = f.number("correlation", 0, 100, 0);
      if (o->correlation >= 100)
        f.fail("correlation", "must be below 100 (100 % would freeze the first verdict forever)");
    });
  } else if (model == "gilbert_elliott") {
    o->model = PacketLossFault::Model::gilbert_elliott;
    for (const char* random : {"percent", "correlation"})
      if (f.has(random))
        f.check([&] {
          f.fail(random,
                 "does not apply to gilbert_elliott: its loss ratio follows from p, r, h, k");
        });
    const bool p_ok = f.check([&] { o->p = f.number("p", 0, 100); });
    if (p_ok) f.check([&] { o->r = f.number("r", 0, 100, 100 - o->p); });
    f.check([&] { o->h = f.number("h", 0, 100, 0); });
    f.check([&] { o->k = f.number("k", 0, 100, 100); });
  }
  // A wrong model leaves its fields unjudged (and so not called unknown).
  for (const char* key : {"percent", "correlation", "p", "r", "h", "k"})
    if (model.empty()) f.mark_known(key);
  f.check([&] { o->seed = f.integer("seed", 0, UINT64_MAX, 1); });
  const bool direction_ok = f.check([&] {
    o->direction = f.one_of("direction", {"egress", "ingress"}, "egress") == "ingress"
                       ? TcDirection::ingress
                       : TcDirection::egress;
  });
  const bool impl_ok = f.check([&] {
    const std::string impl = f.one_of("impl", {"auto", "netem", "ebpf"}, "auto");
    o->impl = impl == "netem"  ? PacketLossFault::Impl::netem
              : impl == "ebpf" ? PacketLossFault::Impl::ebpf
                               : PacketLossFault::Impl::automatic;
  });
  if (direction_ok && impl_ok && o->impl == PacketLossFault::Impl::netem &&
      o->direction == TcDirection::ingress)
    f.check([&] {
      f.fail("direction", "netem shapes egress only; use impl: ebpf (or auto) for ingress loss");
    });
  return o;
}

std::string unavailable_reason(const FaultSpec& spec, const KernelFeatures& features) {
  const auto& options = dynamic_cast<const Options&>(*spec.options);
  const PacketLossFault::Impl impl = PacketLossFault::resolve(options, features);
  if (impl == PacketLossFault::Impl::netem && !features.sch_netem.available)
    return "impl netem: " + features.sch_netem.detail;
  if (impl == PacketLossFault::Impl::ebpf && !features.cls_bpf.available)
    return fmt::format("impl ebpf: cls_bpf unavailable ({}){}", features.cls_bpf.detail,
                       options.impl == PacketLossFault::Impl::automatic
                           ? "; sch_netem: " + features.sch_netem.detail
                           : std::string());
  return "";
}

LossCounters minus(const LossCounters& a, const LossCounters& b) {
  return {a.passed - b.passed, a.dropped - b.dropped, a.other - b.other};
}

using Combine = EvidenceFigure::Combine;
using Format = EvidenceFigure::Format;

// One window: the implementation and why, packets dropped of those seen
// while active against the requested ratio and its tolerance, the injector gone.
EvidenceSummary summarize_window(const nlohmann::json& window) {
  EvidenceSummary s;
  if (!window.contains("gone")) return s;
  const nlohmann::json& gone = window["gone"];
  const std::string reason = gone.value("impl_reason", "");
  s.headline = gone.value("impl", "?") + (reason.empty() ? "" : " (" + reason + ")");
  const nlohmann::json ratio = gone.value("ratio_while_active", nlohmann::json());
  if (ratio.is_object()) {
    s.figures.push_back({"dropped", Combine::share, Format::count, ratio.value("dropped", 0.0),
                         ratio.value("n", 0.0), "", "packets"});
    s.figures.push_back(
        {"requested", Combine::last, Format::percent, ratio.value("requested", 0.0)});
    s.figures.push_back(
        {"tolerance", Combine::max, Format::percent, ratio.value("tolerance", 0.0)});
    s.figures.push_back({"within tolerance", Combine::count_true, Format::count,
                         ratio.value("within_tolerance", false) ? 1.0 : 0.0});
  }
  s.figures.push_back({"injector removed", Combine::count_true, Format::count,
                       gone.value("gone", false) ? 1.0 : 0.0});
  return s;
}

}  // namespace

LossChain Options::chain() const {
  if (model == Model::gilbert_elliott)
    return gilbert_elliott_chain(p / 100, r / 100, h / 100, k / 100);
  return correlated_chain(percent / 100, correlation / 100);
}

nlohmann::json Options::to_json() const {
  nlohmann::json out = {{"model", model == Model::random ? "random" : "gilbert_elliott"},
                        {"seed", seed},
                        {"direction", mapsla::to_string(direction)},
                        {"impl", to_string(impl)},
                        {"expected_loss_percent", expected_loss(chain()) * 100}};
  if (model == Model::random) {
    out["percent"] = percent;
    out["correlation"] = correlation;
  } else {
    out["p"] = p;
    out["r"] = r;
    out["h"] = h;
    out["k"] = k;
  }
  return out;
}

FaultDescriptor PacketLossFault::descriptor() {
  FaultDescriptor d{
      "packet_loss",
      "drops the traffic writer's packets (netem, or a seeded eBPF tc program)",
      parse_options,
      unavailable_reason,
      [](const FaultSpec& spec, const FaultContext& context) -> std::unique_ptr<Fault> {
        return std::make_unique<PacketLossFault>(spec, context);
      },
      FaultScope::window,
      {},
      [](const FaultSpec&, const Scenario& scenario) -> std::string {
        if (scenario.writer.driver == "traffic") return {};
        return fmt::format(
            "packet_loss drops the traffic writer's packets: the scenario needs "
            "`writer: {{driver: traffic}}` (its writer is `{}`)",
            scenario.writer.driver);
      }};
  d.summarize = summarize_window;
  return d;
}

PacketLossFault::Impl PacketLossFault::resolve(const Options& options,
                                               const KernelFeatures& features) {
  if (options.impl != Impl::automatic) return options.impl;
  if (options.direction == TcDirection::egress && features.sch_netem.available) return Impl::netem;
  return Impl::ebpf;
}

PacketLossFault::PacketLossFault(const FaultSpec& spec, const FaultContext& context)
    : options_(dynamic_cast<const Options&>(*spec.options)), chain_(options_.chain()) {
  link_ = find_traffic_link(context.run_id);
  if (!link_)
    throw std::runtime_error(
        fmt::format("packet_loss drops the traffic writer's packets: the scenario needs "
                    "`writer: {{driver: traffic}}` (its writer is `{}`)",
                    context.scenario.writer.driver));
  chains_ = static_cast<int>(link_->sender_cpus().size());
  // Waiting for packets counts in the `during` phase: keep it to a quarter.
  if (context.active_for.count() > 0)
    verify_wait_ = std::clamp<std::chrono::nanoseconds>(context.active_for / 4, 50ms, 1s);
  const Impl impl = resolve(options_, context.features);
  if (options_.impl == Impl::automatic)
    impl_reason_ = impl == Impl::netem ? "auto: the kernel has sch_netem"
                   : options_.direction == TcDirection::ingress
                       ? "auto: ingress loss needs the eBPF injector"
                       : "auto: " + context.features.sch_netem.detail + "; eBPF fallback";
  else
    impl_reason_ = "requested";
  if (impl == Impl::netem) {
    auto netem = std::make_unique<NetemInjector>(*link_, chain_, options_.seed);
    link_->add_drop_source([total = netem->dropped_total()] {
      return InjectedDrops{"packet_loss/netem", {}, total->load()};
    });
    injector_ = std::move(netem);
  } else {
    auto ebpf =
        std::make_unique<EbpfLossInjector>(*link_, chain_, options_.seed, options_.direction);
    verdicts_ = ebpf->verdicts();
    link_->add_drop_source([verdicts = verdicts_] {
      InjectedDrops drops{"packet_loss/ebpf", std::vector<uint64_t>(verdicts->size()), 0};
      for (uint32_t flow = 0; flow < verdicts->size(); ++flow) {
        drops.per_flow[flow] = verdicts->load(flow, &mapsla_loss_flow::dropped);
        drops.total += drops.per_flow[flow];
      }
      return drops;
    });
    injector_ = std::move(ebpf);
  }
}

PacketLossFault::~PacketLossFault() {
  stop();
}

nlohmann::json PacketLossFault::header() const {
  return {{"impl", injector_->impl()},
          {"impl_reason", impl_reason_},
          {"netns", injector_->netns()},
          {"dev", injector_->dev()},
          {"direction", mapsla::to_string(options_.direction)},
          {"seed", options_.seed}};
}

void PacketLossFault::start() {
  if (active_) return;
  at_start_ = injector_->counters();
  {
    TrafficHold hold(*link_);
    injector_->attach();
  }
  active_ = true;
}

LossCounters PacketLossFault::activation_counters() const {
  return minus(active_ ? injector_->counters() : at_stop_, at_start_);
}

nlohmann::json PacketLossFault::verify_active() {
  if (!active_) throw std::logic_error("packet_loss: verify_active() before start()");
  if (!injector_->in_effect())
    throw std::runtime_error(fmt::format("packet_loss: the {} injector is not in place on {} ({})",
                                         injector_->impl(), injector_->dev(), injector_->netns()));
  const auto deadline = std::chrono::steady_clock::now() + verify_wait_;
  LossCounters c = activation_counters();
  while (c.passed + c.dropped < kMinPackets && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    c = activation_counters();
  }
  nlohmann::json out = header();
  out["in_effect"] = true;
  out["counters"] = injector_->evidence();
  out["ratio"] = check_ratio(chain_, c.dropped, c.passed + c.dropped, chains_).to_json();
  out["min_packets"] = kMinPackets;
  return out;
}

void PacketLossFault::stop() {
  if (!active_) return;
  {
    TrafficHold hold(*link_);
    injector_->detach();
  }
  at_stop_ = injector_->counters();
  active_ = false;
}

nlohmann::json PacketLossFault::verify_gone() {
  nlohmann::json state;
  const bool gone = !active_ && !injector_->in_effect() && injector_->gone(state);
  const LossCounters c = activation_counters();
  nlohmann::json out = header();
  out["gone"] = gone;
  out["device"] = state;
  out["ratio_while_active"] =
      check_ratio(chain_, c.dropped, c.passed + c.dropped, chains_).to_json();
  return out;
}

std::vector<uint64_t> PacketLossFault::dropped_per_flow() const {
  std::vector<uint64_t> out;
  if (!verdicts_) return out;
  out.resize(verdicts_->size());
  for (uint32_t flow = 0; flow < verdicts_->size(); ++flow)
    out[flow] = verdicts_->load(flow, &mapsla_loss_flow::dropped);
  return out;
}

}  // namespace mapsla
