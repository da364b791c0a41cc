#include "reports/phase_report.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "reports/json_report.h"
#include "reports/report_tables.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

constexpr const char* kPhases[] = {"before", "during", "after"};

RepetitionResult pooled(const std::vector<RepetitionResult>& repetitions) {
  RepetitionResult all;
  all.index = -1;
  for (const auto& r : repetitions)
    all.merge(r);
  return all;
}

}  // namespace

nlohmann::json phases_to_json(const CellResult& cell) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* name : kPhases) {
    const auto it = cell.phases.find(name);
    if (it == cell.phases.end()) continue;
    nlohmann::json phase = to_json(pooled(it->second), false);
    nlohmann::json reps = nlohmann::json::array();
    for (const auto& r : it->second)
      reps.push_back(to_json(r, false));
    phase["repetitions"] = std::move(reps);
    out[name] = std::move(phase);
  }
  return out;
}

nlohmann::json recovery_to_json(const CellResult& cell) {
  nlohmann::json reps = nlohmann::json::array();
  bool all_recovered = !cell.recovery.empty();
  uint64_t worst = 0;
  for (const Recovery& r : cell.recovery) {
    reps.push_back({{"index", r.index},
                    {"recovered", r.recovered},
                    {"recovery_ns", r.recovered ? nlohmann::json(r.recovery_ns) : nullptr},
                    {"before_p99_ns", r.before_p99_ns},
                    {"threshold_ns", r.threshold_ns},
                    {"first_window_p99_ns", r.first_window_p99_ns},
                    {"windows_judged", r.windows_judged}});
    all_recovered = all_recovered && r.recovered;
    if (r.recovered) worst = std::max(worst, r.recovery_ns);
  }
  return {{"definition",
           "smallest offset after the fault stopped at which the op P99 over the next window "
           "is within factor x the before phase's op P99"},
          {"window_ns", kRecoveryWindowNs},
          {"step_ns", kRecoveryStepNs},
          {"factor", kRecoveryFactor},
          {"worst_ns", all_recovered ? nlohmann::json(worst) : nullptr},
          {"repetitions", std::move(reps)}};
}

void print_phase_table(std::ostream& out, const std::vector<CellResult>& cells) {
  std::vector<std::vector<std::string>> rows = {{"scenario", "reader", "mode", "op p99 before",
                                                 "during", "after", "during/before", "recovery"}};
  for (const CellResult& cell : cells) {
    if (cell.phases.empty() || cell.status == CellStatus::skipped ||
        cell.status == CellStatus::not_applicable)
      continue;
    std::vector<std::string> row = {cell.scenario, cell.reader, cell.mode};
    uint64_t p99[3] = {};
    for (int i = 0; i < 3; ++i) {
      const auto it = cell.phases.find(kPhases[i]);
      p99[i] = it == cell.phases.end() ? 0 : pooled(it->second).op_latency.percentile(99);
      row.push_back(p99[i] ? format_ns(static_cast<double>(p99[i])) : "—");
    }
    row.push_back(
        p99[0] ? fmt::format("×{:.2f}", static_cast<double>(p99[1]) / static_cast<double>(p99[0]))
               : "—");
    row.push_back(recovery_text(cell));
    rows.push_back(std::move(row));
  }
  if (rows.size() == 1) return;
  out << "fault phases (recovery: op P99 over 100 ms back within 1.2× before)\n\n";
  print_table(out, rows, 3);
  out << '\n';
}

}  // namespace mapsla
