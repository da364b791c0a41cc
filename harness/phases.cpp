#include "harness/phases.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace mapsla {
using std::chrono::nanoseconds;

PhaseDurations split_window(nanoseconds duration, const PhaseFractions& f) {
  const double sum = f.before + f.during + f.after;
  const auto part = [&](double share) {
    return nanoseconds(static_cast<int64_t>(
        std::llround(static_cast<double>(duration.count()) * (sum > 0 ? share / sum : 0.0))));
  };
  PhaseDurations out;
  out.before = part(f.before);
  out.during = part(f.during);
  out.after = duration - out.before - out.during;
  if (out.after.count() < 0) {  // rounding can only overshoot by a nanosecond or two
    out.during += out.after;
    out.after = nanoseconds(0);
  }
  return out;
}

namespace {

// "25%" → 25; nullopt when the text is not a percentage.
std::optional<double> parse_percent(const std::string& text) {
  if (text.empty() || text.back() != '%') return std::nullopt;
  const std::string number = text.substr(0, text.size() - 1);
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == number.c_str() || *end != '\0' || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

PhaseFractions parse_phases(Fields f, nanoseconds& duration, bool duration_given) {
  constexpr const char* kKeys[] = {"before", "during", "after"};
  double shares[3] = {};
  int percents = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string key = kKeys[i];
    const YAML::Node node = f.node(key);
    if (!node.IsScalar()) f.fail(key, "expected a duration (1s) or a percentage (25%)");
    const std::string text = node.Scalar();
    if (auto percent = parse_percent(text)) {
      if (*percent <= 0 || *percent >= 100)
        f.fail(key, fmt::format("{} is out of range (0%, 100%)", text));
      shares[i] = *percent;
      ++percents;
    } else if (auto d = parse_duration(text)) {
      if (*d < kMinPhase) f.fail(key, fmt::format("{} is shorter than the minimum 10ms", text));
      shares[i] = static_cast<double>(d->count());
    } else {
      f.fail(key, fmt::format("'{}' is neither a duration (1s) nor a percentage (25%)", text));
    }
  }
  if (percents != 0 && percents != 3)
    f.fail_here("give all three phases as durations or all three as percentages");
  f.done();
  const double sum = shares[0] + shares[1] + shares[2];
  if (percents == 3) {
    if (std::fabs(sum - 100.0) > 1e-6)
      f.fail_here(fmt::format("the percentages add up to {}%, not 100%", sum));
  } else {
    const nanoseconds total(static_cast<int64_t>(sum));
    if (duration_given && total != duration)
      f.fail_here(
          fmt::format("the phases add up to {}ms but run.duration is {}ms; give one or "
                      "make them agree",
                      total.count() / 1'000'000, duration.count() / 1'000'000));
    duration = total;
  }
  return {shares[0] / sum, shares[1] / sum, shares[2] / sum};
}

void LatencySeries::reset(uint64_t origin_ns) {
  origin_ = origin_ns;
  bins_.clear();
}

void LatencySeries::record(uint64_t end_ns, uint64_t latency_ns) {
  if (end_ns < origin_) return;
  const size_t bin = static_cast<size_t>((end_ns - origin_) / kRecoveryStepNs);
  while (bins_.size() <= bin)
    bins_.emplace_back();
  bins_[bin].record(latency_ns);
}

Recovery compute_recovery(const LatencySeries& series, uint64_t before_p99_ns,
                          uint64_t observed_ns) {
  Recovery r;
  r.before_p99_ns = before_p99_ns;
  r.threshold_ns =
      static_cast<uint64_t>(std::ceil(static_cast<double>(before_p99_ns) * kRecoveryFactor));
  constexpr uint64_t kBinsPerWindow = kRecoveryWindowNs / kRecoveryStepNs;
  const auto& bins = series.bins();
  for (uint64_t start = 0; (start + kBinsPerWindow) * kRecoveryStepNs <= observed_ns; ++start) {
    LatencyHistogram window;
    for (uint64_t b = start; b < start + kBinsPerWindow && b < bins.size(); ++b)
      window.merge(bins[b]);
    if (window.count() < kRecoveryMinOps) continue;
    const uint64_t p99 = window.percentile(99);
    if (r.windows_judged++ == 0) r.first_window_p99_ns = p99;
    if (p99 <= r.threshold_ns) {
      r.recovered = true;
      r.recovery_ns = start * kRecoveryStepNs;
      break;
    }
  }
  return r;
}

}  // namespace mapsla
