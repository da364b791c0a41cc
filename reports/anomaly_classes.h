// The anomaly classes in the order every report lists them, with their
// counts taken from an AnomalyCounts ("error" is the sum over errno names).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "reports/result.h"

namespace mapsla {

inline constexpr std::array<const char*, 7> kAnomalyClasses = {
    "torn", "missing", "skipped", "duplicate", "stale", "non_monotonic", "error"};
inline constexpr size_t kAnomalyClassCount = kAnomalyClasses.size();

inline std::array<uint64_t, kAnomalyClassCount> anomaly_class_counts(const AnomalyCounts& a) {
  return {a.torn, a.missing, a.skipped, a.duplicate, a.stale, a.non_monotonic, a.error_total()};
}

}  // namespace mapsla
