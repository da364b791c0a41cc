#include "harness/net/traffic_link.h"

#include <map>
#include <stdexcept>

namespace mapsla {
namespace {

std::mutex g_links_mutex;
std::map<std::string, std::shared_ptr<TrafficLink>>& links() {
  static std::map<std::string, std::shared_ptr<TrafficLink>> by_run;
  return by_run;
}

}  // namespace

void TrafficLink::add_drop_source(std::function<InjectedDrops()> source) {
  std::lock_guard lock(mutex_);
  sources_.push_back(std::move(source));
}

std::vector<InjectedDrops> TrafficLink::injected_drops() const {
  std::vector<std::function<InjectedDrops()>> sources;
  {
    std::lock_guard lock(mutex_);
    sources = sources_;
  }
  std::vector<InjectedDrops> out;
  for (const auto& source : sources)
    out.push_back(source());
  return out;
}

void TrafficLink::set_traffic_hold(std::function<void(bool)> hold) {
  std::lock_guard lock(mutex_);
  hold_ = std::move(hold);
}

void TrafficLink::hold_traffic(bool held) const {
  // Called under the lock: the writer cannot clear the hook (and destroy
  // its generator) while a hold is being applied.
  std::lock_guard lock(mutex_);
  if (hold_) hold_(held);
}

void publish_traffic_link(const std::string& run_id, std::shared_ptr<TrafficLink> link) {
  std::lock_guard lock(g_links_mutex);
  if (!links().emplace(run_id, std::move(link)).second)
    throw std::logic_error("run " + run_id + " already has a traffic link");
}

void withdraw_traffic_link(const std::string& run_id) {
  std::lock_guard lock(g_links_mutex);
  links().erase(run_id);
}

std::shared_ptr<TrafficLink> find_traffic_link(const std::string& run_id) {
  std::lock_guard lock(g_links_mutex);
  auto it = links().find(run_id);
  return it == links().end() ? nullptr : it->second;
}

}  // namespace mapsla
