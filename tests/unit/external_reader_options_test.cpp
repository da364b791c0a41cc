// Scenario entries of the external readers: what the parser accepts, the
// one-line errors it gives, and which readers `readers: all` expands to.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/bpf/features.h"
#include "core/util/affinity.h"
#include "core/util/yaml_fields.h"
#include "harness/scenario_parser.h"
#include "readers/external_reader.h"
#include "readers/registry.h"
#include "tests/unit/scenario_errors.h"

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
  return testing::scenario_parse_error(scenario(reader_entry));
}

std::string setting(const Scenario& s, const std::string& name) {
  const auto& spec = s.readers.front();
  auto reader = builtin_readers().find(spec.reader)->create(spec.mode, *spec.options);
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

TEST(ExternalReaderOptions, EveryMistakeOfTheEntryIsReported) {
  // Each option is read on its own: a wrong batch size does not hide a wrong
  // timeout, a bad name or a run_as that contradicts privileged.
  std::string error = "no error";
  try {
    parse_scenarios(scenario("{reader: external, mode: x, command: [/bin/true], batch_size: 0, "
                             "timeout: soon, name: '-bad', privileged: true, run_as: {uid: 1}}"),
                    "s.yaml");
  } catch (const ConfigError& e) {
    error.clear();
    for (const std::string& line : e.lines())
      error += line + "\n";
  }
  EXPECT_THAT(error, HasSubstr("field 'readers[0].batch_size'"));
  EXPECT_THAT(error, HasSubstr("field 'readers[0].timeout'"));
  EXPECT_THAT(error, HasSubstr("field 'readers[0].name'"));
  EXPECT_THAT(error, HasSubstr("field 'readers[0].run_as': has no effect with privileged"));
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
TEST(ExternalReaderEnvironment, MinimalSystemPathLocaleAndTheScenariosEnvOnly) {
  std::string secret = "AWS_SECRET_ACCESS_KEY=hunter2", path = "PATH=/root/.pyenv/shims:/usr/bin",
              lang = "LANG=C.UTF-8", lc = "LC_NUMERIC=de_DE.UTF-8", tz = "TZ=UTC",
              home = "HOME=/root", own = "MAPSLA_MAP_FD=9";
  char* parent[] = {secret.data(), path.data(), lang.data(), lc.data(),
                    tz.data(),     home.data(), own.data(),  nullptr};
  auto env = child_environment({{"READER_CONFIG", "/etc/r.yaml"}, {"TZ", "Europe/Paris"}}, parent);
  std::sort(env.begin(), env.end());
  std::vector<std::string> expected = {std::string("PATH=") + kSystemPath, "LANG=C.UTF-8",
                                       "LC_NUMERIC=de_DE.UTF-8", "READER_CONFIG=/etc/r.yaml",
                                       "TZ=Europe/Paris"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(env, expected);
}

TEST(ExternalReaderOptions, ANameTellsTwoExternalReadersApart) {
  const auto s = parse_scenarios(
      scenario("{reader: external, mode: lookup, name: agent-a, command: [/bin/true]}\n"
               "  - {reader: external, mode: lookup, name: agent-b, command: [/bin/true]}"),
      "s.yaml");
  std::vector<std::string> names;
  for (const auto& spec : s[0].readers) {
    names.emplace_back(
        builtin_readers().find(spec.reader)->create(spec.mode, *spec.options)->name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"agent-a", "agent-b"}));
  EXPECT_THAT(error_of("{reader: external, name: 'a b', command: [/bin/true]}"),
              HasSubstr("is not a reader name"));
}

TEST(ExternalReaderEnvironment, EnvMistakesAreOneLineErrors) {
  EXPECT_THAT(error_of("{reader: external, command: [/bin/true], env: [A]}"),
              HasSubstr("expected a mapping of NAME: value"));
  EXPECT_THAT(error_of("{reader: external, command: [/bin/true], env: {MAPSLA_MODE: x}}"),
              HasSubstr("MAPSLA_* variables are the protocol's"));
  EXPECT_THAT(error_of("{reader: external, command: [/bin/true], env: {'1X': y}}"),
              HasSubstr("is not a variable name"));
}

TEST(ExternalReaderEnvironment, TheProgramMustBeExecutableByTheReadersUser) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mapsla_exec_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path script = dir / "reader.sh";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);  // 0700
  const Credentials nobody{65534, 65534};
  const std::string why = not_executable_by(script.string(), nobody);
  if (::getuid() == 0) {  // the file is root's: nobody may not run it
    EXPECT_THAT(why, HasSubstr("uid 65534 cannot execute"));
    EXPECT_THAT(error_of("{reader: external, command: [" + script.string() + "]}"),
                HasSubstr("the reader runs as nobody"));
  }
  std::filesystem::permissions(script, std::filesystem::perms(0755));
  std::filesystem::permissions(dir, std::filesystem::perms(0755));
  EXPECT_EQ(not_executable_by(script.string(), nobody), "");
  std::filesystem::remove_all(dir);
}

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

// 5.10–5.18 with kernel.unprivileged_bpf_disabled set refuse every bpf()
// command to a process without CAP_BPF: a reader dropped to nobody could not
// read at all there, and says so instead of failing; a privileged one runs.
TEST(ExternalReaderPrivileges, AKernelThatRefusesUnprivilegedMapReadsMakesNobodyNotApplicable) {
  KernelFeatures kernel;
  kernel.unprivileged_map_read = {
      false, "a process with no capability cannot read a map: EPERM", EPERM, {}};
  const TargetSpec target{MapKind::hash, 64, 1024, WriterPattern::inplace, true, &kernel};
  const auto reader_of = [](const std::string& entry) {
    const auto s = parse_scenarios(scenario(entry), "s.yaml");
    const auto& spec = s.at(0).readers.front();
    return builtin_readers().find(spec.reader)->create(spec.mode, *spec.options);
  };

  const Applicability as_nobody =
      reader_of("{reader: external, mode: m, command: [/bin/true]}")->applies_to(target);
  EXPECT_FALSE(as_nobody.applicable);
  EXPECT_THAT(as_nobody.reason, HasSubstr("the reader runs as nobody"));
  EXPECT_THAT(as_nobody.reason, HasSubstr(kernel.unprivileged_map_read.detail));
  EXPECT_THAT(as_nobody.reason, HasSubstr("privileged: true"));
  EXPECT_FALSE(reader_of("{reader: external, mode: m, command: [/bin/true], run_as: {uid: 1000}}")
                   ->applies_to(target)
                   .applicable);

  EXPECT_TRUE(reader_of("{reader: external, mode: m, command: [/bin/true], privileged: true}")
                  ->applies_to(target)
                  .applicable);
  // CAP_BPF kept, as an agent holding just that: it can read there.
  EXPECT_TRUE(reader_of("{reader: external, mode: m, command: [/bin/true], "
                        "run_as: {user: nobody, capabilities: [CAP_BPF]}}")
                  ->applies_to(target)
                  .applicable);
  EXPECT_FALSE(reader_of("{reader: external, mode: m, command: [/bin/true], "
                         "run_as: {user: nobody, capabilities: [CAP_NET_ADMIN]}}")
                   ->applies_to(target)
                   .applicable);
  kernel.unprivileged_map_read = {true, "read", 0, {}};
  EXPECT_TRUE(reader_of("{reader: external, mode: m, command: [/bin/true]}")
                  ->applies_to(target)
                  .applicable);
}

TEST(ExternalReaderPrivileges, RunAsNamesTheCapabilitiesItKeepsAndRefusesOthers) {
  const auto s = parse_scenarios(
      scenario("{reader: go-cilium, mode: lookup, run_as: {user: nobody, capabilities: [CAP_BPF, "
               "CAP_PERFMON]}}"),
      "s.yaml");
  EXPECT_THAT(setting(s[0], "run_as"), HasSubstr("with CAP_BPF, CAP_PERFMON"));
  EXPECT_THAT(
      error_of("{reader: external, command: [/bin/true], run_as: {user: nobody, capabilities: "
               "[CAP_SYS_MODULE]}}"),
      HasSubstr("'CAP_SYS_MODULE' is not one a reader may keep"));
  EXPECT_THAT(error_of("{reader: external, command: [/bin/true], run_as: {user: nobody, "
                       "capabilities: CAP_BPF}}"),
              HasSubstr("expected a list, e.g. [CAP_BPF]"));
}

}  // namespace
}  // namespace mapsla
