#include "reports/statistics.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

namespace mapsla {
namespace {

// "10,000": warnings are read by people.
std::string grouped(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

constexpr double kQuantiles[3] = {50, 99, 99.9};

uint64_t rank_of(double q, uint64_t total) {
  return std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(total))));
}

// One repetition's op-latency histogram, flattened to its non-empty buckets.
// Each bucket stands for the value LatencyHistogram::percentile() reports for
// it, so a resample equal to the original reproduces the point estimate.
// Buckets that a resampled P50/P99/P99.9 cannot reach (their cumulative count
// is more than 10 σ of the binomial rank away from every rank) are merged:
// that keeps a replicate to a few dozen binomial draws instead of one per
// bucket, without changing what the replicates can return.
struct Stratum {
  std::vector<double> values;
  std::vector<uint64_t> counts;
  uint64_t total = 0;
  double relative_se = 0;  // standard error of the mean op latency ÷ the mean
  double per_entry = 0;    // the repetition's own per-entry cost
  double floor = 0;        // the machine's floor in the window, 0 without one
};

Stratum stratum_of(const RepetitionResult& rep) {
  Stratum s;
  const LatencyHistogram& h = rep.op_latency;
  s.total = h.count();
  s.per_entry = rep.per_entry_ns();
  s.floor = rep.floor_ns();
  if (s.total == 0) return s;
  const double n = static_cast<double>(s.total);
  std::pair<double, double> windows[3];
  for (int i = 0; i < 3; ++i) {
    const double p = kQuantiles[i] / 100.0;
    const double half = 10.0 * std::sqrt(n * p * (1.0 - p)) + 10.0;
    const double r = static_cast<double>(rank_of(kQuantiles[i], s.total));
    windows[i] = {r - half, r + half};
  }
  double sum = 0, sum_sq = 0, seen = 0;
  bool in_gap = false;
  for (const auto& [lower, count] : h.buckets()) {
    const uint64_t mid =
        lower + (LatencyHistogram::width_of(LatencyHistogram::index_of(lower)) - 1) / 2;
    const double value = static_cast<double>(std::clamp(mid, h.min(), h.max()));
    const double c = static_cast<double>(count);
    sum += value * c;
    sum_sq += value * value * c;
    const double first = seen + 1, last = seen + c;
    seen = last;
    bool keep = false;
    for (const auto& [lo, hi] : windows)
      keep = keep || (first <= hi && last >= lo);
    if (!keep && in_gap) {
      s.counts.back() += count;
      s.values.back() = value;
      continue;
    }
    s.values.push_back(value);
    s.counts.push_back(count);
    in_gap = !keep;
  }
  const double mean = sum / n;
  const double variance = std::max(0.0, sum_sq / n - mean * mean);
  s.relative_se = mean > 0 ? std::sqrt(variance / n) / mean : 0.0;
  return s;
}

struct Figures {
  double p50 = 0, p99 = 0, p999 = 0;
};

// Nearest-rank percentiles of `counts` over `s`.
Figures figures_of(const Stratum& s, const std::vector<uint64_t>& counts) {
  Figures f;
  if (s.total == 0) return f;
  const uint64_t ranks[3] = {rank_of(kQuantiles[0], s.total), rank_of(kQuantiles[1], s.total),
                             rank_of(kQuantiles[2], s.total)};
  double* outs[3] = {&f.p50, &f.p99, &f.p999};
  int next = 0;
  uint64_t seen = 0;
  for (size_t k = 0; k < counts.size() && next < 3; ++k) {
    seen += counts[k];
    while (next < 3 && seen >= ranks[next])
      *outs[next++] = s.values[k];
  }
  return f;
}

// A multinomial draw of s.total samples from the bucket frequencies, as
// successive conditional binomials.
void resample(const Stratum& s, std::mt19937_64& rng, std::vector<uint64_t>& out) {
  out.assign(s.counts.size(), 0);
  uint64_t remaining = s.total;
  uint64_t mass = s.total;
  for (size_t k = 0; k < s.counts.size() && remaining > 0; ++k) {
    if (k + 1 == s.counts.size() || s.counts[k] >= mass) {
      out[k] = remaining;
      break;
    }
    const double p = static_cast<double>(s.counts[k]) / static_cast<double>(mass);
    std::binomial_distribution<uint64_t> draw(remaining, p);
    out[k] = draw(rng);
    remaining -= out[k];
    mass -= s.counts[k];
  }
}

void finish_spread(FigureSpread& f, std::vector<double> replicates, double confidence) {
  if (f.values.empty()) return;
  f.median = median(f.values);
  f.min = *std::min_element(f.values.begin(), f.values.end());
  f.max = *std::max_element(f.values.begin(), f.values.end());
  std::sort(replicates.begin(), replicates.end());
  const double tail = (1.0 - confidence) / 2.0;
  f.ci_low = quantile_sorted(replicates, tail);
  f.ci_high = quantile_sorted(replicates, 1.0 - tail);
}

// A repetition that measured no op (its only pass outlasted the window)
// has no figures: it would enter every median as 0.
bool measured(const RepetitionResult& rep) {
  return rep.op_latency.count() > 0;
}

std::vector<double> latency_values(const CellResult& cell, double q, bool pass) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    if (measured(rep))
      out.push_back(static_cast<double>((pass ? rep.pass_latency : rep.op_latency).percentile(q)));
  return out;
}

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double h = static_cast<double>(sorted.size() - 1) * std::clamp(q, 0.0, 1.0);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::vector<double> op_percentiles(const CellResult& cell, double q) {
  return latency_values(cell, q, false);
}

std::vector<double> pass_percentiles(const CellResult& cell, double q) {
  return latency_values(cell, q, true);
}

std::vector<double> corrected_pass_percentiles(const CellResult& cell, double q) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    if (rep.pass_latency_corrected.count())
      out.push_back(static_cast<double>(rep.pass_latency_corrected.percentile(q)));
  return out;
}

std::vector<double> per_entry_values(const CellResult& cell) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    if (measured(rep)) out.push_back(rep.per_entry_ns());
  return out;
}

std::vector<double> floor_values(const CellResult& cell) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    if (measured(rep)) out.push_back(rep.floor_ns());
  return out;
}

bool has_floor(const CellResult& cell) {
  const std::vector<double> floors = floor_values(cell);
  return !floors.empty() && std::ranges::all_of(floors, [](double f) { return f > 0; });
}

std::vector<double> entries_per_s_values(const CellResult& cell) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    out.push_back(rep.entries_per_s());
  return out;
}

std::vector<double> anomaly_rate_values(const CellResult& cell) {
  std::vector<double> out;
  for (const auto& rep : cell.repetitions)
    out.push_back(rep.reads ? static_cast<double>(rep.anomalies.total()) * 1e6 /
                                  static_cast<double>(rep.reads)
                            : 0.0);
  return out;
}

CellStatistics cell_statistics(const CellResult& cell, const BootstrapOptions& options) {
  CellStatistics stats;
  stats.repetitions = cell.repetitions.size();
  if (cell.repetitions.empty()) return stats;

  std::vector<Stratum> strata;
  stats.min_samples_per_repetition = UINT64_MAX;
  size_t empty = 0;
  for (const auto& rep : cell.repetitions) {
    if (!measured(rep)) {
      ++empty;
      stats.min_samples_per_repetition = 0;
      continue;
    }
    strata.push_back(stratum_of(rep));
    const Figures f = figures_of(strata.back(), strata.back().counts);
    stats.op_p50.values.push_back(f.p50);
    stats.op_p99.values.push_back(f.p99);
    stats.op_p999.values.push_back(f.p999);
    stats.per_entry_ns.values.push_back(strata.back().per_entry);
    stats.samples += strata.back().total;
    stats.min_samples_per_repetition =
        std::min(stats.min_samples_per_repetition, strata.back().total);
  }

  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal;
  const size_t b_count = static_cast<size_t>(std::max(1, options.resamples));
  std::vector<double> p50(b_count), p99(b_count), p999(b_count), per_entry(b_count);
  std::vector<uint64_t> counts;
  std::vector<double> r50(strata.size()), r99(strata.size()), r999(strata.size()),
      rpe(strata.size());
  for (size_t b = 0; b < b_count; ++b) {
    for (size_t r = 0; r < strata.size(); ++r) {
      resample(strata[r], rng, counts);
      const Figures f = figures_of(strata[r], counts);
      r50[r] = f.p50;
      r99[r] = f.p99;
      r999[r] = f.p999;
      // The per-entry cost scales with the mean op latency; the bootstrap
      // distribution of a mean of this many samples is its normal limit.
      // A cost cannot be negative, however wide the normal limit is.
      rpe[r] = std::max(0.0, strata[r].per_entry * (1.0 + strata[r].relative_se * normal(rng)));
    }
    p50[b] = median(r50);
    p99[b] = median(r99);
    p999[b] = median(r999);
    per_entry[b] = median(rpe);
  }
  finish_spread(stats.op_p50, std::move(p50), options.confidence);
  finish_spread(stats.op_p99, std::move(p99), options.confidence);
  finish_spread(stats.op_p999, std::move(p999), options.confidence);
  finish_spread(stats.per_entry_ns, std::move(per_entry), options.confidence);

  const uint64_t weakest = stats.min_samples_per_repetition;
  const std::string where = stats.repetitions > 1 ? " in its smallest repetition" : "";
  if (weakest < kSamplesForP99)
    stats.warnings.push_back(
        fmt::format("op p99 rests on {} samples{}, fewer than the {} a P99 needs", grouped(weakest),
                    where, grouped(kSamplesForP99)));
  if (weakest < kSamplesForP999)
    stats.warnings.push_back(
        fmt::format("op p99.9 rests on {} samples{}, fewer than the {} a P99.9 needs",
                    grouped(weakest), where, grouped(kSamplesForP999)));
  if (empty)
    stats.warnings.push_back(fmt::format(
        "{} of {} repetitions measured no op (a single pass outlasted the window) and are left "
        "out of the medians; use a longer duration",
        empty, stats.repetitions));
  if (stats.repetitions == 1)
    stats.warnings.push_back(
        "1 repetition: no spread across windows is known (use --repetitions 3 or more)");
  return stats;
}

CellReplicates cell_replicates(const CellResult& cell, const BootstrapOptions& options,
                               bool relative_to_floor) {
  CellReplicates out;
  std::vector<Stratum> strata;
  for (const auto& rep : cell.repetitions)
    if (measured(rep)) strata.push_back(stratum_of(rep));
  if (strata.empty()) return out;
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<size_t> pick(0, strata.size() - 1);
  const size_t b_count = static_cast<size_t>(std::max(1, options.resamples));
  std::vector<uint64_t> counts;
  std::vector<double> r50(strata.size()), r99(strata.size()), rpe(strata.size()),
      rfloor(strata.size());
  for (size_t b = 0; b < b_count; ++b) {
    for (size_t r = 0; r < strata.size(); ++r) {
      const Stratum& s = strata[pick(rng)];
      resample(s, rng, counts);
      const Figures f = figures_of(s, counts);
      const double scale = relative_to_floor && s.floor > 0 ? 1.0 / s.floor : 1.0;
      r50[r] = f.p50 * scale;
      r99[r] = f.p99 * scale;
      rpe[r] = std::max(0.0, s.per_entry * (1.0 + s.relative_se * normal(rng))) * scale;
      rfloor[r] = s.floor;
    }
    out.op_p50.push_back(median(r50));
    out.op_p99.push_back(median(r99));
    out.per_entry.push_back(median(rpe));
    out.floor.push_back(median(rfloor));
  }
  return out;
}

}  // namespace mapsla
