#include "reports/report_reader.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "reports/placement.h"

namespace mapsla {
namespace {

using nlohmann::json;

// A node and the path that leads to it, so every error can say where.
class At {
 public:
  At(const json& node, std::string path, const std::string& file)
      : node_(node), path_(std::move(path)), file_(file) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw ReportError(file_, path_.empty() ? "(document)" : path_, why);
  }

  const json& node() const { return node_; }
  bool has(const char* key) const { return node_.is_object() && node_.contains(key); }

  At field(const char* key) const {
    object();
    const auto it = node_.find(key);
    const std::string path = path_.empty() ? key : path_ + "." + key;
    if (it == node_.end()) throw ReportError(file_, path, "is required");
    return At(*it, path, file_);
  }
  std::vector<At> items() const {
    if (!node_.is_array()) fail(fmt::format("expected an array, got {}", shown()));
    std::vector<At> out;
    for (size_t i = 0; i < node_.size(); ++i)
      out.emplace_back(node_[i], fmt::format("{}[{}]", path_, i), file_);
    return out;
  }
  const json& object() const {
    if (!node_.is_object()) fail(fmt::format("expected an object, got {}", shown()));
    return node_;
  }
  std::string str() const {
    if (!node_.is_string()) fail(fmt::format("expected a string, got {}", shown()));
    return node_.get<std::string>();
  }
  uint64_t u64() const {
    if (!node_.is_number_unsigned() && !(node_.is_number_integer() && node_.get<int64_t>() >= 0))
      fail(fmt::format("expected a non-negative integer, got {}", shown()));
    return node_.get<uint64_t>();
  }
  double number() const {
    if (!node_.is_number()) fail(fmt::format("expected a number, got {}", shown()));
    return node_.get<double>();
  }
  bool boolean() const {
    if (!node_.is_boolean()) fail(fmt::format("expected true or false, got {}", shown()));
    return node_.get<bool>();
  }

 private:
  std::string shown() const {
    std::string text = node_.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
  }

  const json& node_;
  std::string path_;
  const std::string& file_;
};

LatencyHistogram read_histogram(const At& buckets) {
  LatencyHistogram h;
  for (const At& bucket : buckets.items()) {
    const auto pair = bucket.items();
    if (pair.size() != 2) bucket.fail("expected [lower_bound_ns, count]");
    h.add_bucket(pair[0].u64(), pair[1].u64());
  }
  return h;
}

// Puts back what the buckets alone lose, and checks they agree with the
// summary that was written with them.
void restore_from_summary(LatencyHistogram& h, const At& summary) {
  const uint64_t count = summary.field("count").u64();
  if (count != h.count())
    summary.field("count").fail(
        fmt::format("says {} samples but the histogram holds {}", count, h.count()));
  if (count == 0) return;
  const uint64_t max = summary.field("max").u64();
  const uint64_t min = summary.has("min") ? summary.field("min").u64() : h.min();
  const double mean = summary.field("mean").number();
  h.restore_exact(min, max, mean * static_cast<double>(count));
}

// A report without a pass histogram (the field came later within v1): a
// stand-in whose nearest-rank percentiles are exactly the recorded ones.
LatencyHistogram histogram_from_percentiles(const At& summary) {
  LatencyHistogram h;
  const uint64_t count = summary.field("count").u64();
  if (count == 0) return h;
  const std::pair<const char*, double> steps[] = {
      {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}, {"max", 100}};
  uint64_t placed = 0;
  for (const auto& [key, q] : steps) {
    const uint64_t upto = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count))));
    if (upto > placed) {
      h.record_n(summary.field(key).u64(), upto - placed);
      placed = upto;
    }
  }
  return h;
}

AnomalyCounts read_anomalies(const At& a) {
  AnomalyCounts out;
  out.torn = a.field("torn").u64();
  out.missing = a.field("missing").u64();
  out.skipped = a.field("skipped").u64();
  out.duplicate = a.field("duplicate").u64();
  out.stale = a.field("stale").u64();
  out.non_monotonic = a.field("non_monotonic").u64();
  const At errors = a.field("errors");
  for (const auto& [name, n] : errors.object().items())
    out.errors[name] = errors.field(name.c_str()).u64();
  if (out.error_total() != a.field("error").u64())
    a.field("error").fail(fmt::format("is not the sum of `errors` ({})", out.error_total()));
  return out;
}

// Phase repetitions carry no histograms; cell repetitions always do.
RepetitionResult read_repetition(const At& r, size_t position) {
  RepetitionResult rep;
  rep.index =
      r.has("index") ? static_cast<int>(r.field("index").u64()) : static_cast<int>(position);
  rep.wall_s = r.field("wall_s").number();
  rep.passes = r.field("passes").u64();
  rep.reads = r.field("reads").u64();
  rep.ops = r.field("ops").u64();
  rep.read_time_ns = r.field("read_time_ns").u64();
  rep.writer_updates = r.field("writer_updates").u64();
  if (r.has("absent")) rep.absent = r.field("absent").u64();
  if (r.has("foreign")) rep.foreign = r.field("foreign").u64();
  if (r.has("unreached")) rep.unreached = r.field("unreached").u64();
  if (r.has("floor")) {
    rep.floor_bursts = r.field("floor").field("bursts").u64();
    rep.floor_median_sum_ns = r.field("floor").field("median_sum_ns").u64();
  }
  if (r.has("early_ended_passes"))
    for (const auto& [why, n] : r.field("early_ended_passes").object().items())
      rep.early_ended_passes[why] = r.field("early_ended_passes").field(why.c_str()).u64();
  const At attempts = r.field("attempts");
  rep.attempts = attempts.field("total").u64();
  rep.max_attempts = attempts.field("max").u64();
  rep.anomalies = read_anomalies(r.field("anomalies"));
  if (r.has("op_latency_histogram")) {
    rep.op_latency = read_histogram(r.field("op_latency_histogram"));
    restore_from_summary(rep.op_latency, r.field("op_latency_ns"));
  } else {
    rep.op_latency = histogram_from_percentiles(r.field("op_latency_ns"));
  }
  if (r.has("pass_latency_histogram")) {
    rep.pass_latency = read_histogram(r.field("pass_latency_histogram"));
    restore_from_summary(rep.pass_latency, r.field("pass_latency_ns"));
  } else {
    rep.pass_latency = histogram_from_percentiles(r.field("pass_latency_ns"));
  }
  if (r.has("open_loop")) {
    const At open_loop = r.field("open_loop");
    rep.late_passes = open_loop.field("late_passes").u64();
    const At summary = open_loop.field("pass_latency_corrected_ns");
    if (open_loop.has("pass_latency_corrected_histogram")) {
      rep.pass_latency_corrected =
          read_histogram(open_loop.field("pass_latency_corrected_histogram"));
      restore_from_summary(rep.pass_latency_corrected, summary);
    } else {
      rep.pass_latency_corrected = histogram_from_percentiles(summary);
    }
  }
  return rep;
}

// The evidence summaries under details (each fault's, each window's, the
// writer's; docs/report-schema.md, "details.faults"): a report that holds one
// that is not a summary is refused, with its path.
void check_summaries(const At& details) {
  auto check = [](const At& holder) {
    if (!holder.has("summary")) return;
    const At summary = holder.field("summary");
    try {
      evidence_summary_from_json(summary.node());
    } catch (const std::invalid_argument& e) {
      summary.fail(e.what());
    }
  };
  if (details.has("writer")) check(details.field("writer"));
  if (!details.has("faults")) return;
  for (const At& fault : details.field("faults").items()) {
    check(fault);
    if (fault.has("windows"))
      for (const At& window : fault.field("windows").items())
        check(window);
  }
}

CellStatus read_status(const At& at) {
  const std::string s = at.str();
  for (CellStatus status :
       {CellStatus::ok, CellStatus::not_applicable, CellStatus::skipped, CellStatus::failed})
    if (to_string(status) == s) return status;
  at.fail(fmt::format("'{}' is not one of ok, not_applicable, skipped, failed", s));
}

CellResult read_cell(const At& c) {
  CellResult cell;
  cell.scenario = c.field("scenario").str();
  cell.reader = c.field("reader").str();
  cell.mode = c.field("mode").str();
  cell.status = read_status(c.field("status"));
  cell.reason = c.field("reason").str();
  if (c.has("settings"))
    for (const auto& [key, value] : c.field("settings").object().items())
      cell.settings.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  for (const At& r : c.field("repetitions").items()) {
    if (!r.has("op_latency_histogram")) r.field("op_latency_histogram");  // required here
    cell.repetitions.push_back(read_repetition(r, cell.repetitions.size()));
  }
  if (c.has("details")) {
    check_summaries(c.field("details"));
    cell.details = c.field("details").object();
  }
  if (c.has("condition")) cell.condition = c.field("condition").str();
  if (c.has("phases")) {
    const At phases = c.field("phases");
    for (const auto& [name, value] : phases.object().items()) {
      auto& reps = cell.phases[name];
      for (const At& r : phases.field(name.c_str()).field("repetitions").items())
        reps.push_back(read_repetition(r, reps.size()));
    }
  }
  return cell;
}

Environment read_environment(const At& e) {
  Environment env;
  env.kernel = e.field("kernel").str();
  env.cpu_model = e.field("cpu_model").str();
  env.cores = static_cast<int>(e.field("cores").u64());
  env.numa_nodes = static_cast<int>(e.field("numa_nodes").u64());
  env.virtualization = e.has("virtualization") ? e.field("virtualization").str() : "";
  env.hostname = e.has("hostname") ? e.field("hostname").str() : "";
  env.mapsla_version = e.field("mapsla_version").str();
  env.git_sha = e.field("git_sha").str();
  const At features = e.field("features");
  for (const auto& [name, value] : features.object().items()) {
    const At f = features.field(name.c_str());
    env.features.push_back({name, f.field("available").boolean(), f.field("detail").str(),
                            value.value("errno", ""), value.value("verifier", "")});
  }
  if (e.has("placement")) {
    try {
      set_placement(env, placement_from_json(e.field("placement").object()));
    } catch (const json::exception& error) {
      e.field("placement").fail(error.what());
    }
  }
  return env;
}

}  // namespace

ReportError::ReportError(std::string file, std::string path, std::string why)
    : std::runtime_error(fmt::format("{}: at {}: {}", file, path, why)),
      file_(std::move(file)),
      path_(std::move(path)) {}

Report report_from_json(const json& j, const std::string& file) {
  const At root(j, "", file);
  root.object();
  Report report;
  const At schema = root.field("schema");
  report.schema = schema.str();
  if (report.schema == kFleetSchema)
    schema.fail(fmt::format(
        "'{}' is a fleet report written by `mapsla merge`, not the report of one run; give "
        "one of its inputs' reports (inputs[].file), or `mapsla check` the fleet report",
        report.schema));
  if (report.schema != kReportSchema)
    schema.fail(fmt::format("'{}' is not {} (a report of another mapsla version?)", report.schema,
                            kReportSchema));
  report.run_id = root.field("run_id").str();
  report.started_at = root.field("started_at").str();
  report.finished_at = root.field("finished_at").str();
  for (const At& arg : root.field("command").items())
    report.command.push_back(arg.str());
  report.environment = read_environment(root.field("environment"));
  for (const At& s : root.field("scenarios").items())
    report.scenarios.push_back(
        {s.field("name").str(), s.field("file").str(), s.field("config").node()});
  for (const At& c : root.field("cells").items())
    report.cells.push_back(read_cell(c));
  if (root.has("decision")) report.decision = root.field("decision").node();
  return report;
}

json read_report_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ReportError(file.string(), "(file)", "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 3, …".
    std::string why = e.what();
    if (const auto at = why.find("] "); at != std::string::npos) why = why.substr(at + 2);
    throw ReportError(file.string(), "(document)", "not JSON: " + why);
  }
  return j;
}

Report read_report(const std::filesystem::path& file) {
  return report_from_json(read_report_json(file), file.string());
}

}  // namespace mapsla
