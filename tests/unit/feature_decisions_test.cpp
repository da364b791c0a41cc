// The feature probe's decisions, without a kernel: a missing feature becomes
// the reason a reader is not_applicable or a scenario's cells are skipped,
// and an EPERM is a privilege problem only when a capability is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <system_error>
#include <variant>

#include "core/bpf/capabilities.h"
#include "core/bpf/error.h"
#include "harness/failure.h"
#include "harness/faults/fault.h"
#include "harness/runner.h"
#include "harness/scenario_parser.h"
#include "harness/writers/test_run_writer.h"
#include "harness/writers/traffic_writer.h"
#include "readers/reader.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

uint64_t caps_of(std::initializer_list<Capability> caps) {
  uint64_t out = 0;
  for (Capability cap : caps)
    out |= uint64_t{1} << static_cast<int>(cap);
  return out;
}

const uint64_t kAllCaps =
    caps_of({Capability::bpf, Capability::perfmon, Capability::net_admin, Capability::sys_admin});

TEST(Capabilities, ReadsCapEffFromProcStatus) {
  EXPECT_EQ(effective_capabilities("Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n"),
            0x1ffffffffffull);
  EXPECT_EQ(effective_capabilities("Name:\tx\n"), 0u);
  EXPECT_EQ(missing_capabilities(kAllCaps), "");
  EXPECT_EQ(missing_capabilities(0), "CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN");
  EXPECT_EQ(missing_capabilities(caps_of({Capability::bpf, Capability::perfmon})),
            "CAP_NET_ADMIN, CAP_SYS_ADMIN");
}

TEST(Capabilities, AlternativesAreMetByEitherMember) {
  EXPECT_TRUE(holds(caps_of({Capability::sys_admin}), needs::kBpf));
  EXPECT_TRUE(holds(caps_of({Capability::bpf}), needs::kBpf));
  EXPECT_FALSE(holds(caps_of({Capability::perfmon}), needs::kBpf));
  EXPECT_EQ(unmet(caps_of({Capability::perfmon}), {needs::kBpf, needs::kPerfmon}),
            "CAP_BPF or CAP_SYS_ADMIN");
  EXPECT_EQ(unmet(0, {needs::kBpf, needs::kNetAdmin}),
            "CAP_BPF or CAP_SYS_ADMIN; CAP_NET_ADMIN or CAP_SYS_ADMIN");
}

TEST(Classify, EpermWithoutCapabilitiesIsAPrivilegeErrorNamingThem) {
  const BpfError e("load", "mapsla_writer (writer.bpf.c)", EPERM);
  const Classified c = classify(e, caps_of({Capability::perfmon}));
  EXPECT_EQ(c.kind, FailureKind::privileges);
  EXPECT_THAT(c.reason, HasSubstr("lacks CAP_BPF or CAP_SYS_ADMIN"));
  EXPECT_THAT(c.reason, HasSubstr("mapsla_writer"));
}

TEST(Classify, EpermWithEveryCapabilityIsTheKernelsRefusalNotAPrivilegeError) {
  const BpfError e("load", "mapsla_map_iter (map_iter.bpf.c)", EPERM);
  const Classified c = classify(e, kAllCaps);
  EXPECT_EQ(c.kind, FailureKind::failed);
  EXPECT_THAT(c.reason, HasSubstr("mapsla_map_iter"));
  EXPECT_THAT(c.reason, HasSubstr("not a missing capability"));
  EXPECT_THAT(c.reason, HasSubstr("the kernel refuses it"));
}

TEST(Classify, SystemErrorsFromNamespacesAndTcAreClassifiedToo) {
  const std::system_error e(EPERM, std::generic_category(), "ip netns add mapsla-x");
  const Classified without = classify(e, caps_of({Capability::bpf}));
  EXPECT_EQ(without.kind, FailureKind::privileges);
  EXPECT_THAT(without.reason, HasSubstr("CAP_NET_ADMIN"));
  EXPECT_EQ(classify(e, kAllCaps).kind, FailureKind::failed);
  // Other errnos are plain failures whatever the capabilities.
  const std::system_error busy(EBUSY, std::generic_category(), "tc qdisc add");
  EXPECT_EQ(classify(busy, 0).kind, FailureKind::failed);
  EXPECT_EQ(classify(BpfError("bpf_map_create", "m", E2BIG), 0).kind, FailureKind::failed);
}

TEST(Classify, ReaderAndFaultExceptionsKeepTheirStatus) {
  const Classified na = classify(ReaderNotApplicable("exit status 3: not for hashes"), 0);
  EXPECT_EQ(na.kind, FailureKind::not_applicable);
  EXPECT_EQ(na.reason, "exit status 3: not for hashes");
  EXPECT_EQ(classify(FaultUnavailable("stress-ng missing"), 0).kind, FailureKind::skipped);
  EXPECT_EQ(classify(std::runtime_error("boom"), kAllCaps).kind, FailureKind::failed);
}

TEST(Classify, CurrentRethrowsPrivilegeErrorsWithWhatIsMissing) {
  // classify_current reads this process's capabilities; a BpfError EPERM is a
  // privilege error exactly when this process lacks CAP_BPF and CAP_SYS_ADMIN.
  const bool privileged = holds(effective_capabilities(), needs::kBpf) &&
                          holds(effective_capabilities(), needs::kPerfmon);
  try {
    throw BpfError("load", "p", EPERM);
  } catch (const std::exception& e) {
    if (privileged) {
      EXPECT_EQ(classify_current(e).kind, FailureKind::failed);
    } else {
      EXPECT_THROW(classify_current(e), PrivilegeError);
    }
  }
}

// A kernel like the CI machine's: everything but tracing programs and netem.
KernelFeatures kernel_without_tracing() {
  KernelFeatures f;
  for (const auto& [name, state] : f.named())
    const_cast<FeatureState*>(state)->available = true;
  f.map_elem_iter = {
      false, "kernel refuses BPF_PROG_TYPE_TRACING programs (iter/bpf_map_elem): EPERM", EPERM, {}};
  f.sch_netem = {false, "kernel has no sch_netem", 0, {}};
  return f;
}

std::vector<CellResult> plan_only(const std::string& yaml, const KernelFeatures& features) {
  const std::vector<Scenario> scenarios = parse_scenarios(yaml, "t.yaml");
  // No pins, no observer: with the writer unavailable nothing touches the kernel.
  Runner runner({"unit", &features, nullptr, nullptr});
  return runner.run(scenarios.at(0));
}

TEST(FeatureDecisions, MissingIteratorMakesOnlyTheIterCellNotApplicableWithTheProbesReason) {
  KernelFeatures f = kernel_without_tracing();
  f.test_run_writer = {false, "kernel refuses the test_run writer: EINVAL", EINVAL, {}};
  f.test_run_writer_xdp = {false, "kernel refuses legacy_writer.bpf.c: EINVAL", EINVAL, {}};
  const auto cells = plan_only(
      "name: q\nmap: {kind: hash, entries: 1024}\nwriter: {driver: test_run}\n"
      "readers: [{reader: naive, mode: keys}, {reader: iter}]\n",
      f);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[1].status, CellStatus::not_applicable);
  EXPECT_EQ(cells[1].reason, f.map_elem_iter.detail);
  // The writer cannot load here: the scenario's other cells are skipped with its reason.
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_EQ(cells[0].reason,
            "writer test_run: kernel refuses the test_run writer: EINVAL; the xdp fallback: "
            "kernel refuses legacy_writer.bpf.c: EINVAL");
}

TEST(FeatureDecisions, TheMostBasicMissingWriterFeatureIsTheReason) {
  KernelFeatures f = kernel_without_tracing();
  f.syscall_prog = {
      false, "kernel refuses BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+): EINVAL", EINVAL, {}};
  f.bpf_loop = {false, "the verifier does not know bpf_loop (Linux 5.17+)", 0, {}};
  f.test_run_writer = {false, "kernel refuses the test_run writer", EINVAL, {}};
  f.test_run_writer_xdp = {false, "kernel refuses legacy_writer.bpf.c: EPERM", EPERM, {}};
  const auto cells = plan_only(
      "name: q\nmap: {kind: hash, entries: 64}\nwriter: {driver: test_run}\n"
      "readers: [{reader: naive}]\n",
      f);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_THAT(cells[0].reason, HasSubstr("BPF_PROG_TYPE_SYSCALL"));
  EXPECT_THAT(cells[0].reason, HasSubstr("the xdp fallback: kernel refuses legacy_writer.bpf.c"));
}

// A 5.10/5.15 kernel: no SEC("syscall") or bpf_loop, the XDP writer loads.
KernelFeatures kernel_5_10() {
  KernelFeatures f = kernel_without_tracing();
  f.syscall_prog = {
      false, "kernel refuses BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+): EINVAL", EINVAL, {}};
  f.bpf_loop = {false, "the verifier does not know bpf_loop (Linux 5.17+)", 0, {}};
  f.test_run_writer = {false, "kernel refuses the test_run writer", EINVAL, {}};
  return f;
}

TEST(FeatureDecisions, AutoTakesTheSyscallWriterWhereItLoadsAndTheXdpWriterWhereItDoesNot) {
  const KernelFeatures modern = kernel_without_tracing();
  const KernelFeatures old = kernel_5_10();
  using Choice = std::variant<WriterProgram, std::string>;
  EXPECT_EQ(TestRunWriter::choose_program(std::nullopt, WriterPattern::inplace, modern),
            Choice(WriterProgram::syscall));
  EXPECT_EQ(TestRunWriter::choose_program(std::nullopt, WriterPattern::inplace, old),
            Choice(WriterProgram::xdp));
  EXPECT_EQ(TestRunWriter::choose_program(std::nullopt, WriterPattern::locked, old),
            Choice(WriterProgram::xdp));
  // Forced, each program runs wherever it loads, whatever the other does.
  EXPECT_EQ(TestRunWriter::choose_program(WriterProgram::xdp, WriterPattern::seqlock, modern),
            Choice(WriterProgram::xdp));
  EXPECT_EQ(TestRunWriter::choose_program(WriterProgram::syscall, WriterPattern::seqlock, modern),
            Choice(WriterProgram::syscall));
}

TEST(FeatureDecisions, AForcedProgramThatCannotLoadSkipsTheScenarioWithTheProbesReason) {
  const auto yaml = [](const std::string& writer) {
    return "name: q\nmap: {kind: hash, entries: 64}\nwriter: " + writer +
           "\nreaders: [{reader: naive}]\n";
  };
  auto cells = plan_only(yaml("{driver: test_run, program: syscall}"), kernel_5_10());
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_EQ(cells[0].reason,
            "writer test_run: program syscall: kernel refuses BPF_PROG_TYPE_SYSCALL programs "
            "(Linux 5.14+): EINVAL");

  KernelFeatures no_xdp = kernel_without_tracing();
  no_xdp.test_run_writer_xdp = {false, "kernel refuses legacy_writer.bpf.c: E2BIG", E2BIG, {}};
  cells = plan_only(yaml("{driver: test_run, program: xdp}"), no_xdp);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_EQ(cells[0].reason,
            "writer test_run: program xdp: kernel refuses legacy_writer.bpf.c: E2BIG");

  // The locked pattern needs the locked XDP writer too.
  KernelFeatures no_locked_xdp = kernel_5_10();
  no_locked_xdp.locked_writer_xdp = {
      false, "kernel refuses legacy_locked_writer.bpf.c: EINVAL", EINVAL, {}};
  cells = plan_only(yaml("{driver: test_run, pattern: locked}"), no_locked_xdp);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_THAT(cells[0].reason,
              HasSubstr("the xdp fallback: kernel refuses legacy_locked_writer.bpf.c: EINVAL"));
}

TEST(FeatureDecisions, LockedPatternNeedsMapLockAndTrafficNeedsClsBpf) {
  KernelFeatures f = kernel_without_tracing();
  f.map_lock = {false, "lookup with BPF_F_LOCK (Linux 5.1+): EINVAL", EINVAL, {}};
  auto cells = plan_only(
      "name: l\nmap: {kind: hash, entries: 64}\nwriter: {driver: test_run, pattern: locked}\n"
      "readers: [{reader: locked}, {reader: naive}]\n",
      f);
  ASSERT_EQ(cells.size(), 2u);
  // The locked reader needs BPF_F_LOCK as well: not applicable, with the probe's reason.
  EXPECT_EQ(cells[0].status, CellStatus::not_applicable);
  EXPECT_THAT(cells[0].reason, HasSubstr("BPF_F_LOCK"));
  // The writer cannot produce the pattern: the rest is skipped, nothing is created.
  EXPECT_EQ(cells[1].status, CellStatus::skipped);
  EXPECT_EQ(cells[1].reason,
            "writer test_run: pattern locked: lookup with BPF_F_LOCK (Linux 5.1+): EINVAL");

  KernelFeatures no_cls = kernel_without_tracing();
  no_cls.cls_bpf = {false, "kernel refuses BPF_PROG_TYPE_SCHED_CLS programs: EPERM", EPERM, {}};
  cells = plan_only(
      "name: t\nmap: {kind: hash, entries: 64, keys: 16}\nwriter: {driver: traffic}\n"
      "readers: [{reader: naive}]\n",
      no_cls);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_EQ(cells[0].reason,
            "writer traffic: kernel refuses BPF_PROG_TYPE_SCHED_CLS programs: EPERM");
}

TEST(FeatureDecisions, TrafficCounterFallsBackToTheSpinLockProgramOn510) {
  KernelFeatures f = kernel_without_tracing();
  using P = TrafficCounterProgram;
  EXPECT_EQ(std::get<P>(TrafficWriter::choose_counter(std::nullopt, f)), P::fetch_add);
  EXPECT_EQ(std::get<P>(TrafficWriter::choose_counter(P::spin_lock, f)), P::spin_lock);

  // 5.10: no BPF_FETCH, bpf_spin_lock in cls_bpf.
  f.traffic_counter = {false, "kernel refuses the traffic counter: EINVAL", EINVAL, {}};
  EXPECT_EQ(std::get<P>(TrafficWriter::choose_counter(std::nullopt, f)), P::spin_lock);
  EXPECT_EQ(std::get<std::string>(TrafficWriter::choose_counter(P::fetch_add, f)),
            "counter fetch_add: kernel refuses the traffic counter: EINVAL");

  f.traffic_counter_locked = {
      false, "kernel refuses the locked traffic counter: EINVAL", EINVAL, {}};
  const std::string why =
      "kernel refuses the traffic counter: EINVAL; the spin_lock fallback: kernel refuses the "
      "locked traffic counter: EINVAL";
  EXPECT_EQ(std::get<std::string>(TrafficWriter::choose_counter(std::nullopt, f)), why);
  const auto cells = plan_only(
      "name: t\nmap: {kind: hash, entries: 64, keys: 16}\nwriter: {driver: traffic}\n"
      "readers: [{reader: naive}]\n",
      f);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].status, CellStatus::skipped);
  EXPECT_EQ(cells[0].reason, "writer traffic: " + why);
}

TEST(FeatureDecisions, NamedListsEveryProbedFeatureOnceAndFindFindsThem) {
  const KernelFeatures f = kernel_without_tracing();
  std::set<std::string> names;
  for (const auto& [name, state] : f.named()) {
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(f.find(name), state);
  }
  for (const char* needed : {"syscall_prog", "bpf_loop", "test_run_writer", "test_run_writer_xdp",
                             "locked_writer_xdp", "map_elem_iter", "cls_bpf", "traffic_counter",
                             "traffic_counter_locked", "map_lock", "mmapable_array", "batch_ops",
                             "numa_map", "net_namespaces", "sch_netem", "unprivileged_map_read"})
    EXPECT_TRUE(names.contains(needed)) << needed;
  EXPECT_EQ(f.find("no_such_feature"), nullptr);
}

}  // namespace
}  // namespace mapsla
