#include "harness/writers/traffic_writer.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "core/bpf/error.h"
#include "core/bpf/oracle_record.h"
#include "core/net/command.h"
#include "core/util/affinity.h"

namespace mapsla {
namespace {

using namespace std::chrono_literals;

constexpr auto kPublishInterval = 5ms;
constexpr size_t kMismatchExamples = 5;

std::shared_ptr<const WriterOptions> parse_options(Fields& fields, const WriterSpec&,
                                                   const MapSpec&) {
  auto options = std::make_shared<TrafficWriter::Options>();
  // Each field and rule on its own (Fields::check): all mistakes are reported.
  fields.check([&] {
    if (fields.has("pps") && fields.yaml()["pps"].IsScalar() &&
        fields.yaml()["pps"].Scalar() == "max") {
      fields.string("pps");
      options->pps = 0;
    } else {
      options->pps = fields.integer("pps", 1, 100'000'000, options->pps);
    }
  });
  fields.check([&] {
    options->payload_bytes = static_cast<uint32_t>(fields.integer(
        "payload_bytes", kMinPayloadBytes, kMaxPayloadBytes, options->payload_bytes));
  });
  fields.check([&] { options->packets = fields.integer("packets", 0, uint64_t{1} << 50, 0); });
  fields.check([&] {
    const std::string counter =
        fields.one_of("counter", {"auto", "fetch_add", "spin_lock"}, std::string("auto"));
    if (counter == "fetch_add") options->counter = TrafficCounterProgram::fetch_add;
    if (counter == "spin_lock") options->counter = TrafficCounterProgram::spin_lock;
  });
  return options;
}

// Rules across the driver, the run's rate, the map and the CPUs.
void check_rules(Fields& fields, const WriterSpec& spec, const MapSpec& map) {
  if (spec.rate)
    fields.check([&] {
      fields.fail("rate", "the traffic writer is paced by `pps` (packets per second), not `rate`");
    });
  if (map.keys > MAPSLA_TRAFFIC_MAX_FLOWS)
    fields.check([&] {
      fields.fail("driver", fmt::format("the traffic writer sends one flow per key, at most {} "
                                        "flows; this map has {} keys (lower map.keys)",
                                        MAPSLA_TRAFFIC_MAX_FLOWS, map.keys));
    });
  if (spec.cpus.size() > map.keys)
    fields.check([&] { fields.fail("cpus", "more writer CPUs than flows (map keys)"); });
}

uint32_t address_be(const char* ip) {
  in_addr a{};
  ::inet_pton(AF_INET, ip, &a);
  return a.s_addr;
}

nlohmann::json link_counters(const std::string& netns, const std::string& dev) {
  const CommandResult r = run_command({"ip", "-n", netns, "-s", "-j", "link", "show", "dev", dev});
  if (!r.ok()) return {{"error", r.err}};
  const auto parsed = nlohmann::json::parse(r.out, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array() || parsed.empty() ||
      !parsed[0].contains("stats64"))
    return {{"error", "unexpected `ip -s -j link` output"}};
  const auto& stats = parsed[0]["stats64"];
  return {{"rx_packets", stats["rx"].value("packets", 0)},
          {"rx_dropped", stats["rx"].value("dropped", 0)},
          {"tx_packets", stats["tx"].value("packets", 0)},
          {"tx_dropped", stats["tx"].value("dropped", 0)}};
}

// Whether every flow reconciled (sent − dropped = counted) in every repetition.
EvidenceSummary summarize_stats(const nlohmann::json& stats) {
  EvidenceSummary s;
  const auto it = stats.find("reconciled");
  if (it == stats.end() || !it->is_boolean()) return s;
  s.figures.push_back({"flows reconciled (sent − dropped = counted)",
                       EvidenceFigure::Combine::all_true, EvidenceFigure::Format::count,
                       it->get<bool>() ? 1.0 : 0.0, 0,
                       "flows NOT reconciled (details.writer.reconcile)"});
  return s;
}

}  // namespace

const char* to_string(TrafficCounterProgram program) {
  return program == TrafficCounterProgram::spin_lock ? "spin_lock" : "fetch_add";
}

nlohmann::json TrafficWriter::Options::to_json() const {
  return {{"pps", pps},
          {"payload_bytes", payload_bytes},
          {"packets", packets},
          {"counter", counter ? std::string(to_string(*counter)) : std::string("auto")}};
}

std::variant<TrafficCounterProgram, std::string> TrafficWriter::choose_counter(
    std::optional<TrafficCounterProgram> requested, const KernelFeatures& features) {
  if (requested == TrafficCounterProgram::fetch_add) {
    if (!features.traffic_counter.available)
      return "counter fetch_add: " + features.traffic_counter.detail;
    return TrafficCounterProgram::fetch_add;
  }
  if (requested == TrafficCounterProgram::spin_lock) {
    if (!features.traffic_counter_locked.available)
      return "counter spin_lock: " + features.traffic_counter_locked.detail;
    return TrafficCounterProgram::spin_lock;
  }
  if (features.traffic_counter.available) return TrafficCounterProgram::fetch_add;
  if (features.traffic_counter_locked.available) return TrafficCounterProgram::spin_lock;
  return fmt::format("{}; the spin_lock fallback: {}", features.traffic_counter.detail,
                     features.traffic_counter_locked.detail);
}

WriterDescriptor TrafficWriter::descriptor() {
  WriterDescriptor d{
      "traffic",
      "UDP flows between two network namespaces over a veth; a tc ingress program "
      "(cls_bpf) counts each flow's packets into its key",
      {WriterPattern::inplace, WriterPattern::replace, WriterPattern::seqlock},
      {MapKind::hash, MapKind::lru_hash, MapKind::array},
      parse_options,
      [](const WriterContext& context) { return std::make_unique<TrafficWriter>(context); },
      [](const Scenario& scenario, const KernelFeatures& features) -> std::string {
        if (!features.net_namespaces.available) return features.net_namespaces.detail;
        if (!features.cls_bpf.available) return features.cls_bpf.detail;
        const auto* options = dynamic_cast<const Options*>(scenario.writer.options.get());
        auto choice = choose_counter(options ? options->counter : std::nullopt, features);
        if (auto* why = std::get_if<std::string>(&choice)) return *why;
        return {};
      },
      check_rules,
      {"sent", "counted", "bytes_counted", "other_packets", "write_failed", "send_retries",
       "updates", "dropped"},
      {"reconciled"}};
  d.summarize = summarize_stats;
  return d;
}

TrafficWriter::TrafficWriter(const WriterContext& context)
    : spec_(context.scenario.writer),
      flows_(context.scenario.map.keys),
      run_id_(context.run_id),
      board_(context.board),
      target_(context.target.view()),
      published_(flows_, 0) {
  if (auto* options = dynamic_cast<const Options*>(spec_.options.get())) options_ = *options;
  if (flows_ == 0 || flows_ > MAPSLA_TRAFFIC_MAX_FLOWS)
    throw std::invalid_argument(
        fmt::format("traffic writer: {} flows (1…{} supported)", flows_, MAPSLA_TRAFFIC_MAX_FLOWS));
  auto choice = choose_counter(options_.counter, context.features);
  if (auto* why = std::get_if<std::string>(&choice))
    throw std::runtime_error("traffic writer: " + *why);
  counter_program_ = std::get<TrafficCounterProgram>(choice);
  const bool locked = counter_program_ == TrafficCounterProgram::spin_lock;
  link_ = std::make_unique<VethLink>(run_id_);
  const LinkNames& names = link_->names();

  skeleton_.reset(mapsla_traffic_counter__open());
  if (!skeleton_) throw BpfError("open", "mapsla_traffic_counter skeleton", errno);
  // One of the two programs: the other stays unloaded (a 5.10 verifier would
  // refuse count_flow's fetch-and-add).
  check_libbpf(bpf_program__set_autoload(skeleton_->progs.count_flow, !locked),
               "bpf_program__set_autoload", "traffic count_flow");
  check_libbpf(bpf_program__set_autoload(skeleton_->progs.count_flow_locked, locked),
               "bpf_program__set_autoload", "traffic count_flow_locked");
  if (locked)
    check_libbpf(bpf_map__set_max_entries(skeleton_->maps.flow_locks, flows_),
                 "bpf_map__set_max_entries", "traffic flow_locks");
  skeleton_->rodata->pattern = static_cast<uint32_t>(spec_.pattern);
  skeleton_->rodata->payload_words = payload_words(context.scenario.map.value_size);
  skeleton_->rodata->flows = flows_;
  skeleton_->rodata->dst_ip = address_be(kRxAddress);
  check_libbpf(bpf_map__set_max_entries(skeleton_->maps.flow_counts, flows_),
               "bpf_map__set_max_entries", "traffic flow_counts");
  check_libbpf(bpf_map__reuse_fd(skeleton_->maps.target, context.target.fd()), "bpf_map__reuse_fd",
               "traffic counter target");
  check_libbpf(mapsla_traffic_counter__load(skeleton_.get()), "load",
               fmt::format("mapsla_traffic_counter (traffic_counter.bpf.c, {})",
                           locked ? "count_flow_locked" : "count_flow"));
  counts_ = MappedArray<mapsla_flow_count>(bpf_map__fd(skeleton_->maps.flow_counts), flows_,
                                           "traffic flow_counts");
  counter_ = std::make_unique<TcAttachment>(
      names.rx_netns, names.rx_dev, TcDirection::ingress,
      bpf_program__fd(locked ? skeleton_->progs.count_flow_locked : skeleton_->progs.count_flow),
      TrafficLink::kCounterPriority, "traffic counter");
  generator_ = std::make_unique<UdpGenerator>(
      names.tx_netns,
      GeneratorOptions{flows_, options_.pps, options_.payload_bytes, spec_.cpus, options_.packets});
  // An LRU update allocates a node and may evict another key.
  if (context.scenario.map.kind == MapKind::lru_hash && spec_.pattern == WriterPattern::replace)
    board_.set_keys_stay_present(false);
  traffic_link_ = std::make_shared<TrafficLink>(names, flows_, spec_.cpus);
  traffic_link_->set_traffic_hold([generator = generator_.get()](bool held) {
    if (held)
      generator->pause();
    else
      generator->resume();
  });
  publish_traffic_link(run_id_, traffic_link_);
}

TrafficWriter::~TrafficWriter() {
  if (traffic_link_) traffic_link_->set_traffic_hold(nullptr);
  stop();
  withdraw_traffic_link(run_id_);
}

void TrafficWriter::start() {
  if (running_) return;
  stop_publisher_.store(false);
  final_ = nullptr;
  generator_->start();
  publisher_ = std::thread([this] { publish_loop(); });
  running_ = true;
}

void TrafficWriter::stop() {
  if (!running_) return;
  generator_->stop();
  wait_until_quiet();
  stop_publisher_.store(true);
  if (publisher_.joinable()) publisher_.join();
  publish_once();
  final_ = {{"reconcile", reconcile()},
            {"veth",
             {{names().tx_dev, link_counters(names().tx_netns, names().tx_dev)},
              {names().rx_dev, link_counters(names().rx_netns, names().rx_dev)}}}};
  running_ = false;
}

std::string TrafficWriter::failure() const {
  return generator_->failure();
}

void TrafficWriter::publish_loop() {
  try {
    pin_current_thread(spec_.cpus);
  } catch (const std::exception&) {
    // Publishing unpinned only costs the reader CPU a little.
  }
  while (!stop_publisher_.load(std::memory_order_relaxed)) {
    publish_once();
    std::this_thread::sleep_for(kPublishInterval);
  }
}

void TrafficWriter::publish_once() {
  uint64_t delta = 0;
  for (uint32_t flow = 0; flow < flows_; ++flow) {
    const uint64_t committed = counts_.load(flow, &mapsla_flow_count::committed);
    if (committed == published_[flow]) continue;
    board_.publish(flow, 1 + committed);
    delta += committed - published_[flow];
    published_[flow] = committed;
  }
  if (delta) board_.updates().fetch_add(delta, std::memory_order_relaxed);
}

void TrafficWriter::wait_until_quiet() const {
  // Packets still queued on the rx CPU's backlog are counted within
  // microseconds; wait until two readings 5 ms apart agree.
  auto total = [this] {
    uint64_t sum = 0;
    for (uint32_t flow = 0; flow < flows_; ++flow)
      sum += counts_.load(flow, &mapsla_flow_count::packets);
    return sum;
  };
  const auto deadline = std::chrono::steady_clock::now() + 500ms;
  uint64_t last = total();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    const uint64_t now = total();
    if (now == last) return;
    last = now;
  }
}

nlohmann::json TrafficWriter::reconcile() const {
  const std::vector<InjectedDrops> sources = traffic_link_->injected_drops();
  bool per_flow = true;
  nlohmann::json source_json = nlohmann::json::array();
  for (const auto& s : sources) {
    per_flow = per_flow && s.per_flow.size() == flows_;
    source_json.push_back(
        {{"source", s.source}, {"dropped", s.total}, {"per_flow", s.per_flow.size() == flows_}});
  }
  uint64_t sent = 0, dropped = 0, counted = 0, mismatched = 0, record_mismatches = 0;
  nlohmann::json examples = nlohmann::json::array();
  std::vector<std::byte> value(target_.value_buffer_size());
  for (uint32_t flow = 0; flow < flows_; ++flow) {
    const uint64_t s = generator_->sent(flow);
    uint64_t d = 0;
    if (per_flow)
      for (const auto& source : sources)
        d += source.per_flow[flow];
    const uint64_t c = counts_.load(flow, &mapsla_flow_count::packets);
    sent += s;
    dropped += d;
    counted += c;
    uint64_t version = 0;
    if (target_.lookup(&flow, value.data()) == 0) {
      const RecordFacts facts = validate_record(value, flow);
      if (facts.check == RecordCheck::ok) version = facts.version;
    }
    const bool record_ok = version == c + 1;
    if (!record_ok) record_mismatches++;
    if ((per_flow && s != c + d) || !record_ok) {
      if (per_flow && s != c + d) mismatched++;
      if (examples.size() < kMismatchExamples)
        examples.push_back({{"flow", flow},
                            {"sent", s},
                            {"dropped", per_flow ? nlohmann::json(d) : nlohmann::json()},
                            {"counted", c},
                            {"record_version", version}});
    }
  }
  if (!per_flow) {
    dropped = 0;
    for (const auto& s : sources)
      dropped += s.total;
  }
  const bool totals_agree = sent == counted + dropped;
  return {{"flows", flows_},
          {"sent", sent},
          {"dropped", dropped},
          {"counted", counted},
          {"per_flow", per_flow},
          {"mismatched_flows", per_flow ? nlohmann::json(mismatched) : nlohmann::json()},
          {"record_mismatches", record_mismatches},
          {"examples", examples},
          {"drop_sources", source_json},
          {"reconciled", totals_agree && mismatched == 0 && record_mismatches == 0}};
}

nlohmann::json TrafficWriter::stats() const {
  uint64_t counted = 0, bytes = 0;
  for (uint32_t flow = 0; flow < flows_; ++flow) {
    counted += counts_.load(flow, &mapsla_flow_count::packets);
    bytes += counts_.load(flow, &mapsla_flow_count::bytes);
  }
  std::vector<mapsla_counter_totals> per_cpu(possible_cpus());
  mapsla_counter_totals totals{};
  const uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skeleton_->maps.totals), &zero, per_cpu.data()) == 0) {
    for (const auto& t : per_cpu) {
      totals.other += t.other;
      totals.write_failed += t.write_failed;
      if (t.last_error) totals.last_error = t.last_error;
    }
  }
  nlohmann::json out = {{"driver", "traffic"},
                        {"pattern", std::string(to_string(spec_.pattern))},
                        {"cpus", spec_.cpus},
                        {"pps", options_.pps},
                        {"payload_bytes", options_.payload_bytes},
                        {"packet_limit", options_.packets},
                        {"flows", flows_},
                        {"netns", {names().tx_netns, names().rx_netns}},
                        {"veth", {names().tx_dev, names().rx_dev}},
                        {"counter", "cls_bpf direct-action on " + names().rx_dev + " ingress"},
                        {"counter_program", std::string(to_string(counter_program_))},
                        {"sent", generator_->sent_total()},
                        {"counted", counted},
                        {"bytes_counted", bytes},
                        {"other_packets", totals.other},
                        {"write_failed", totals.write_failed},
                        {"last_write_error",
                         totals.last_error ? errno_name(static_cast<int>(-totals.last_error)) : ""},
                        {"send_retries", generator_->retried_errors()},
                        {"updates", board_.updates_made()},
                        {"dropped", nullptr},
                        {"reconciled", nullptr}};
  if (!final_.is_null()) {
    const auto& r = final_["reconcile"];
    out["sent"] = r["sent"];
    out["counted"] = r["counted"];
    out["dropped"] = r["dropped"];
    out["reconciled"] = r["reconciled"];
    out["reconcile"] = r;
    out["veth_counters"] = final_["veth"];
  }
  return out;
}

}  // namespace mapsla
