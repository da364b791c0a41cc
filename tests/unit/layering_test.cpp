// The dependency table of docs/architecture.md, enforced: every #include "…"
// of mapsla's own sources must point to its own library or to one below it.
// A forbidden include fails this test with the file, the line and the rule.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace mapsla {
namespace {

namespace fs = std::filesystem;

// The library a source path belongs to ("" for paths outside the table).
// Keep in step with CMakeLists.txt and docs/architecture.md.
std::string library_of(const std::string& path) {
  auto starts = [&](const char* prefix) { return path.rfind(prefix, 0) == 0; };
  if (starts("bpf/")) return "bpf";
  if (starts("core/bpf/") || starts("core/util/") || path == "core/net/command.h" ||
      path == "core/net/command.cpp" || path == "core/net/netns.h" ||
      path == "core/net/netns.cpp")
    return "core";
  if (starts("reports/")) return "reports";
  if (starts("readers/")) return "readers";
  if (starts("cli/")) return "cli";
  if (starts("harness/")) return "harness";
  return "";
}

// library → the libraries it may include (besides itself).
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"bpf", {}},
    {"core", {"bpf"}},
    {"reports", {}},
    {"readers", {"core", "bpf"}},
    {"harness", {"readers", "reports", "core", "bpf"}},
    {"cli", {"harness", "readers", "reports", "core", "bpf"}},
};

struct Violation {
  std::string file;
  int line;
  std::string include;
  std::string rule;
};

std::vector<Violation> violations_under(const fs::path& root) {
  static const std::regex include(R"re(^\s*#\s*include\s+"([^"]+)")re");
  std::vector<Violation> out;
  for (const char* top : {"bpf", "harness", "readers", "reports"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp" && ext != ".c")) continue;
      const std::string path = fs::relative(entry.path(), root).string();
      const std::string from = library_of(path);
      std::ifstream in(entry.path());
      std::string text;
      for (int line = 1; std::getline(in, text); ++line) {
        std::smatch m;
        if (!std::regex_search(text, m, include)) continue;
        const std::string to = library_of(m[1].str());
        if (to.empty() || to == from || kAllowed.at(from).contains(to)) continue;
        out.push_back({path, line, m[1].str(), from + " may not include " + to});
      }
    }
  }
  return out;
}

TEST(Layering, EveryIncludePointsDownTheDependencyTable) {
  const std::vector<Violation> found = violations_under(MAPSLA_SOURCE_DIR);
  for (const Violation& v : found)
    ADD_FAILURE() << v.file << ":" << v.line << ": #include \"" << v.include << "\": " << v.rule
                  << " (docs/architecture.md)";
  EXPECT_TRUE(found.empty());
}

// reports/ renders; it never opens a socket or starts a process
// (docs/architecture.md). Its sources may not include the headers that would.
std::vector<Violation> io_in_reports(const fs::path& root) {
  static const std::regex include(R"re(^\s*#\s*include\s+<([^>]+)>)re");
  static const std::regex forbidden(
      R"re(^(sys/socket\.h|netinet/.*|arpa/inet\.h|netdb\.h|curl/.*|prometheus/gateway\.h|prometheus/exposer\.h|spawn\.h|sys/wait\.h)$)re");
  std::vector<Violation> out;
  for (const auto& entry : fs::recursive_directory_iterator(root / "reports")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
      std::smatch m;
      if (std::regex_search(text, m, include) && std::regex_match(m[1].str(), forbidden))
        out.push_back({fs::relative(entry.path(), root).string(), line, m[1].str(),
                       "reports/ never opens a socket or starts a process"});
    }
  }
  return out;
}

TEST(Layering, ReportsDoNoNetworkOrProcessIo) {
  for (const Violation& v : io_in_reports(MAPSLA_SOURCE_DIR))
    ADD_FAILURE() << v.file << ":" << v.line << ": #include <" << v.include << ">: " << v.rule
                  << " (docs/architecture.md)";
  const fs::path root = fs::temp_directory_path() / "mapsla_layering_io_probe";
  fs::remove_all(root);
  fs::create_directories(root / "reports");
  std::ofstream(root / "reports/push.cpp") << "#include <map>\n#include <prometheus/gateway.h>\n";
  const std::vector<Violation> probe = io_in_reports(root);
  fs::remove_all(root);
  ASSERT_EQ(probe.size(), 1u);
  EXPECT_EQ(probe[0].line, 2);
}

TEST(Layering, TheCheckSeesAForbiddenInclude) {
  // A deliberately bad tree: core including the harness must be caught.
  const fs::path root = fs::temp_directory_path() / "mapsla_layering_probe";
  fs::remove_all(root);
  for (const char* dir : {"bpf", "core/bpf", "readers", "reports"})
    fs::create_directories(root / dir);
  std::ofstream(root / "core/bpf/bad.cpp") << "#include \"harness/runner.h\"\n";
  std::ofstream(root / "readers/ok.cpp") << "#include \"core/bpf/map.h\"\n";
  const std::vector<Violation> found = violations_under(root);
  fs::remove_all(root);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].file, "core/bpf/bad.cpp");
  EXPECT_EQ(found[0].rule, "core may not include harness");
}

}  // namespace
}  // namespace mapsla
