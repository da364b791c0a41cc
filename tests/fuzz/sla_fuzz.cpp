// libFuzzer target for the SLA loader (model/sla_parser.h): the input is one YAML document,
// parsed by parse_sla_text() as an `--sla FILE`. ConfigError is the loader's one documented
// error; any other exception escaping it, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/sla_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    mapsla::parse_sla_text(text, "fuzz-sla.yaml");
  } catch (const mapsla::ConfigError&) {
  }
  return 0;
}
