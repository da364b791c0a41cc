// Fault declarations in scenario YAML, and the pure parts of the fault
// classes: stress-ng's command line and metrics, the numactl prefix, the
// NUMA topology kind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/faults/cpu_stress.h"
#include "harness/faults/cross_numa.h"
#include "harness/faults/map_pressure.h"
#include "harness/scenario_parser.h"
#include "tests/unit/scenario_errors.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A scenario whose faults list is `faults` (YAML lines, indented by 2).
std::string scenario_with(const std::string& faults) {
  return "name: f\n"
         "map: {kind: lru_hash, entries: 1024, keys: 512}\n"
         "writer: {driver: test_run, pattern: replace, cpus: [0]}\n"
         "readers:\n"
         "  - {reader: naive, mode: keys, cpus: [0]}\n"
         "faults:\n" +
         faults;
}

std::string error_of(const std::string& text) {
  return testing::scenario_parse_error(text, "f.yaml");
}

TEST(FaultYaml, CpuStressParsesEveryField) {
  const auto s = parse_scenarios(scenario_with("  - kind: cpu_stress\n"
                                               "    method: cpu\n"
                                               "    workers: 2\n"
                                               "    load: 60\n"
                                               "    load_slice: 5\n"
                                               "    cpus: [0]\n"),
                                 "f.yaml");
  ASSERT_EQ(s[0].faults.size(), 1u);
  const auto& o = dynamic_cast<const CpuStressFault::Options&>(*s[0].faults[0].options);
  EXPECT_EQ(o.method, CpuStressFault::Method::cpu);
  EXPECT_EQ(o.workers, 2);
  EXPECT_EQ(o.load, 60);
  EXPECT_EQ(o.load_slice_ms, 5);
  EXPECT_EQ(o.cpus, std::vector<int>{0});
  // A window-scope fault gives the scenario the default phases.
  ASSERT_TRUE(s[0].run.phases);
  EXPECT_DOUBLE_EQ(s[0].run.phases->during, 0.5);
}

TEST(FaultYaml, UnknownKindNamesFileLineAndTheKnownKinds) {
  const std::string e = error_of(scenario_with("  - kind: cpu_stres\n"));
  EXPECT_THAT(e, HasSubstr("f.yaml:7: field 'faults[0].kind': unknown fault 'cpu_stres'"));
  EXPECT_THAT(e, HasSubstr("cpu_stress"));
  EXPECT_THAT(e, HasSubstr("map_pressure"));
}

TEST(FaultYaml, UnknownFieldIsRejectedWithItsLine) {
  const std::string e =
      error_of(scenario_with("  - kind: cpu_stress\n"
                             "    method: cpu\n"
                             "    lood: 50\n"));
  EXPECT_THAT(e, HasSubstr("f.yaml:9: field 'faults[0].lood': unknown field"));
}

TEST(FaultYaml, LoadOnlyForMethodCpu) {
  EXPECT_THAT(error_of(scenario_with("  - kind: cpu_stress\n"
                                     "    method: stream\n"
                                     "    load: 50\n")),
              HasSubstr("f.yaml:9: field 'faults[0].load': only method cpu takes a load"));
}

TEST(FaultYaml, BadMethodAndOutOfRangeLoad) {
  EXPECT_THAT(error_of(scenario_with("  - kind: cpu_stress\n    method: fft\n")),
              HasSubstr("f.yaml:8: field 'faults[0].method': 'fft' is not one of: cpu, "
                        "matrixprod, cache, stream, switch, timer"));
  EXPECT_THAT(error_of(scenario_with("  - kind: cpu_stress\n    load: 150\n")),
              HasSubstr("f.yaml:8: field 'faults[0].load': 150 is out of range [1, 100]"));
}

TEST(FaultYaml, FreqOnlyForSwitchAndTimer) {
  EXPECT_THAT(error_of(scenario_with("  - kind: cpu_stress\n    method: cache\n    freq: 1000\n")),
              HasSubstr("f.yaml:9: field 'faults[0].freq': only methods switch and timer"));
}

TEST(FaultYaml, CrossNumaRejectsTheSameNodeTwice) {
  EXPECT_THAT(
      error_of(scenario_with("  - kind: cross_numa\n    reader_node: 1\n    map_node: 1\n")),
      HasSubstr("f.yaml:9: field 'faults[0].map_node': must differ from reader_node (1)"));
}

TEST(FaultYaml, RunScopeFaultTakesNoPhases) {
  const std::string e = error_of(scenario_with("  - kind: cross_numa\n") +
                                 "run:\n  phases: {before: 25%, during: 50%, after: 25%}\n");
  EXPECT_THAT(e, HasSubstr("f.yaml:9: field 'run.phases': only a scenario with a fault"));
}

TEST(FaultYaml, MapPressureFields) {
  const auto s = parse_scenarios(
      scenario_with("  - {kind: map_pressure, extra_keys: 2048, rate: 5000, deletes: true}\n"),
      "f.yaml");
  const auto& o = dynamic_cast<const MapPressureFault::Options&>(*s[0].faults[0].options);
  EXPECT_EQ(o.extra_keys, 2048u);
  EXPECT_EQ(o.rate, 5000u);
  EXPECT_TRUE(o.deletes);
  EXPECT_THAT(error_of(scenario_with("  - {kind: map_pressure, deletes: maybe}\n")),
              HasSubstr("f.yaml:7: field 'faults[0].deletes': expected true or false"));
}

TEST(FaultYaml, ConditionDefaultsToTheName) {
  auto s = parse_scenarios(scenario_with("  - kind: map_pressure\n"), "f.yaml");
  EXPECT_EQ(s[0].condition, "f");
  s = parse_scenarios("condition: cpu stress\n" + scenario_with("  - kind: map_pressure\n"),
                      "f.yaml");
  EXPECT_EQ(s[0].condition, "cpu stress");
}

TEST(StressNg, CommandIsBoundedPinnedAndWritesYaml) {
  CpuStressFault::Options o;
  o.method = CpuStressFault::Method::cpu;
  o.load = 70;
  o.load_slice_ms = 10;
  EXPECT_EQ(CpuStressFault::command(o, {0, 1}, 7s, "/tmp/m.yaml"),
            (std::vector<std::string>{"stress-ng", "--cpu", "2", "--cpu-load", "70",
                                      "--cpu-load-slice", "10", "--taskset", "0,1", "--timeout",
                                      "7s", "--metrics-brief", "--yaml", "/tmp/m.yaml"}));
  o = {};
  o.method = CpuStressFault::Method::matrixprod;
  o.workers = 3;
  const auto argv = CpuStressFault::command(o, {1}, 3s, "m.yaml");
  EXPECT_EQ(std::vector<std::string>(argv.begin(), argv.begin() + 5),
            (std::vector<std::string>{"stress-ng", "--matrix", "3", "--matrix-method", "prod"}));
  o = {};
  o.method = CpuStressFault::Method::timer;
  o.freq = 20000;
  const auto timer = CpuStressFault::command(o, {0}, 3s, "m.yaml");
  EXPECT_EQ(std::vector<std::string>(timer.begin(), timer.begin() + 5),
            (std::vector<std::string>{"stress-ng", "--timer", "1", "--timer-freq", "20000"}));
}

TEST(StressNg, MetricsYamlIsParsed) {
  const auto m = parse_stress_ng_metrics(R"(---
system-info:
      stress-ng-version: 0.15.06
      cpus: 2
metrics:
    - stressor: cpu
      bogo-ops: 1000
      bogo-ops-per-second-usr-sys-time: 1467.448327
      bogo-ops-per-second-real-time: 657.799924
      wall-clock-time: 1.520219
      user-time: 0.673274
      system-time: 0.008181
      cpu-usage-per-instance: 44.826105
      max-rss: 6660
...
)");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["stressor"], "cpu");
  EXPECT_DOUBLE_EQ(m[0]["bogo_ops"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(m[0]["user_s"].get<double>(), 0.673274);
  EXPECT_DOUBLE_EQ(m[0]["system_s"].get<double>(), 0.008181);
  EXPECT_DOUBLE_EQ(m[0]["cpu_usage_per_instance_percent"].get<double>(), 44.826105);
  EXPECT_THROW(parse_stress_ng_metrics("system-info: {}\n"), std::runtime_error);
  EXPECT_THROW(parse_stress_ng_metrics("[unclosed"), std::runtime_error);
}

TEST(Numa, NumactlPrefixBindsCpusAndMemoryToTheNode) {
  EXPECT_EQ(numactl_prefix(1),
            (std::vector<std::string>{"numactl", "--cpunodebind=1", "--membind=1", "--"}));
  EXPECT_EQ(numactl_prefix(0).back(), "--");
}

TEST(Numa, TopologyKind) {
  EXPECT_EQ(numa_topology_kind("ro quiet numa=fake=2", false), "emulated (numa=fake=2)");
  EXPECT_EQ(numa_topology_kind("quiet numa=fake=4U", true), "emulated (numa=fake=4U)");
  EXPECT_EQ(numa_topology_kind("quiet", true), "virtual (hypervisor-provided topology)");
  EXPECT_EQ(numa_topology_kind("quiet", false), "physical");
  // Arguments after "--" belong to init, not to the kernel.
  EXPECT_EQ(numa_topology_kind("quiet -- numa=fake=2", false), "physical");
}

}  // namespace
}  // namespace mapsla
