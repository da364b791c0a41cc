// Phases of a fault window and the recovery figure.
//
// A scenario with window-scope faults (harness/faults/fault.h) splits every
// measured window into three phases: `before` (no fault), `during` (the
// runner starts the faults when `before` ends and stops them when `during`
// ends) and `after` (recovery). `run.phases` gives their lengths either as
// durations, which then make up run.duration, or as percentages of
// run.duration; the default is 25 % / 50 % / 25 %. Each phase gets its own
// figures; a reader's recovery is read from the op latencies of the after
// phase, binned by the time each op ended (LatencySeries, compute_recovery).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>

#include <nlohmann/json.hpp>

#include "core/util/yaml_fields.h"
#include "model/scenario.h"
#include "reports/histogram.h"
#include "reports/result.h"

namespace mapsla {

enum class Phase { before = 0, during = 1, after = 2 };
inline constexpr std::array<const char*, 3> kPhaseNames = {"before", "during", "after"};
inline constexpr std::chrono::milliseconds kMinPhase{10};

struct PhaseDurations {
  std::chrono::nanoseconds before{0};
  std::chrono::nanoseconds during{0};
  std::chrono::nanoseconds after{0};
  std::chrono::nanoseconds total() const { return before + during + after; }
};

// Splits `duration` by `fractions`, rounding so the three add up to exactly
// `duration` (the after phase takes the rounding remainder).
PhaseDurations split_window(std::chrono::nanoseconds duration, const PhaseFractions& fractions);

// Reads the `run.phases` mapping: `{before: 1s, during: 2s, after: 1s}` or
// `{before: 25%, during: 50%, after: 25%}`. Durations set `duration` to their
// sum; when the scenario also gave run.duration (`duration_given`) the two
// must agree. Errors name the file, line and field (ConfigError).
PhaseFractions parse_phases(Fields phases, std::chrono::nanoseconds& duration, bool duration_given);

// Op latencies binned by kRecoveryStepNs from `origin` (the moment the faults
// stopped) by the time each op ended. Not thread-safe: one reader thread
// records, the runner reads after the window.
class LatencySeries {
 public:
  void reset(uint64_t origin_ns);
  // Ops that ended before the origin are ignored.
  void record(uint64_t end_ns, uint64_t latency_ns);
  uint64_t origin() const { return origin_; }
  const std::deque<LatencyHistogram>& bins() const { return bins_; }

 private:
  uint64_t origin_ = 0;
  std::deque<LatencyHistogram> bins_;
};

// Windows of kRecoveryWindowNs starting every kRecoveryStepNs after the
// origin, as long as they fit in `observed_ns`; a window with fewer than
// kRecoveryMinOps ops is not judged. Recovered at the first judged window
// whose op P99 is ≤ kRecoveryFactor × `before_p99_ns`.
inline constexpr uint64_t kRecoveryMinOps = 20;
Recovery compute_recovery(const LatencySeries& series, uint64_t before_p99_ns,
                          uint64_t observed_ns);

}  // namespace mapsla
