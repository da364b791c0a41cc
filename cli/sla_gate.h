// The SLA gate as `mapsla run --sla` and `mapsla check` apply it: evaluate,
// print each violated or unevaluated check, write junit.xml, and map the
// verdict to an exit code (harness/exit_codes.h):
//   0  every evaluated check held (checks of skipped/not_applicable cells are
//      "not evaluated" and printed, but do not fail the gate by themselves);
//   1  at least one check was violated (a failed cell violates its checks);
//   2  a rule selects no cell (a typo must not silently disable a check);
//   3  there were checks, but none could be evaluated: the environment could
//      not run any cell the SLA names.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "model/scenario.h"
#include "reports/result.h"
#include "reports/sla.h"

namespace mapsla::cli {

// The scenarios' own `sla:` rules followed by the file's (which therefore win
// ties of specificity).
SlaSpec combined_sla(const std::vector<Scenario>& scenarios, const SlaSpec& from_file);

// Before a run: every rule must select at least one planned cell. Returns the
// error line for the first rule that selects none, or nothing.
std::optional<std::string> unmatched_in_plan(const SlaSpec& spec,
                                             const std::vector<Scenario>& scenarios);

// Evaluates `spec` on `report`, prints to `out` (errors to `err`), writes
// `junit` when given, and returns the exit code described above.
int apply_sla_gate(const SlaSpec& spec, const Report& report,
                   const std::optional<std::filesystem::path>& junit, std::ostream& out,
                   std::ostream& err);

}  // namespace mapsla::cli
