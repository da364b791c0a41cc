// Statistics behind the figures people gate on: the spread of a figure across
// repetitions, its bootstrap confidence interval, and the replicates
// `mapsla compare` builds its intervals from. Pure functions of the result model; deterministic
// (the bootstrap RNG is seeded with a constant), so the same report always
// yields the same intervals.
//
// Why the interval resamples samples and not repetitions: a cell has few
// repetitions (3 by default). A percentile bootstrap over 3 values can only
// return those values; its "95 %" interval is [min, max], whose real coverage
// of the median is 1 − 2·0.5³ = 75 %. So the interval is a *stratified*
// bootstrap over the op-latency samples instead: each replicate redraws every
// repetition's samples (a multinomial draw from its histogram, same count),
// recomputes that repetition's figure and takes the median across
// repetitions — the same estimator as the reported value. (The per-entry
// cost scales with the mean op latency, whose bootstrap distribution is drawn
// from its normal limit, mean ± standard error.) It covers the
// uncertainty of finite samples within the windows. Drift between windows is
// shown separately as min–max, and compare's replicates (cell_replicates)
// also redraw the repetitions. Samples are treated as independent; latency bursts
// make them mildly autocorrelated, so the interval is somewhat optimistic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/result.h"

namespace mapsla {

// Samples a percentile needs before it is worth reading: about 100 samples
// beyond it.
inline constexpr uint64_t kSamplesForP99 = 10'000;
inline constexpr uint64_t kSamplesForP999 = 100'000;

// Median (mean of the two middle values for an even count); 0 when empty.
double median(std::vector<double> values);
// Linear-interpolated quantile of sorted values, q in [0, 1] (R type 7).
double quantile_sorted(const std::vector<double>& sorted, double q);

struct BootstrapOptions {
  int resamples = 1000;
  double confidence = 0.95;
  uint64_t seed = 0x6d61'70736c61;  // "mapsla"
};

// One figure across the repetitions of a cell.
struct FigureSpread {
  std::vector<double> values;  // one per repetition that measured an op, in order
  double median = 0;
  double min = 0;
  double max = 0;
  double ci_low = 0;  // bootstrap interval of the median (see above)
  double ci_high = 0;
};

struct CellStatistics {
  size_t repetitions = 0;
  uint64_t samples = 0;                     // op-latency samples, all repetitions
  uint64_t min_samples_per_repetition = 0;  // the estimator's weakest repetition
  FigureSpread op_p50;
  FigureSpread op_p99;
  FigureSpread op_p999;
  FigureSpread per_entry_ns;
  // Human-readable, one line each: too few samples for a percentile, too few
  // repetitions for a spread.
  std::vector<std::string> warnings;
};

// For a cell with no repetitions every figure is 0 and there are no warnings.
CellStatistics cell_statistics(const CellResult& cell, const BootstrapOptions& options = {});

// Per-repetition values of a latency percentile (q in [0, 100]) and of the
// derived figures; the SLA gate and compare read figures through these.
std::vector<double> op_percentiles(const CellResult& cell, double q);
std::vector<double> pass_percentiles(const CellResult& cell, double q);
// Open-loop pass latency from each pass's due time (run.interval).
std::vector<double> corrected_pass_percentiles(const CellResult& cell, double q);
std::vector<double> per_entry_values(const CellResult& cell);
// The machine's floor (RepetitionResult::floor_ns) per measured repetition,
// and whether every measured repetition has one.
std::vector<double> floor_values(const CellResult& cell);
bool has_floor(const CellResult& cell);
std::vector<double> entries_per_s_values(const CellResult& cell);
// Anomalies of every class per million reads, per repetition.
std::vector<double> anomaly_rate_values(const CellResult& cell);

// Bootstrap replicates of a cell's median-of-repetitions figures, for
// comparing two runs (`mapsla compare`). Unlike cell_statistics' interval,
// each replicate first draws the repetitions with replacement, then redraws
// each drawn repetition's samples: the spread then carries the drift between
// windows as well as the finite samples, which is what separates two runs.
//
// relative_to_floor: each repetition's figures are divided by its floor
// first (the cell must have one: has_floor), so the replicates are ratios to
// the machine's speed in the same window. `floor` holds the replicates of
// the median floor itself, from the repetitions' draws.
struct CellReplicates {
  std::vector<double> op_p50, op_p99, per_entry;  // BootstrapOptions::resamples each
  std::vector<double> floor;
};
CellReplicates cell_replicates(const CellResult& cell, const BootstrapOptions& options,
                               bool relative_to_floor = false);

}  // namespace mapsla
