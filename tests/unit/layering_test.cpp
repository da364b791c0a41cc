// The dependency table of docs/architecture.md, enforced: every #include "…"
// of mapsla's own sources must point to its own library or to one below it.
// A forbidden include fails this test with the file, the line and the rule.
#include <gtest/gtest.h>

#include <algorithm>
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

// The library a source path belongs to ("" for paths outside the table): the
// folders are the libraries. Keep in step with CMakeLists.txt and
// docs/architecture.md.
const std::vector<std::string>& library_folders() {
  static const std::vector<std::string> folders = {"bpf",     "core",    "model", "reports",
                                                   "readers", "harness", "cli"};
  return folders;
}

std::string library_of(const std::string& path) {
  for (const std::string& folder : library_folders())
    if (path.rfind(folder + "/", 0) == 0) return folder;
  return "";
}

// library → the libraries it may include (besides itself):
// BPF programs ← core ← model ← {reports, readers} ← harness ← cli.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"bpf", {}},
    {"core", {"bpf"}},
    {"model", {"core", "bpf"}},
    {"reports", {"model"}},
    {"readers", {"model", "core", "bpf"}},
    {"harness", {"readers", "reports", "model", "core", "bpf"}},
    {"cli", {"harness", "readers", "reports", "model", "core", "bpf"}},
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
  for (const std::string& top : library_folders()) {
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
  // A deliberately bad tree: core including the harness, and the model including
  // a report, must be caught; a reader including core is fine.
  const fs::path root = fs::temp_directory_path() / "mapsla_layering_probe";
  fs::remove_all(root);
  for (const std::string& dir : library_folders())
    fs::create_directories(root / dir);
  fs::create_directories(root / "core/bpf");
  std::ofstream(root / "core/bpf/bad.cpp") << "#include \"harness/runner.h\"\n";
  std::ofstream(root / "model/bad.h") << "#include <string>\n#include \"reports/sla.h\"\n";
  std::ofstream(root / "readers/ok.cpp") << "#include \"core/bpf/map.h\"\n";
  std::vector<Violation> found = violations_under(root);
  fs::remove_all(root);
  std::sort(found.begin(), found.end(),
            [](const Violation& a, const Violation& b) { return a.file < b.file; });
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].file, "core/bpf/bad.cpp");
  EXPECT_EQ(found[0].rule, "core may not include harness");
  EXPECT_EQ(found[1].file, "model/bad.h");
  EXPECT_EQ(found[1].line, 2);
  EXPECT_EQ(found[1].rule, "model may not include reports");
}

// Within a library, folders may use each other's headers, but never in a circle
// of headers: a header of folder A including one of B while a header of B
// includes one of A (directly or through other folders). Sources (.cpp) may
// include across folders freely; the library table already orders the libraries.
std::vector<std::vector<std::string>> header_cycles_between_folders(const fs::path& root) {
  static const std::regex include(R"re(^\s*#\s*include\s+"([^"]+)")re");
  std::map<std::string, std::set<std::string>> uses;  // folder → folders whose headers it uses
  for (const std::string& top : library_folders()) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".h") continue;
      const fs::path path = fs::relative(entry.path(), root);
      std::ifstream in(entry.path());
      std::string text;
      while (std::getline(in, text)) {
        std::smatch m;
        if (!std::regex_search(text, m, include)) continue;
        const fs::path target = m[1].str();
        if (library_of(target.string()).empty()) continue;
        if (target.parent_path() != path.parent_path())
          uses[path.parent_path().string()].insert(target.parent_path().string());
      }
    }
  }
  // Every folder that reaches itself, with the path back to it.
  std::vector<std::vector<std::string>> cycles;
  for (const auto& [start, _] : uses) {
    std::map<std::string, std::string> parent;
    std::vector<std::string> queue = {start};
    for (size_t i = 0; i < queue.size(); ++i) {
      const auto it = uses.find(queue[i]);
      if (it == uses.end()) continue;
      for (const std::string& next : it->second) {
        if (next == start) {
          std::vector<std::string> cycle = {start};
          for (std::string at = queue[i]; at != start; at = parent[at])
            cycle.insert(cycle.begin() + 1, at);
          cycle.push_back(start);
          cycles.push_back(cycle);
          break;
        }
        if (parent.emplace(next, queue[i]).second) queue.push_back(next);
      }
      if (!cycles.empty() && cycles.back().front() == start) break;
    }
  }
  return cycles;
}

TEST(Layering, NoHeaderCycleBetweenFolders) {
  for (const auto& cycle : header_cycles_between_folders(MAPSLA_SOURCE_DIR)) {
    std::string text;
    for (const std::string& folder : cycle)
      text += (text.empty() ? "" : " -> ") + folder;
    ADD_FAILURE() << "headers include each other in a circle of folders: " << text
                  << " (docs/architecture.md)";
  }
  // The check itself: harness/x.h → harness/faults/y.h → harness/z.h is a circle.
  const fs::path root = fs::temp_directory_path() / "mapsla_layering_cycle_probe";
  fs::remove_all(root);
  for (const std::string& dir : library_folders())
    fs::create_directories(root / dir);
  fs::create_directories(root / "harness/faults");
  std::ofstream(root / "harness/x.h") << "#include \"harness/faults/y.h\"\n";
  std::ofstream(root / "harness/faults/y.h") << "#include \"harness/z.h\"\n";
  std::ofstream(root / "harness/faults/y.cpp") << "#include \"harness/x.h\"\n";
  const auto probe = header_cycles_between_folders(root);
  fs::remove_all(root);
  ASSERT_FALSE(probe.empty());
  EXPECT_EQ(probe[0].front(), probe[0].back());
}

}  // namespace
}  // namespace mapsla
