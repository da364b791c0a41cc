#include "harness/faults/cpu_stress.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "core/util/affinity.h"

namespace mapsla {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Options = CpuStressFault::Options;
using Method = CpuStressFault::Method;

namespace {

constexpr std::pair<Method, const char*> kMethods[] = {
    {Method::cpu, "cpu"},       {Method::matrixprod, "matrixprod"}, {Method::cache, "cache"},
    {Method::stream, "stream"}, {Method::switch_, "switch"},        {Method::timer, "timer"}};

// Each field is checked on its own (Fields::check): all mistakes are reported.
std::shared_ptr<const FaultOptions> parse_options(Fields& f) {
  auto options = std::make_shared<Options>();
  std::vector<std::string> names;
  for (const auto& [method, name] : kMethods)
    names.emplace_back(name);
  std::string method;
  const bool method_ok = f.check([&] {
    method = f.one_of("method", names, std::string("cpu"));
    for (const auto& [m, name] : kMethods)
      if (method == name) options->method = m;
  });
  f.check([&] { options->workers = static_cast<int>(f.integer("workers", 1, 256, 0)); });
  f.check([&] {
    if (!f.has("load")) return;
    if (method_ok && options->method != Method::cpu)
      f.fail("load", fmt::format("only method cpu takes a load (stress-ng --cpu-load); {} runs "
                                 "flat out",
                                 method));
    options->load = static_cast<int>(f.integer("load", 1, 100));
  });
  f.check([&] {
    if (!f.has("load_slice")) return;
    if (method_ok && options->method != Method::cpu)
      f.fail("load_slice", "only method cpu takes a load slice (stress-ng --cpu-load-slice)");
    options->load_slice_ms = static_cast<int>(f.integer("load_slice", 1, 10'000));
  });
  f.check([&] {
    if (!f.has("freq")) return;
    if (method_ok && options->method != Method::switch_ && options->method != Method::timer)
      f.fail("freq", "only methods switch and timer take a frequency");
    options->freq = f.integer("freq", 1, 1'000'000'000);
  });
  f.check([&] {
    if (!f.has("cpus")) return;
    options->cpus = f.cpu_list("cpus", std::nullopt);
    const int online = online_cpus();
    for (int cpu : options->cpus)
      if (cpu >= online)
        f.fail("cpus",
               fmt::format("CPU {} does not exist here (online CPUs: 0-{})", cpu, online - 1));
  });
  for (const char* key : {"load", "load_slice", "freq", "cpus"})
    f.mark_known(key);
  return options;
}

std::string unavailable_reason(const FaultSpec&, const KernelFeatures&) {
  if (find_executable("stress-ng").empty())
    return "stress-ng is not installed (Debian: apt-get install stress-ng)";
  return "";
}

std::string tail_of(const fs::path& file, size_t max_chars = 600) {
  std::ifstream in(file);
  std::string text{std::istreambuf_iterator<char>(in), {}};
  if (text.size() > max_chars) text = "…" + text.substr(text.size() - max_chars);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

std::vector<int> union_of_reader_cpus(const Scenario& scenario) {
  std::set<int> cpus;
  for (const auto& r : scenario.readers)
    cpus.insert(r.cpus.begin(), r.cpus.end());
  return {cpus.begin(), cpus.end()};
}

struct GroupCpu {
  uint64_t runtime_ns = 0;
  double user_s = 0, system_s = 0;
  std::vector<ProcessInfo> live;
};

GroupCpu group_cpu(pid_t pgid) {
  GroupCpu out;
  for (auto& p : processes_in_group(pgid)) {
    if (p.state == 'Z' || p.state == 'X') continue;
    out.runtime_ns += p.runtime_ns;
    out.user_s += p.user_s;
    out.system_s += p.system_s;
    out.live.push_back(std::move(p));
  }
  return out;
}

using Combine = EvidenceFigure::Combine;
using Format = EvidenceFigure::Format;

// One window: stress-ng's stressor and CPUs, the load observed, its bogo-ops,
// how it stopped and what was left of it.
EvidenceSummary summarize_window(const nlohmann::json& window) {
  EvidenceSummary s;
  if (!window.contains("active")) return s;
  const nlohmann::json& active = window["active"];
  const nlohmann::json gone = window.value("gone", nlohmann::json::object());
  std::string method;
  double bogo = 0;
  if (gone.contains("metrics") && gone["metrics"].is_array())
    for (const nlohmann::json& m : gone["metrics"]) {
      if (method.empty()) method = m.value("stressor", "");
      bogo += m.value("bogo_ops", 0.0);
    }
  s.headline = fmt::format("stress-ng {} on CPUs {}", method.empty() ? "?" : method,
                           active.contains("cpus") ? active["cpus"].dump() : "");
  s.figures.push_back({"load observed", Combine::range, Format::number,
                       active.value("load_observed_percent", 0.0), 0, "", "%"});
  s.figures.push_back({"bogo-ops", Combine::sum, Format::count, bogo});
  if (window.contains("gone")) {
    s.figures.push_back(
        {"stopped by", Combine::tally, Format::count, 1, 0, gone.value("stopped_by", "?")});
    s.figures.push_back(
        {"processes left", Combine::sum, Format::count, gone.value("processes_left", 0.0)});
  }
  return s;
}

}  // namespace

std::string CpuStressFault::method_name(Method method) {
  for (const auto& [m, name] : kMethods)
    if (m == method) return name;
  return "cpu";
}

nlohmann::json Options::to_json() const {
  nlohmann::json out = {
      {"method", method_name(method)},
      {"workers", workers ? nlohmann::json(workers) : "one per CPU"},
      {"cpus", cpus.empty() ? nlohmann::json("the reader's") : nlohmann::json(cpus)}};
  if (method == Method::cpu) out["load_percent"] = load;
  if (load_slice_ms) out["load_slice_ms"] = load_slice_ms;
  if (freq) out["freq_hz"] = freq;
  return out;
}

FaultDescriptor CpuStressFault::descriptor() {
  FaultDescriptor d{
      "cpu_stress",
      "stress-ng workers on the reader's CPUs (or chosen ones), bounded by --timeout",
      parse_options,
      unavailable_reason,
      [](const FaultSpec& spec, const FaultContext& context) -> std::unique_ptr<Fault> {
        return std::make_unique<CpuStressFault>(spec, context);
      },
      FaultScope::window,
      {}};
  d.summarize = summarize_window;
  return d;
}

std::vector<std::string> CpuStressFault::command(const Options& o, const std::vector<int>& cpus,
                                                 std::chrono::seconds timeout,
                                                 const fs::path& yaml) {
  const int workers = o.workers ? o.workers : static_cast<int>(std::max<size_t>(1, cpus.size()));
  const std::string n = std::to_string(workers);
  std::vector<std::string> argv = {"stress-ng"};
  switch (o.method) {
    case Method::cpu:
      argv.insert(argv.end(), {"--cpu", n, "--cpu-load", std::to_string(o.load)});
      if (o.load_slice_ms)
        argv.insert(argv.end(), {"--cpu-load-slice", std::to_string(o.load_slice_ms)});
      break;
    case Method::matrixprod:
      argv.insert(argv.end(), {"--matrix", n, "--matrix-method", "prod"});
      break;
    case Method::cache:
      argv.insert(argv.end(), {"--cache", n});
      break;
    case Method::stream:
      argv.insert(argv.end(), {"--stream", n});
      break;
    case Method::switch_:
      argv.insert(argv.end(), {"--switch", n});
      if (o.freq) argv.insert(argv.end(), {"--switch-freq", std::to_string(o.freq)});
      break;
    case Method::timer:
      argv.insert(argv.end(), {"--timer", n});
      if (o.freq) argv.insert(argv.end(), {"--timer-freq", std::to_string(o.freq)});
      break;
  }
  argv.insert(argv.end(),
              {"--taskset", format_cpu_list(cpus), "--timeout",
               std::to_string(timeout.count()) + "s", "--metrics-brief", "--yaml", yaml.string()});
  return argv;
}

CpuStressFault::CpuStressFault(const FaultSpec& spec, const FaultContext& context)
    : options_(dynamic_cast<const Options&>(*spec.options)), run_id_(context.run_id) {
  if (!options_.cpus.empty()) {
    cpus_ = options_.cpus;
    cpus_from_ = "fault";
  } else if (context.reader) {
    cpus_ = context.reader->cpus;
    cpus_from_ = "reader";
  } else {
    cpus_ = union_of_reader_cpus(context.scenario);
    cpus_from_ = "readers";
  }
  const auto active = std::chrono::ceil<std::chrono::seconds>(context.active_for);
  timeout_ = std::max(active, std::chrono::seconds(1)) + kTimeoutMargin;
}

CpuStressFault::~CpuStressFault() {
  stop();
  std::error_code ec;
  if (!yaml_path_.empty()) fs::remove(yaml_path_, ec);
  if (!log_path_.empty()) fs::remove(log_path_, ec);
}

void CpuStressFault::start() {
  static std::atomic<int> activation{0};
  const std::string stem =
      fmt::format("mapsla-{}-stress-{}-{}", run_id_, ::getpid(), activation.fetch_add(1));
  yaml_path_ = fs::temp_directory_path() / (stem + ".yaml");
  log_path_ = fs::temp_directory_path() / (stem + ".log");
  std::error_code ec;
  fs::remove(yaml_path_, ec);
  group_ = std::make_unique<ProcessGroup>(
      ProcessGroup::Options{command(options_, cpus_, timeout_, yaml_path_), run_id_, log_path_});
  started_ = std::chrono::steady_clock::now();
}

void CpuStressFault::throw_if_exited_early(int status) {
  const std::string log = tail_of(log_path_);
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 4))
    throw FaultUnavailable(
        fmt::format("skipped: stress-ng could not run method {} here ({}: {}): {}",
                    method_name(options_.method), describe_wait_status(status),
                    WEXITSTATUS(status) == 3 ? "no resource" : "not implemented", log));
  throw std::runtime_error(
      fmt::format("stress-ng ended early ({}): {}", describe_wait_status(status), log));
}

nlohmann::json CpuStressFault::sample_workers() const {
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& p : group_cpu(group_->pid()).live)
    workers.push_back({{"pid", p.pid},
                       {"comm", p.comm},
                       {"cpus_allowed", p.cpus_allowed},
                       {"cpu_s", p.user_s + p.system_s}});
  return workers;
}

nlohmann::json CpuStressFault::verify_active() {
  const int workers =
      options_.workers ? options_.workers : static_cast<int>(std::max<size_t>(1, cpus_.size()));
  // The workers are forked by stress-ng a few milliseconds after it starts.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  size_t seen = 0;
  while (true) {
    if (auto status = group_->poll()) throw_if_exited_early(*status);
    seen = group_cpu(group_->pid()).live.size();
    if (seen >= static_cast<size_t>(workers) + 1 || std::chrono::steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(5ms);
  }
  const GroupCpu before = group_cpu(group_->pid());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(kSampleTime);
  const GroupCpu after = group_cpu(group_->pid());
  const double wall_ns = static_cast<double>((std::chrono::steady_clock::now() - t0).count());
  if (auto status = group_->poll()) throw_if_exited_early(*status);
  if (seen < static_cast<size_t>(workers) + 1)
    throw std::runtime_error(fmt::format("stress-ng started {} of {} workers within 2 s: {}",
                                         seen ? seen - 1 : 0, workers, tail_of(log_path_)));
  const double busy_ns = static_cast<double>(after.runtime_ns - before.runtime_ns);
  return {{"command", group_->command_line()},
          {"pid", group_->pid()},
          {"process_group", group_->pid()},
          {"tag", fmt::format("{}={}", kRunTagEnv, run_id_)},
          {"cpus", cpus_},
          {"cpus_from", cpus_from_},
          {"timeout_s", timeout_.count()},
          {"workers_expected", workers},
          {"processes", sample_workers()},
          {"sample_ms", std::chrono::duration_cast<std::chrono::milliseconds>(kSampleTime).count()},
          // CPU time the group took over the sample, as percent of its CPUs.
          {"load_observed_percent",
           wall_ns > 0 ? 100.0 * busy_ns / wall_ns / static_cast<double>(cpus_.size()) : 0.0}};
}

void CpuStressFault::stop() {
  if (!group_ || !group_->stopped_by().empty()) return;
  const GroupCpu cpu = group_cpu(group_->pid());
  cpu_before_stop_ = {{"user_s", cpu.user_s},
                      {"system_s", cpu.system_s},
                      {"runtime_s", static_cast<double>(cpu.runtime_ns) / 1e9}};
  active_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  exit_status_ = group_->terminate(SIGINT, 1000ms);
}

nlohmann::json CpuStressFault::verify_gone() {
  if (!group_) return {{"started", false}};
  stop();
  if (group_->stopped_by() == "exited") throw_if_exited_early(exit_status_);
  const size_t left = group_cpu(group_->pid()).live.size();
  if (left)
    throw std::runtime_error(
        fmt::format("{} stress-ng process(es) of group {} still run", left, group_->pid()));
  nlohmann::json out = {{"stopped_by", group_->stopped_by()},
                        {"exit", describe_wait_status(exit_status_)},
                        {"active_s", active_s_},
                        {"processes_left", left},
                        {"cpu_time_before_stop", cpu_before_stop_}};
  std::ifstream in(yaml_path_);
  if (in) {
    try {
      out["metrics"] = parse_stress_ng_metrics(std::string{std::istreambuf_iterator<char>(in), {}});
    } catch (const std::exception& e) {
      out["metrics_error"] = e.what();
    }
  } else {
    out["metrics_error"] =
        "stress-ng wrote no --yaml metrics (stopped by " + group_->stopped_by() + ")";
  }
  return out;
}

nlohmann::json parse_stress_ng_metrics(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("stress-ng metrics: ") + e.what());
  }
  const YAML::Node metrics = root.IsMap() ? root["metrics"] : YAML::Node();
  if (!metrics || !metrics.IsSequence())
    throw std::runtime_error("stress-ng metrics: no `metrics` list in the --yaml output");
  const auto number = [](const YAML::Node& m, const char* key) -> nlohmann::json {
    const YAML::Node v = m[key];
    if (!v || !v.IsScalar()) return nullptr;
    try {
      return v.as<double>();
    } catch (const YAML::Exception&) {
      return nullptr;
    }
  };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : metrics) {
    if (!m.IsMap() || !m["stressor"]) throw std::runtime_error("stress-ng metrics: bad entry");
    out.push_back({{"stressor", m["stressor"].as<std::string>()},
                   {"bogo_ops", number(m, "bogo-ops")},
                   {"bogo_ops_per_s_real_time", number(m, "bogo-ops-per-second-real-time")},
                   {"wall_clock_s", number(m, "wall-clock-time")},
                   {"user_s", number(m, "user-time")},
                   {"system_s", number(m, "system-time")},
                   {"cpu_usage_per_instance_percent", number(m, "cpu-usage-per-instance")}});
  }
  return out;
}

}  // namespace mapsla
