// libFuzzer target for the scenario loader (harness/scenario_parser.h).
//
// The input is one YAML document, parsed by parse_scenarios() as if it were the file
// <sandbox>/fuzz.yaml. The sandbox is a fresh temporary directory holding a few fixtures a
// suite may include (a valid scenario, a suite that includes itself, a malformed file), so
// `include:` is exercised without reading anything else: inputs that name an include outside
// the sandbox (a path with '/' or '..') are rejected before parsing. ConfigError is the loader's
// one documented error; any other exception escaping it, a crash or a sanitizer report is a
// finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <yaml-cpp/yaml.h>

#include "harness/scenario_parser.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kValidScenario = R"(name: fixture
map: {kind: hash, entries: 64}
writer: {driver: none}
readers: [{reader: naive, mode: keys}]
)";

void write(const fs::path& file, const char* text) {
  std::ofstream(file) << text;
}

fs::path make_sandbox() {
  std::string dir = (fs::temp_directory_path() / "mapsla-scenario-fuzz-XXXXXX").string();
  if (!mkdtemp(dir.data())) std::abort();
  write(fs::path(dir) / "valid.yaml", kValidScenario);
  write(fs::path(dir) / "self.yaml", "include: [self.yaml]\n");
  write(fs::path(dir) / "broken.yaml", "map: [unclosed\n");
  return dir;
}

const fs::path& sandbox() {
  static const fs::path dir = [] {
    fs::path d = make_sandbox();
    std::atexit([] { fs::remove_all(sandbox()); });
    return d;
  }();
  return dir;
}

// True when an `include:` entry could name a file outside the sandbox.
bool escapes_sandbox(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return false;  // the loader reports it as a ConfigError
  }
  if (!root.IsMap()) return false;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar() || entry.first.Scalar() != "include") continue;
    if (!entry.second.IsSequence()) continue;
    for (const auto& item : entry.second) {
      if (!item.IsScalar()) continue;
      const std::string& path = item.Scalar();
      if (path.find('/') != std::string::npos || path.find("..") != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (escapes_sandbox(text)) return -1;  // not added to the corpus
  try {
    mapsla::parse_scenarios(text, (sandbox() / "fuzz.yaml").string());
  } catch (const mapsla::ConfigError&) {
  }
  return 0;
}
