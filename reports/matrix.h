// The fault matrix: op P99 per reader/mode (rows) and condition (columns,
// each scenario's `condition:`), with every condition's ratio to the
// condition named `baseline` of the same run. Derived from the cells only, so
// the JSON `matrix` object and the terminal table always agree
// (docs/report-schema.md, "matrix").
//
// A fault cell contributes its summary, which is its during phase. When two
// cells share a row and a condition, the first `ok` one is shown.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reports/result.h"

namespace mapsla {

inline constexpr const char* kBaselineCondition = "baseline";

struct MatrixEntry {
  std::string scenario;
  CellStatus status = CellStatus::ok;
  std::string reason;
  uint64_t p99_ns = 0;  // pooled op P99 (ok and failed cells with samples)
  uint64_t samples = 0;
  std::optional<double> ratio;  // p99 ÷ the baseline's p99, when both are ok
};

struct MatrixRow {
  std::string reader;
  std::string mode;
  std::map<std::string, MatrixEntry> conditions;
};

struct Matrix {
  std::string baseline = kBaselineCondition;
  bool has_baseline = false;            // some cell's condition is `baseline`
  std::vector<std::string> conditions;  // in the order they first appear
  std::vector<MatrixRow> rows;          // in the order they first appear
};

// A cell's condition: its `condition`, or its scenario name when empty.
std::string condition_of(const CellResult& cell);

Matrix build_matrix(const std::vector<CellResult>& cells);
nlohmann::json to_json(const Matrix& matrix);
// "1.62µs (×1.00)", "3.10µs (×1.91)", "skipped", "n/a", "failed", "—".
std::string matrix_cell_text(const MatrixEntry* entry);
// The terminal table; prints nothing when there are fewer than two conditions.
void print_matrix(std::ostream& out, const Matrix& matrix);

}  // namespace mapsla
