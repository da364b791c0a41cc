// Scenario entries of the external readers: what the parser accepts, the
// one-line errors it gives, and which readers `readers: all` expands to.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "harness/scenario_parser.h"
#include "harness/util/affinity.h"
#include "harness/util/yaml_fields.h"
#include "readers/registry.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

std::string scenario(const std::string& reader_entry) {
  return "map: {kind: hash, entries: 1024}\n"
         "writer: {driver: none}\n"
         "readers:\n"
         "  - " +
         reader_entry + "\n";
}

std::string error_of(const std::string& reader_entry) {
  try {
    parse_scenarios(scenario(reader_entry), "s.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::string setting(const Scenario& s, const std::string& name) {
  const auto& spec = s.readers.front();
  Fields options = *spec.options;
  auto reader = builtin_readers().find(spec.reader)->create(spec.mode, options);
  for (const auto& [key, value] : reader->settings())
    if (key == name) return value;
  return "";
}

TEST(ExternalReaderOptions, AnyModeAndNobodyByDefault) {
  const auto s = parse_scenarios(
      scenario("{reader: external, mode: my-own-mode, command: [/bin/true, --flag]}"), "s.yaml");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].readers.front().mode, "my-own-mode");
  EXPECT_EQ(setting(s[0], "command"), "/bin/true --flag");
  EXPECT_THAT(setting(s[0], "run_as"), HasSubstr("nobody"));
}

TEST(ExternalReaderOptions, ExplicitUidAndPrivileged) {
  auto s = parse_scenarios(
      scenario("{reader: external, command: [/bin/true], run_as: {uid: 1234, gid: 99}}"), "s.yaml");
  EXPECT_EQ(setting(s[0], "run_as"), "uid 1234 (1234:99)");
  s = parse_scenarios(scenario("{reader: external, command: [/bin/true], privileged: true}"),
                      "s.yaml");
  EXPECT_THAT(setting(s[0], "run_as"), HasSubstr("privileged"));
}

TEST(ExternalReaderOptions, MistakesAreOneLineErrorsNamingTheField) {
  EXPECT_THAT(error_of("{reader: external, mode: lookup}"), HasSubstr("'readers[0].command'"));
  EXPECT_THAT(error_of("{reader: external, command: []}"),
              HasSubstr("expected the program and its arguments"));
  EXPECT_THAT(error_of("{reader: external, command: [/nonexistent/reader]}"),
              HasSubstr("'/nonexistent/reader' is not an executable file"));
  EXPECT_THAT(error_of("{reader: external, command: [/bin/true], run_as: {user: no_such_user_x}}"),
              HasSubstr("no user 'no_such_user_x'"));
  EXPECT_THAT(
      error_of("{reader: external, command: [/bin/true], privileged: true, run_as: {uid: 1}}"),
      HasSubstr("has no effect with privileged: true"));
  EXPECT_THAT(error_of("{reader: external, command: [/bin/true], timeout: soon}"),
              HasSubstr("'readers[0].timeout'"));
  EXPECT_THAT(error_of("{reader: go-cilium, mode: scan}"), HasSubstr("'readers[0].mode'"));
  EXPECT_THAT(error_of("{reader: bpftool, batch_size: 4}"), HasSubstr("batch_size"));
}

TEST(ExternalReaderOptions, ReadersAllHasGoCiliumAndBpftoolButNotExternal) {
  const auto s = parse_scenarios(
      "map: {kind: hash, entries: 1024}\nwriter: {driver: none}\nreaders: all\n", "s.yaml");
  const auto has = [&](const std::string& reader, const std::string& mode) {
    return std::any_of(s[0].readers.begin(), s[0].readers.end(),
                       [&](const ReaderSpec& r) { return r.reader == reader && r.mode == mode; });
  };
  EXPECT_TRUE(has("go-cilium", "lookup"));
  EXPECT_TRUE(has("go-cilium", "iterate"));
  EXPECT_TRUE(has("go-cilium", "batch"));
  EXPECT_TRUE(has("bpftool", "dump"));
  EXPECT_FALSE(std::any_of(s[0].readers.begin(), s[0].readers.end(),
                           [](const ReaderSpec& r) { return r.reader == "external"; }));
}

// The program's memory is bound to the NUMA nodes of its CPUs, read from
// the kernel's lists.
TEST(ExternalReaderPlacement, MemoryNodesOfCpusHaveMemory) {
  std::ifstream in("/sys/devices/system/node/has_memory");
  std::string has_memory;
  if (!std::getline(in, has_memory)) GTEST_SKIP() << "kernel exposes no NUMA topology";
  const std::vector<int> with_memory = parse_cpu_list(has_memory).value_or(std::vector<int>{});
  const std::vector<int> nodes = memory_nodes_of_cpus({0});
  ASSERT_EQ(nodes.size(), 1u) << "CPU 0 belongs to exactly one node";
  EXPECT_THAT(with_memory, ::testing::Contains(nodes.front()));
  EXPECT_THAT(memory_nodes_of_cpus({}), ::testing::IsEmpty());
}

}  // namespace
}  // namespace mapsla
