#include "reports/result.h"

#include <array>
#include <stdexcept>
#include <utility>

namespace mapsla {

LatencySummary summarize(const LatencyHistogram& h) {
  LatencySummary s;
  s.p50 = h.percentile(50);
  s.p90 = h.percentile(90);
  s.p99 = h.percentile(99);
  s.p999 = h.percentile(99.9);
  s.max = h.max();
  s.mean = h.mean();
  s.count = h.count();
  s.min = h.min();
  return s;
}

uint64_t AnomalyCounts::error_total() const {
  uint64_t total = 0;
  for (const auto& [name, n] : errors)
    total += n;
  return total;
}

uint64_t AnomalyCounts::total() const {
  return torn + missing + skipped + duplicate + stale + non_monotonic + error_total();
}

void AnomalyCounts::merge(const AnomalyCounts& o) {
  torn += o.torn;
  missing += o.missing;
  skipped += o.skipped;
  duplicate += o.duplicate;
  stale += o.stale;
  non_monotonic += o.non_monotonic;
  for (const auto& [name, n] : o.errors)
    errors[name] += n;
}

double RepetitionResult::per_entry_ns() const {
  return reads ? static_cast<double>(read_time_ns) / static_cast<double>(reads) : 0.0;
}

double RepetitionResult::floor_ns() const {
  return floor_bursts ? static_cast<double>(floor_median_sum_ns) / static_cast<double>(floor_bursts)
                      : 0.0;
}

double RepetitionResult::entries_per_s() const {
  return read_time_ns ? static_cast<double>(reads) * 1e9 / static_cast<double>(read_time_ns) : 0.0;
}

void RepetitionResult::merge(const RepetitionResult& o) {
  wall_s += o.wall_s;
  passes += o.passes;
  reads += o.reads;
  ops += o.ops;
  read_time_ns += o.read_time_ns;
  attempts += o.attempts;
  if (o.max_attempts > max_attempts) max_attempts = o.max_attempts;
  writer_updates += o.writer_updates;
  absent += o.absent;
  foreign += o.foreign;
  for (const auto& [why, n] : o.early_ended_passes)
    early_ended_passes[why] += n;
  unreached += o.unreached;
  floor_bursts += o.floor_bursts;
  floor_median_sum_ns += o.floor_median_sum_ns;
  op_latency.merge(o.op_latency);
  pass_latency.merge(o.pass_latency);
  pass_latency_corrected.merge(o.pass_latency_corrected);
  late_passes += o.late_passes;
  anomalies.merge(o.anomalies);
}

std::string to_string(CellStatus status) {
  switch (status) {
    case CellStatus::ok:
      return "ok";
    case CellStatus::not_applicable:
      return "not_applicable";
    case CellStatus::skipped:
      return "skipped";
    case CellStatus::failed:
      return "failed";
  }
  return "failed";
}

RepetitionResult CellResult::pooled() const {
  RepetitionResult all;
  all.index = -1;
  for (const auto& r : repetitions)
    all.merge(r);
  return all;
}

namespace {

using Combine = EvidenceFigure::Combine;
using Format = EvidenceFigure::Format;

constexpr std::array<std::pair<Combine, const char*>, 9> kCombines{
    {{Combine::sum, "sum"},
     {Combine::share, "share"},
     {Combine::range, "range"},
     {Combine::max, "max"},
     {Combine::last, "last"},
     {Combine::count_true, "count_true"},
     {Combine::all_true, "all_true"},
     {Combine::tally, "tally"},
     {Combine::sum_by_text, "sum_by_text"}}};
constexpr std::array<std::pair<Format, const char*>, 3> kFormats{
    {{Format::count, "count"}, {Format::number, "number"}, {Format::percent, "percent"}}};

template <typename E, size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& names, E e) {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return "?";
}

template <typename E, size_t N>
E value_of(const std::array<std::pair<E, const char*>, N>& names, const nlohmann::json& j,
           const std::string& where) {
  if (j.is_string())
    for (const auto& [value, name] : names)
      if (j.get<std::string>() == name) return value;
  throw std::invalid_argument(where + ": unknown value " + j.dump());
}

}  // namespace

nlohmann::json to_json(const EvidenceSummary& summary) {
  nlohmann::json figures = nlohmann::json::array();
  for (const EvidenceFigure& f : summary.figures) {
    nlohmann::json j = {{"name", f.name},
                        {"combine", name_of(kCombines, f.combine)},
                        {"format", name_of(kFormats, f.format)},
                        {"value", f.value}};
    if (f.combine == Combine::share) j["total"] = f.total;
    if (!f.text.empty()) j["text"] = f.text;
    if (!f.unit.empty()) j["unit"] = f.unit;
    figures.push_back(std::move(j));
  }
  return {{"headline", summary.headline}, {"figures", std::move(figures)}};
}

EvidenceSummary evidence_summary_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("expected an object, got " + j.dump());
  EvidenceSummary s;
  if (!j.contains("headline") || !j["headline"].is_string())
    throw std::invalid_argument("headline: expected a string");
  s.headline = j["headline"].get<std::string>();
  if (!j.contains("figures") || !j["figures"].is_array())
    throw std::invalid_argument("figures: expected an array");
  for (size_t i = 0; i < j["figures"].size(); ++i) {
    const nlohmann::json& f = j["figures"][i];
    const std::string at = "figures[" + std::to_string(i) + "]";
    if (!f.is_object()) throw std::invalid_argument(at + ": expected an object");
    auto text = [&](const char* key, bool required) {
      if (!f.contains(key)) {
        if (required) throw std::invalid_argument(at + "." + key + ": is required");
        return std::string();
      }
      if (!f[key].is_string()) throw std::invalid_argument(at + "." + key + ": expected a string");
      return f[key].get<std::string>();
    };
    auto number = [&](const char* key, bool required) {
      if (!f.contains(key)) {
        if (required) throw std::invalid_argument(at + "." + key + ": is required");
        return 0.0;
      }
      if (!f[key].is_number()) throw std::invalid_argument(at + "." + key + ": expected a number");
      return f[key].get<double>();
    };
    EvidenceFigure figure;
    figure.name = text("name", true);
    figure.combine = value_of(kCombines, f.value("combine", nlohmann::json()), at + ".combine");
    figure.format = value_of(kFormats, f.value("format", nlohmann::json()), at + ".format");
    figure.value = number("value", true);
    figure.total = number("total", figure.combine == Combine::share);
    figure.text = text("text", false);
    figure.unit = text("unit", false);
    s.figures.push_back(std::move(figure));
  }
  return s;
}

}  // namespace mapsla
