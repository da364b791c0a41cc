// YAML → SlaSpec (model/sla_spec.h). The same rules are accepted in a separate
// file (`--sla FILE`) and under `sla:` in a scenario:
//
//   sla:
//     - op_p99: 5us            # no selector: every cell
//       torn: 0
//       missing_per_million: 10
//     - reader: naive          # selectors: scenario, reader, mode
//       mode: dump
//       duplicate_per_million: 100
//
// `sla:` may also be a single rule (a mapping). Latencies need a unit (ns, us,
// µs, ms, s); throughput and sample counts take k/M/G suffixes. Every mistake
// is a ConfigError, `FILE:LINE: field 'sla[1].op_p99': why`, so a typo can
// never silently disable a check. docs/sla.md lists every metric.
#pragma once

#include <filesystem>
#include <string>

#include "core/util/yaml_fields.h"
#include "model/sla_spec.h"

namespace mapsla {

// A file whose top level is `sla:` (and optionally `description:`).
SlaSpec load_sla_file(const std::filesystem::path& file);
SlaSpec parse_sla_text(const std::string& yaml_text, const std::string& file);

// The `sla:` field of a scenario's top-level mapping. Its rules select that
// scenario only: a `scenario:` selector, if given, must name it.
SlaSpec parse_scenario_sla(Fields& scenario_fields, const std::string& scenario_name);

}  // namespace mapsla
