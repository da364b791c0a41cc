#include "cli/sla_gate.h"

#include <fmt/format.h>

#include "harness/exit_codes.h"
#include "reports/junit_report.h"

namespace mapsla::cli {

SlaSpec combined_sla(const std::vector<Scenario>& scenarios, const SlaSpec& from_file) {
  SlaSpec out;
  for (const auto& s : scenarios)
    out.rules.insert(out.rules.end(), s.sla.rules.begin(), s.sla.rules.end());
  out.rules.insert(out.rules.end(), from_file.rules.begin(), from_file.rules.end());
  return out;
}

std::optional<std::string> unmatched_in_plan(const SlaSpec& spec,
                                             const std::vector<Scenario>& scenarios) {
  for (const SlaRule& rule : spec.rules) {
    bool matched = false;
    std::string planned;
    for (const auto& s : scenarios)
      for (const auto& r : s.readers) {
        matched = matched || rule.matches(s.name, r.reader, r.mode);
        planned += fmt::format("{}{} {} {}", planned.empty() ? "" : ", ", s.name, r.reader, r.mode);
      }
    if (!matched)
      return fmt::format("{}: field 'sla': the rule for {} selects none of the cells to run ({})",
                         rule.origin, rule.describe(), planned);
  }
  return std::nullopt;
}

int apply_sla_gate(const SlaSpec& spec, const Report& report,
                   const std::optional<std::filesystem::path>& junit, std::ostream& out,
                   std::ostream& err) {
  const SlaResult result = evaluate_sla(spec, report.cells);
  if (!result.unmatched.empty()) {
    for (const SlaRule* rule : result.unmatched)
      err << fmt::format("mapsla: {}: field 'sla': the rule for {} selects no cell of the report\n",
                         rule->origin, rule->describe());
    return exit_code::kBadInput;
  }
  out << '\n';
  print_sla(result, out);
  if (junit) {
    const std::filesystem::path dir = junit->has_parent_path() ? junit->parent_path() : ".";
    JunitReporter(result, junit->filename().string()).write(report, dir, out);
    out << "junit: " << junit->string() << '\n';
  }
  switch (result.verdict()) {
    case SlaVerdict::held:
      return exit_code::kOk;
    case SlaVerdict::violated:
      return exit_code::kSlaViolated;
    case SlaVerdict::not_evaluated:
      return exit_code::kEnvironment;
  }
  return exit_code::kSlaViolated;
}

}  // namespace mapsla::cli
