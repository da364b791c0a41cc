// Phases of fault cells (before/during/after) and their recovery figure, as
// JSON under each cell and as a terminal table (docs/report-schema.md,
// "Phases and recovery").
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <vector>

#include "reports/result.h"

namespace mapsla {

// {"before": {figures…, "repetitions": [figures…]}, "during": …, "after": …};
// figures as in a cell's summary, without histograms. Empty object for a
// cell without phases.
nlohmann::json phases_to_json(const CellResult& cell);
// {"definition", "window_ns", "step_ns", "factor", "worst_ns", "repetitions": […]}.
nlohmann::json recovery_to_json(const CellResult& cell);
// One row per phased cell: op P99 per phase, during ÷ before, recovery.
// Prints nothing when no cell has phases.
void print_phase_table(std::ostream& out, const std::vector<CellResult>& cells);

}  // namespace mapsla
