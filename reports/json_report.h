// report.json: the machine-readable contract (docs/report-schema.md).
#pragma once

#include <nlohmann/json.hpp>

#include "reports/reporter.h"
#include "reports/statistics.h"

namespace mapsla {

nlohmann::json to_json(const LatencySummary& summary);
nlohmann::json to_json(const AnomalyCounts& anomalies, uint64_t reads);
nlohmann::json to_json(const RepetitionResult& repetition, bool with_histogram);
nlohmann::json to_json(const CellResult& cell);
// The cell summary's `across_repetitions` object (docs/report-schema.md).
nlohmann::json to_json(const FigureSpread& figure);
nlohmann::json to_json(const CellStatistics& statistics);
nlohmann::json to_json(const Environment& environment);
nlohmann::json to_json(const Report& report);

class JsonReporter final : public Reporter {
 public:
  std::string name() const override { return "json"; }
  std::vector<std::filesystem::path> write(const Report& report,
                                           const std::filesystem::path& out_dir,
                                           std::ostream& terminal) override;
};

}  // namespace mapsla
