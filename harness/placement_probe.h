// Detects where mapsla runs (reports/placement.h): host or VM, hypervisor,
// accelerator, and whether NUMA is real or emulated, the way
// systemd-detect-virt does — CPUID's hypervisor bit and vendor leaf, DMI
// strings — plus what vagrant/qemu/mapsla-vm tells its guest
// (MAPSLA_VM_ACCEL=kvm|tcg and MAPSLA_VM_GUEST_KERNEL=<--kernel choice> in
// the environment or on the kernel command line), and which kernel runs:
// its release and whether it is PREEMPT_RT.
//
// Split in two so the decision is testable without the files: the probe
// reads facts (never throws; a missing file is an empty string), the
// detection is a pure function of them.
#pragma once

#include <string>

#include "reports/placement.h"

namespace mapsla {

struct PlacementProbe {
  std::string cpuinfo_flags;    // the first `flags` line of /proc/cpuinfo
  std::string cpuid_signature;  // CPUID 0x40000000 vendor ("KVMKVMKVM", "TCGTCGTCGTCG"), "" if none
  std::string sys_vendor;       // /sys/class/dmi/id/sys_vendor
  std::string product_name;     // /sys/class/dmi/id/product_name
  std::string kernel_cmdline;   // /proc/cmdline
  std::string env_accel;        // $MAPSLA_VM_ACCEL
  std::string env_guest_kernel;  // $MAPSLA_VM_GUEST_KERNEL (mapsla-vm's --kernel choice)
  std::string os_release;        // /proc/sys/kernel/osrelease (uname -r)
  std::string os_version;        // /proc/sys/kernel/version (uname -v: "#1 SMP PREEMPT_RT …")
  std::string realtime;          // /sys/kernel/realtime: "1" on PREEMPT_RT kernels, absent else
  int numa_nodes = 1;            // configured NUMA nodes
};

PlacementProbe read_placement_probe(int numa_nodes);
Placement detect_placement(const PlacementProbe& probe);

}  // namespace mapsla
