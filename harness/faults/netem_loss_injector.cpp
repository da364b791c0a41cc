#include <fmt/format.h>

#include "core/net/command.h"
#include "harness/faults/loss_injector.h"

namespace mapsla {
namespace {

bool netem_takes_seed() {
  const CommandResult help = run_command({"tc", "qdisc", "add", "netem", "help"});
  const std::string text = help.out + help.err;
  return text.find("seed") != std::string::npos;
}

}  // namespace

NetemInjector::NetemInjector(const TrafficLink& link, const LossChain& chain, uint64_t seed)
    : netns_(link.names().tx_netns), dev_(link.names().tx_dev), arguments_(netem_loss_args(chain)) {
  if (netem_takes_seed()) {
    arguments_.push_back("seed");
    arguments_.push_back(std::to_string(seed));
    seeded_ = true;
  }
}

NetemInjector::~NetemInjector() {
  detach();
}

void NetemInjector::attach() {
  if (attached_) return;
  std::vector<std::string> argv = {"tc",  "-n", netns_, "qdisc", "add",
                                   "dev", dev_, "root", "netem"};
  argv.insert(argv.end(), arguments_.begin(), arguments_.end());
  run_checked(argv);
  attached_ = true;
}

void NetemInjector::detach() noexcept {
  if (!attached_) return;
  try {
    last_ = counters();  // the qdisc's counters die with it
    dropped_total_->store(last_.dropped);
    before_ = last_;
    run_command({"tc", "-n", netns_, "qdisc", "del", "dev", dev_, "root"});
  } catch (...) {
    // The namespace is gone: so is the qdisc.
  }
  attached_ = false;
}

nlohmann::json NetemInjector::read_qdisc() const {
  const CommandResult r =
      run_command({"tc", "-n", netns_, "-s", "-j", "qdisc", "show", "dev", dev_});
  if (!r.ok()) return nullptr;
  const auto qdiscs = nlohmann::json::parse(r.out, nullptr, false);
  if (!qdiscs.is_array()) return nullptr;
  for (const auto& q : qdiscs)
    if (q.value("kind", "") == "netem") return q;
  return nullptr;
}

bool NetemInjector::in_effect() const {
  return attached_ && !read_qdisc().is_null();
}

LossCounters NetemInjector::counters() const {
  if (!attached_) return last_;
  const nlohmann::json q = read_qdisc();
  LossCounters out = before_;
  if (q.is_null()) return out;
  out.passed += q.value("packets", uint64_t{0});
  out.dropped += q.value("drops", uint64_t{0});
  return out;
}

nlohmann::json NetemInjector::evidence() const {
  return {{"source", "tc -s -j qdisc show (netem)"},
          {"qdisc", attached_ ? read_qdisc() : nlohmann::json()},
          {"arguments", arguments_},
          {"seeded", seeded_},
          {"netns", netns_},
          {"dev", dev_}};
}

bool NetemInjector::gone(nlohmann::json& state) const {
  state = tc_device_state(netns_, dev_);
  if (state.contains("error")) return false;
  for (const auto& kind : state["qdiscs"])
    if (kind == "netem") return false;
  return true;
}

}  // namespace mapsla
