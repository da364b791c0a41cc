// report.json → the result model, for `mapsla check` and `mapsla compare`.
//
// The reader accepts schema `mapsla.report/v1` only and ignores fields it does
// not know (the schema only ever adds fields). What it rebuilds is what the
// gate and compare read: each repetition's counts, anomalies and latency
// histograms (exact minimum, maximum and mean restored from the summary), so
// a report read back gives the same figures, percentiles included, as the run
// that wrote it. Phase repetitions (fault cells) carry no histograms; their
// latency figures are rebuilt as step histograms that reproduce the recorded
// percentiles. Derived fields (`summary`, `per_million`, `matrix`,
// `recovery`) are not read; they are recomputed from the repetitions.
//
// Every problem is a ReportError, one line naming the file and the JSON path:
//   base.json: at cells[2].repetitions[0].reads: expected a non-negative integer, got "x"
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "reports/result.h"

namespace mapsla {

class ReportError : public std::runtime_error {
 public:
  ReportError(std::string file, std::string path, std::string why);
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }  // "cells[2].reads"; "(document)"

 private:
  std::string file_;
  std::string path_;
};

// Reads and validates `file`. A fleet report (`mapsla merge`, schema
// mapsla.fleet/v1) is refused with a message that says so.
Report read_report(const std::filesystem::path& file);
// `file` parsed as JSON, not yet validated: a ReportError when it cannot be
// read or is not JSON.
nlohmann::json read_report_json(const std::filesystem::path& file);
// The same from parsed JSON; `file` names it in errors.
Report report_from_json(const nlohmann::json& json, const std::string& file);

}  // namespace mapsla
