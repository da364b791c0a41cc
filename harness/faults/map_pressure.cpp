#include "harness/faults/map_pressure.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <limits>
#include <span>

#include <fmt/format.h>

#include "core/bpf/error.h"
#include "core/bpf/oracle_record.h"
#include "core/util/affinity.h"
#include "core/util/clock.h"
#include "harness/target_map.h"
#include "model/version_board.h"

namespace mapsla {
using namespace std::chrono_literals;
using Options = MapPressureFault::Options;

namespace {

// Each field is checked on its own (Fields::check): all mistakes are reported.
std::shared_ptr<const FaultOptions> parse_options(Fields& f) {
  auto options = std::make_shared<Options>();
  f.check([&] {
    options->extra_keys = static_cast<uint32_t>(f.integer("extra_keys", 1, 1u << 24, 0));
  });
  f.check([&] {
    if (f.has("rate") && f.yaml()["rate"].IsScalar() && f.yaml()["rate"].Scalar() == "max") {
      f.string("rate");
      options->rate = 0;
    } else {
      options->rate = f.integer("rate", 1, 1'000'000'000, 0);
    }
  });
  f.check([&] { options->deletes = f.boolean("deletes", false); });
  f.check([&] {
    if (!f.has("cpus")) return;
    options->cpus = f.cpu_list("cpus", std::nullopt);
    const int online = online_cpus();
    for (int cpu : options->cpus)
      if (cpu >= online)
        f.fail("cpus",
               fmt::format("CPU {} does not exist here (online CPUs: 0-{})", cpu, online - 1));
  });
  f.mark_known("cpus");
  return options;
}

void sleep_until_ns(uint64_t deadline) {
  timespec ts{static_cast<time_t>(deadline / 1'000'000'000ull),
              static_cast<long>(deadline % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

using Combine = EvidenceFigure::Combine;
using Format = EvidenceFigure::Format;

// One window: the fault's inserts, failures by errno and evictions over the
// whole window (its counters when it stopped), and where the evictions come from.
EvidenceSummary summarize_window(const nlohmann::json& window) {
  EvidenceSummary s;
  if (!window.contains("gone")) return s;
  const nlohmann::json& gone = window["gone"];
  const nlohmann::json& c = gone.contains("counters_at_stop") ? gone["counters_at_stop"] : gone;
  auto number = [&](const char* key) {
    return c.contains(key) && c[key].is_number() ? c[key].get<double>() : 0.0;
  };
  s.figures.push_back({"inserts", Combine::sum, Format::count, number("inserts")});
  bool failed = false;
  if (c.contains("failures") && c["failures"].is_object())
    for (const auto& [name, count] : c["failures"].items())
      if (count.is_number()) {
        s.figures.push_back(
            {"failures", Combine::sum_by_text, Format::count, count.get<double>(), 0, name});
        failed = true;
      }
  if (!failed) s.figures.push_back({"failures", Combine::sum_by_text, Format::count, 0});
  std::string source;
  if (c.contains("evictions_source"))
    source = c.contains("evictions_kernel") && !c["evictions_kernel"].is_null()
                 ? " (kernel count)"
                 : " (observed, a lower bound)";
  s.figures.push_back({"evictions" + source, Combine::sum, Format::count, number("evictions")});
  return s;
}

}  // namespace

nlohmann::json Options::to_json() const {
  return {{"extra_keys", extra_keys ? nlohmann::json(extra_keys) : "the map's entries"},
          {"rate", rate ? nlohmann::json(rate) : "max"},
          {"deletes", deletes},
          {"cpus", cpus.empty() ? nlohmann::json("the writer's") : nlohmann::json(cpus)}};
}

FaultDescriptor MapPressureFault::descriptor() {
  FaultDescriptor d{
      "map_pressure",
      "a thread keeps more keys than the map holds: LRU evictions, E2BIG, churn",
      parse_options,
      [](const FaultSpec&, const KernelFeatures&) { return std::string(); },
      [](const FaultSpec& spec, const FaultContext& context) -> std::unique_ptr<Fault> {
        return std::make_unique<MapPressureFault>(spec, context);
      },
      FaultScope::window,
      {},
      [](const FaultSpec&, const Scenario& scenario) -> std::string {
        const MapSpec& map = scenario.map;
        if (map.kind != MapKind::hash && map.kind != MapKind::lru_hash)
          return fmt::format("map_pressure needs a hash or lru_hash map (this scenario's is {})",
                             to_string(map.kind));
        if (scenario.writer.pattern == WriterPattern::locked)
          return "map_pressure cannot write spin-locked values (writer pattern locked)";
        return {};
      }};
  d.summarize = summarize_window;
  return d;
}

MapPressureFault::MapPressureFault(const FaultSpec& spec, const FaultContext& context)
    : options_(dynamic_cast<const Options&>(*spec.options)),
      target_(*context.target),
      board_(*context.board),
      lru_(context.scenario.map.kind == MapKind::lru_hash),
      writer_running_(context.scenario.writer.driver != "none"),
      keys_(context.scenario.map.keys),
      extra_(options_.extra_keys ? options_.extra_keys : context.scenario.map.entries),
      cpus_(options_.cpus.empty() ? context.scenario.writer.cpus : options_.cpus) {
  const MapSpec& map = context.scenario.map;
  if (map.kind != MapKind::hash && map.kind != MapKind::lru_hash)
    throw std::runtime_error(fmt::format(
        "map_pressure needs a hash or lru_hash map (this scenario's is {})", to_string(map.kind)));
  if (map.spin_lock)
    throw std::runtime_error("map_pressure cannot write spin-locked values (pattern locked)");
  if (uint64_t{keys_} + extra_ >= std::numeric_limits<uint32_t>::max())
    throw std::runtime_error("map_pressure: keys + extra_keys overflow the 32-bit key space");
}

MapPressureFault::~MapPressureFault() {
  try {
    stop();
  } catch (...) {  // stop() only throws for a map that refuses updates; never from a destructor
  }
}

void MapPressureFault::count_failure(int err) {
  const std::lock_guard lock(failures_mutex_);
  failures_[errno_name(err)]++;
}

void MapPressureFault::start() {
  inserted_.assign(extra_, 0);
  if (lru_) {
    evictions_ = std::make_unique<LruEvictionCounter>(target_.view().info().id);
    evictions_->start();
    evictions_at_start_ = evictions_->evictions().value_or(0);
    board_.set_keys_stay_present(false);  // before the first insert can evict
  }
  board_.set_foreign_keys_present(true);
  started_ = true;
  thread_ = std::thread([this] {
    try {
      pressure_loop();
    } catch (const std::exception& e) {
      const std::lock_guard lock(failures_mutex_);
      thread_error_ = e.what();
    }
  });
}

void MapPressureFault::pressure_loop() {
  pin_current_thread(cpus_);
  const MapView& map = target_.view();
  const uint32_t value_size = map.info().value_size;
  std::vector<std::byte> value(map.value_buffer_size());
  std::vector<uint8_t>& inserted = inserted_;
  const uint64_t interval = options_.rate ? 1'000'000'000ull / options_.rate : 0;
  uint64_t next_op = now_ns();
  uint32_t index = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    const uint32_t key = keys_ + index;
    if (options_.deletes && inserted[index]) {
      const int err = map.erase(&key);
      if (err == 0)
        counters_.deletes.fetch_add(1, std::memory_order_relaxed);
      else if (err == ENOENT)
        counters_.delete_enoent.fetch_add(1, std::memory_order_relaxed);
      else
        count_failure(err);
      inserted[index] = 0;
    }
    make_record(std::span(value.data(), value_size), key, 1, static_cast<uint32_t>(cpus_.front()));
    const int err = map.update(&key, value.data(), BPF_NOEXIST);
    if (err == 0) {
      counters_.inserts.fetch_add(1, std::memory_order_relaxed);
      if (inserted[index]) counters_.reinserted_evicted.fetch_add(1, std::memory_order_relaxed);
      inserted[index] = 1;
    } else if (err == EEXIST) {
      counters_.already_present.fetch_add(1, std::memory_order_relaxed);
      inserted[index] = 1;
    } else {
      count_failure(err);
      inserted[index] = 0;
    }
    counters_.ops.fetch_add(1, std::memory_order_relaxed);
    index = index + 1 == extra_ ? 0 : index + 1;
    if (interval) {
      next_op += interval;
      const uint64_t now = now_ns();
      if (next_op < now)
        next_op = now;  // fell behind: do not burst to catch up
      else if (next_op - now > 50'000)
        sleep_until_ns(next_op);
    }
  }
}

uint32_t MapPressureFault::present_in(uint32_t first, uint32_t count) const {
  const MapView& map = target_.view();
  std::vector<std::byte> value(map.value_buffer_size());
  uint32_t present = 0;
  for (uint32_t key = first; key < first + count; ++key)
    if (map.lookup(&key, value.data()) == 0) ++present;
  return present;
}

nlohmann::json MapPressureFault::counters_json() const {
  nlohmann::json failures = nlohmann::json::object();
  {
    const std::lock_guard lock(failures_mutex_);
    for (const auto& [name, n] : failures_)
      failures[name] = n;
  }
  nlohmann::json out = {{"ops", counters_.ops.load()},
                        {"inserts", counters_.inserts.load()},
                        {"inserts_found_present", counters_.already_present.load()},
                        {"deletes", counters_.deletes.load()},
                        {"deletes_found_evicted", counters_.delete_enoent.load()},
                        {"failures", failures}};
  if (!lru_) {
    out["evictions"] = 0;
    out["evictions_source"] = "a hash never evicts: inserts into a full hash fail instead";
    return out;
  }
  const uint64_t observed = counters_.reinserted_evicted.load() + counters_.delete_enoent.load() +
                            pressure_evicted_at_stop_ + key_set_evicted_at_stop_;
  out["evictions_observed"] = observed;
  out["evictions_observed_detail"] = {
      {"pressure_keys_reinserted_after_eviction", counters_.reinserted_evicted.load()},
      {"pressure_keys_found_evicted_by_delete", counters_.delete_enoent.load()},
      {"pressure_keys_found_evicted_at_stop", pressure_evicted_at_stop_},
      {"key_set_found_evicted_at_stop", key_set_evicted_at_stop_}};
  if (evictions_ && evictions_->evictions()) {
    out["evictions_kernel"] = *evictions_->evictions() - evictions_at_start_;
    out["evictions"] = out["evictions_kernel"];
    out["evictions_source"] =
        "kernel: kprobes on htab_lru_map_delete_node for this map (all causes)";
  } else {
    out["evictions_kernel"] = nullptr;
    out["evictions_kernel_unavailable"] =
        evictions_ ? evictions_->error() : std::string("counter not started");
    out["evictions"] = observed;
    out["evictions_source"] =
        "observed by the fault (a lower bound): its own keys found gone, and the key set's at stop";
  }
  return out;
}

nlohmann::json MapPressureFault::verify_active() {
  // Proof of effect: the thread has gone round its keys once (or 0.5 s).
  const auto deadline = std::chrono::steady_clock::now() + 500ms;
  while (counters_.ops.load() < extra_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
    const std::lock_guard lock(failures_mutex_);
    if (!thread_error_.empty()) break;
  }
  {
    const std::lock_guard lock(failures_mutex_);
    if (!thread_error_.empty()) throw std::runtime_error("map_pressure thread: " + thread_error_);
  }
  if (counters_.ops.load() == 0)
    throw std::runtime_error("map_pressure: the pressure thread made no operation in 0.5 s");
  nlohmann::json out = counters_json();
  out["map"] = {{"kind", std::string(to_string(target_.spec().kind))},
                {"max_entries", target_.spec().entries},
                {"key_set", keys_},
                {"pressure_keys", extra_},
                {"first_pressure_key", keys_}};
  out["cpus"] = cpus_;
  out["key_set_present_now"] = present_in(0, keys_);
  out["oracle"] = lru_ ? "absent keys are not missing/skipped while active; foreign keys allowed"
                       : "foreign keys allowed while active; missing keys stay anomalies";
  return out;
}

void MapPressureFault::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  const MapView& map = target_.view();
  if (lru_) key_set_evicted_at_stop_ = keys_ - present_in(0, keys_);
  uint64_t deleted = 0;
  for (uint32_t index = 0; index < extra_; ++index) {
    const uint32_t key = keys_ + index;
    const int err = map.erase(&key);
    if (err == 0)
      ++deleted;
    else if (err == ENOENT && inserted_[index])
      ++pressure_evicted_at_stop_;
  }
  stop_facts_["counters_at_stop"] = counters_json();
  stop_facts_["pressure_keys_deleted_at_stop"] = deleted;
  if (lru_) {
    // The writers re-insert evicted keys with fresh versions; give them a
    // moment, then put back only what is still missing.
    stop_facts_["key_set_evicted_at_stop"] = key_set_evicted_at_stop_;
    for (int i = 0; writer_running_ && i < 20 && present_in(0, keys_) < keys_; ++i)
      std::this_thread::sleep_for(10ms);
    std::vector<std::byte> value(map.value_buffer_size());
    const uint32_t value_size = map.info().value_size;
    uint64_t restored = 0;
    for (uint32_t key = 0; key < keys_; ++key) {
      if (map.lookup(&key, value.data()) == 0) continue;
      make_record(std::span(value.data(), value_size), key, board_.committed(key));
      const int err = map.update(&key, value.data(), BPF_NOEXIST);
      if (err == 0)
        ++restored;
      else if (err != EEXIST)
        throw BpfError("bpf_map_update_elem", fmt::format("restore key {}", key), err);
    }
    stop_facts_["key_set_restored_by_fault"] = restored;
    stop_facts_["key_set_present_after"] = present_in(0, keys_);
    board_.set_keys_stay_present(true);
  }
  board_.set_foreign_keys_present(false);
}

nlohmann::json MapPressureFault::verify_gone() {
  stop();
  const uint32_t left = present_in(keys_, extra_);
  if (left)
    throw std::runtime_error(
        fmt::format("map_pressure: {} pressure keys remain in the map after stop", left));
  nlohmann::json out = stop_facts_;
  out["pressure_keys_present"] = left;
  if (lru_ && out.value("key_set_present_after", keys_) != keys_)
    throw std::runtime_error(fmt::format("map_pressure: only {} of {} keys present after restore",
                                         out["key_set_present_after"].get<uint32_t>(), keys_));
  return out;
}

}  // namespace mapsla
