// Where a run happened (harness/placement_probe.h, reports/placement.h): the
// detection from injected /proc, /sys and CPUID facts, and its round trip
// through report.json.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/placement_probe.h"
#include "reports/json_report.h"
#include "reports/placement.h"
#include "reports/report_reader.h"

namespace mapsla {
namespace {

constexpr const char* kFlagsWithHypervisor = " fpu vme de pse tsc msr pae hypervisor lahf_lm";
constexpr const char* kFlagsBareMetal = " fpu vme de pse tsc msr pae lahf_lm";

TEST(PlacementDetection, BareMetalWithTwoNodesIsHostWithRealNuma) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsBareMetal;
  probe.sys_vendor = "Dell Inc.";
  probe.product_name = "PowerEdge R750";
  probe.kernel_cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet";
  probe.numa_nodes = 2;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.where, "host");
  EXPECT_EQ(p.hypervisor, "");
  EXPECT_EQ(p.accel, "");
  EXPECT_EQ(p.launcher, "");
  EXPECT_EQ(p.numa, "real");
  EXPECT_EQ(p.numa_detail, "2 physical NUMA nodes");
}

TEST(PlacementDetection, OneNodeIsSingle) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsBareMetal;
  probe.numa_nodes = 1;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.where, "host");
  EXPECT_EQ(p.numa, "single");
}

TEST(PlacementDetection, FakeNumaOnBareMetalIsEmulated) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsBareMetal;
  probe.kernel_cmdline = "root=/dev/sda1 numa=fake=2 quiet";
  probe.numa_nodes = 2;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.where, "host");
  EXPECT_EQ(p.numa, "emulated");
  EXPECT_NE(p.numa_detail.find("numa=fake=2"), std::string::npos) << p.numa_detail;
}

// The development machines: Firecracker has no DMI, CPUID says KVM.
TEST(PlacementDetection, FirecrackerGuestIsVmUnderKvm) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.cpuid_signature = "KVMKVMKVM";
  probe.kernel_cmdline = "console=ttyS0 reboot=k panic=1 -- --firecracker-init";
  probe.numa_nodes = 1;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.where, "vm");
  EXPECT_EQ(p.hypervisor, "KVM");
  EXPECT_EQ(p.accel, "kvm");
  EXPECT_EQ(p.launcher, "");
  EXPECT_EQ(p.numa, "single");
  EXPECT_NE(p.evidence.find("CPUID 0x40000000 'KVMKVMKVM'"), std::string::npos) << p.evidence;
}

// What mapsla-vm's TCG guest shows: QEMU DMI, no KVM signature, the
// accelerator passed in the environment, two -numa nodes.
TEST(PlacementDetection, MapslaVmTcgGuestIsVmWithEmulatedNuma) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.sys_vendor = "QEMU";
  probe.product_name = "Standard PC (Q35 + ICH9, 2009)";
  probe.kernel_cmdline = "console=ttyS0 root=/dev/vda rw MAPSLA_VM_ACCEL=tcg";
  probe.env_accel = "tcg";
  probe.numa_nodes = 2;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.where, "vm");
  EXPECT_EQ(p.hypervisor, "QEMU");
  EXPECT_EQ(p.accel, "tcg");
  EXPECT_EQ(p.launcher, "mapsla-vm");
  EXPECT_EQ(p.numa, "emulated");
  EXPECT_NE(p.numa_detail.find("QEMU -numa"), std::string::npos) << p.numa_detail;
  EXPECT_NE(p.evidence.find("MAPSLA_VM_ACCEL=tcg"), std::string::npos) << p.evidence;
  EXPECT_NE(p.evidence.find("DMI 'QEMU'"), std::string::npos) << p.evidence;
}

// An init that drops its environment (systemd): the kernel command line still says.
TEST(PlacementDetection, AccelFromKernelCommandLineWhenEnvironmentLacksIt) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.sys_vendor = "QEMU";
  probe.kernel_cmdline = "root=/dev/vda MAPSLA_VM_ACCEL=KVM quiet";
  probe.numa_nodes = 2;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.accel, "kvm");
  EXPECT_EQ(p.launcher, "mapsla-vm");
  EXPECT_NE(p.evidence.find("kernel command line"), std::string::npos) << p.evidence;
}

TEST(PlacementDetection, EnvironmentWinsOverKernelCommandLine) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.kernel_cmdline = "MAPSLA_VM_ACCEL=kvm";
  probe.env_accel = "tcg";
  EXPECT_EQ(detect_placement(probe).accel, "tcg");
}

TEST(PlacementDetection, QemuUnderKvmWithoutLauncher) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.cpuid_signature = "KVMKVMKVM";
  probe.sys_vendor = "QEMU";
  probe.product_name = "Standard PC (i440FX + PIIX, 1996)";
  probe.numa_nodes = 2;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.hypervisor, "QEMU/KVM");
  EXPECT_EQ(p.accel, "kvm");
  EXPECT_EQ(p.launcher, "");
  EXPECT_EQ(p.numa, "emulated");
}

TEST(PlacementDetection, TcgSignatureGivesTcg) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.cpuid_signature = "TCGTCGTCGTCG";
  EXPECT_EQ(detect_placement(probe).accel, "tcg");
  EXPECT_EQ(detect_placement(probe).hypervisor, "QEMU");
}

TEST(PlacementDetection, OtherHypervisorsByDmiAndCpuid) {
  PlacementProbe vbox;
  vbox.cpuinfo_flags = kFlagsWithHypervisor;
  vbox.sys_vendor = "innotek GmbH";
  vbox.product_name = "VirtualBox";
  EXPECT_EQ(detect_placement(vbox).hypervisor, "VirtualBox");
  EXPECT_EQ(detect_placement(vbox).accel, "");

  PlacementProbe hyperv;
  hyperv.cpuinfo_flags = kFlagsWithHypervisor;
  hyperv.sys_vendor = "Microsoft Corporation";
  hyperv.product_name = "Virtual Machine";
  EXPECT_EQ(detect_placement(hyperv).hypervisor, "Hyper-V");

  PlacementProbe vmware;
  vmware.cpuid_signature = "VMwareVMware";  // even without the cpuinfo flag
  EXPECT_EQ(detect_placement(vmware).where, "vm");
  EXPECT_EQ(detect_placement(vmware).hypervisor, "VMware");
}

TEST(PlacementDetection, FlagAloneIsVmOfUnknownHypervisor) {
  PlacementProbe probe;
  probe.cpuinfo_flags = kFlagsWithHypervisor;
  probe.numa_nodes = 2;
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.where, "vm");
  EXPECT_EQ(p.hypervisor, "");
  EXPECT_EQ(p.accel, "");
  EXPECT_EQ(p.numa, "emulated");
}

// "hypervisor" must be a whole flag, not a substring of another.
TEST(PlacementDetection, FlagMatchesWholeWordsOnly) {
  PlacementProbe probe;
  probe.cpuinfo_flags = " fpu not_a_hypervisor_flag";
  EXPECT_EQ(detect_placement(probe).where, "host");
}

// mapsla-vm --kernel 6.1-rt: the release, PREEMPT_RT from /sys/kernel/realtime
// and the choice from the kernel command line.
TEST(PlacementDetection, RecordsKernelRealtimeAndVmKernelChoice) {
  PlacementProbe probe;
  probe.kernel_cmdline = "console=ttyS0 MAPSLA_VM_ACCEL=tcg MAPSLA_VM_GUEST_KERNEL=6.1-rt";
  probe.os_release = "6.1.0-27-rt-amd64";
  probe.os_version = "#1 SMP PREEMPT_RT Debian 6.1.115-1 (2024-11-01)";
  probe.realtime = "1";
  const Placement p = detect_placement(probe);
  EXPECT_EQ(p.kernel, "6.1.0-27-rt-amd64");
  EXPECT_EQ(p.preempt_rt, "yes");
  EXPECT_EQ(p.vm_kernel, "6.1-rt");
  EXPECT_THAT(p.evidence, ::testing::HasSubstr("/sys/kernel/realtime=1"));
  EXPECT_EQ(describe(p),
            "vm (QEMU, accel tcg, via mapsla-vm) · NUMA single · kernel 6.1.0-27-rt-amd64 "
            "(PREEMPT_RT, mapsla-vm --kernel 6.1-rt)");
}

// A kernel without /sys/kernel/realtime is PREEMPT_RT only when uname -v says so;
// "PREEMPT_DYNAMIC" is not it.
TEST(PlacementDetection, PreemptRtFromUnameVersionAndNotFromPreemptDynamic) {
  PlacementProbe probe;
  probe.os_release = "5.10.0-33-amd64";
  probe.os_version = "#1 SMP Debian 5.10.226-1 (2024-10-03)";
  EXPECT_EQ(detect_placement(probe).preempt_rt, "no");
  probe.os_version = "#1 SMP PREEMPT_DYNAMIC Debian 6.12.9-1~bpo12+1";
  EXPECT_EQ(detect_placement(probe).preempt_rt, "no");
  probe.os_version = "#1 SMP PREEMPT_RT Debian 6.12.9-1~bpo12+1";
  EXPECT_EQ(detect_placement(probe).preempt_rt, "yes");
  EXPECT_EQ(detect_placement(probe).vm_kernel, "");
  EXPECT_EQ(detect_placement(PlacementProbe{}).preempt_rt, "");
}

Placement tcg_guest() {
  Placement p;
  p.where = "vm";
  p.hypervisor = "QEMU";
  p.accel = "tcg";
  p.launcher = "mapsla-vm";
  p.numa = "emulated";
  p.numa_detail = "2 nodes of a virtual topology given by the hypervisor (QEMU -numa)";
  p.evidence = "MAPSLA_VM_ACCEL=tcg";
  return p;
}

TEST(PlacementRecord, DescribesForHumans) {
  EXPECT_EQ(describe(tcg_guest()), "vm (QEMU, accel tcg, via mapsla-vm) · NUMA emulated");
  EXPECT_EQ(describe_where(Placement{}), "host");
}

TEST(PlacementRecord, SetReplacesAndReadsBack) {
  Environment env;
  env.features.push_back({"bpf_loop", true, "ok"});
  EXPECT_FALSE(placement_of(env).has_value());
  set_placement(env, Placement{});
  set_placement(env, tcg_guest());
  ASSERT_TRUE(placement_of(env).has_value());
  EXPECT_EQ(*placement_of(env), tcg_guest());
  EXPECT_EQ(std::count_if(env.features.begin(), env.features.end(), is_placement_record), 10);
}

TEST(PlacementRecord, JsonReportWritesPlacementObjectNotFeatures) {
  Report report;
  report.run_id = "r1";
  report.environment.kernel = "6.1.0-31-amd64";
  report.environment.features.push_back({"sch_netem", true, "loaded"});
  set_placement(report.environment, tcg_guest());
  const nlohmann::json j = to_json(report);
  const auto& env = j.at("environment");
  ASSERT_TRUE(env.contains("placement")) << env.dump(2);
  EXPECT_EQ(env["placement"]["where"], "vm");
  EXPECT_EQ(env["placement"]["accel"], "tcg");
  EXPECT_EQ(env["placement"]["numa"], "emulated");
  EXPECT_EQ(env["placement"]["launcher"], "mapsla-vm");
  EXPECT_TRUE(env["features"].contains("sch_netem"));
  for (const auto& [name, _] : env["features"].items())
    EXPECT_EQ(name.rfind(kPlacementPrefix, 0), std::string::npos) << name;

  // Unknown facts are null, and the reader brings it all back.
  Placement host;
  set_placement(report.environment, host);
  const nlohmann::json h = to_json(report);
  EXPECT_TRUE(h["environment"]["placement"]["accel"].is_null());
  const Report back = report_from_json(to_json(report), "report.json");
  ASSERT_TRUE(placement_of(back.environment).has_value());
  EXPECT_EQ(*placement_of(back.environment), host);
  const Report guest = report_from_json(j, "report.json");
  EXPECT_EQ(*placement_of(guest.environment), tcg_guest());
}

TEST(PlacementRecord, ReportWithoutPlacementReadsWithout) {
  Report report;
  report.run_id = "r1";
  const Report back = report_from_json(to_json(report), "old.json");
  EXPECT_FALSE(placement_of(back.environment).has_value());
}

TEST(PlacementRecord, MalformedPlacementIsAReportError) {
  Report report;
  set_placement(report.environment, tcg_guest());
  nlohmann::json j = to_json(report);
  j["environment"]["placement"]["accel"] = 3;
  try {
    report_from_json(j, "bad.json");
    FAIL() << "accepted a numeric accel";
  } catch (const ReportError& e) {
    EXPECT_EQ(e.path(), "environment.placement") << e.what();
  }
}

}  // namespace
}  // namespace mapsla
