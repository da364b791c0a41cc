#include "harness/placement_probe.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace mapsla {
namespace {

std::string read_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.pop_back();
  return line;
}

std::string cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? "" : line.substr(colon + 1);
    }
  return "";
}

std::string cpuid_signature() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  // Leaf 0x40000000 is only meaningful with the hypervisor bit set; on bare
  // metal Intel returns the highest basic leaf's data there.
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31))) return "";
  __cpuid(0x40000000, a, b, c, d);
  char sig[13] = {};
  std::memcpy(sig, &b, 4);
  std::memcpy(sig + 4, &c, 4);
  std::memcpy(sig + 8, &d, 4);
  std::string out(sig);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0'))
    out.pop_back();
  return out;
#else
  return "";
#endif
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

// The value of KEY=VALUE among the words of `text`, or "".
std::string word_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string w;
  while (in >> w)
    if (w.rfind(key + "=", 0) == 0) return w.substr(key.size() + 1);
  return "";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

// systemd-detect-virt's table of CPUID vendor signatures.
std::string hypervisor_of_signature(const std::string& sig) {
  static const std::pair<const char*, const char*> kTable[] = {
      {"KVMKVMKVM", "KVM"},        {"TCGTCGTCGTCG", "QEMU"}, {"VMwareVMware", "VMware"},
      {"Microsoft Hv", "Hyper-V"}, {"XenVMMXenVMM", "Xen"},  {"VBoxVBoxVBox", "VirtualBox"},
      {"bhyve bhyve", "bhyve"},    {"ACRNACRNACRN", "ACRN"}, {"QNXQVMBSQG", "QNX"},
      {"Linux KVM Hv", "KVM"},     {"SRESRESRESR", "SRE"},   {"lrpepyh  vr", "Parallels"}};
  for (const auto& [s, name] : kTable)
    if (sig == s) return name;
  return sig.empty() ? "" : "unknown (" + sig + ")";
}

// DMI strings of common hypervisors (systemd-detect-virt's dmi_vendor_table).
std::string hypervisor_of_dmi(const std::string& vendor, const std::string& product) {
  static const std::pair<const char*, const char*> kTable[] = {
      {"qemu", "QEMU"},
      {"vmware", "VMware"},
      {"virtualbox", "VirtualBox"},
      {"innotek", "VirtualBox"},
      {"xen", "Xen"},
      {"bochs", "Bochs"},
      {"parallels", "Parallels"},
      {"bhyve", "bhyve"},
      {"amazon ec2", "Amazon EC2"},
      {"google compute engine", "Google Compute Engine"}};
  const std::string v = lower(vendor), p = lower(product);
  for (const auto& [needle, name] : kTable)
    if (v.find(needle) != std::string::npos || p.find(needle) != std::string::npos) return name;
  if (v.find("microsoft") != std::string::npos && p.find("virtual machine") != std::string::npos)
    return "Hyper-V";
  return "";
}

}  // namespace

PlacementProbe read_placement_probe(int numa_nodes) {
  PlacementProbe p;
  p.cpuinfo_flags = cpuinfo_flags();
  p.cpuid_signature = cpuid_signature();
  p.sys_vendor = read_line("/sys/class/dmi/id/sys_vendor");
  p.product_name = read_line("/sys/class/dmi/id/product_name");
  p.kernel_cmdline = read_line("/proc/cmdline");
  if (const char* accel = std::getenv("MAPSLA_VM_ACCEL")) p.env_accel = accel;
  if (const char* k = std::getenv("MAPSLA_VM_GUEST_KERNEL")) p.env_guest_kernel = k;
  p.os_release = read_line("/proc/sys/kernel/osrelease");
  p.os_version = read_line("/proc/sys/kernel/version");
  p.realtime = read_line("/sys/kernel/realtime");
  p.numa_nodes = numa_nodes;
  return p;
}

Placement detect_placement(const PlacementProbe& probe) {
  Placement out;
  std::vector<std::string> evidence;
  const bool flag = has_word(probe.cpuinfo_flags, "hypervisor");
  if (flag) evidence.push_back("cpuinfo flag 'hypervisor'");
  const std::string by_cpuid = hypervisor_of_signature(probe.cpuid_signature);
  if (!probe.cpuid_signature.empty())
    evidence.push_back(fmt::format("CPUID 0x40000000 '{}'", probe.cpuid_signature));
  const std::string by_dmi = hypervisor_of_dmi(probe.sys_vendor, probe.product_name);
  if (!probe.sys_vendor.empty() || !probe.product_name.empty())
    evidence.push_back(fmt::format("DMI '{}' '{}'", probe.sys_vendor, probe.product_name));

  // mapsla-vm passes the accelerator it booted with; the environment wins over
  // the kernel command line (which it also sets, for init systems that drop
  // init's environment).
  std::string accel = lower(probe.env_accel);
  if (!accel.empty()) {
    evidence.push_back("MAPSLA_VM_ACCEL=" + accel);
  } else {
    accel = lower(word_value(probe.kernel_cmdline, "MAPSLA_VM_ACCEL"));
    if (!accel.empty()) evidence.push_back("kernel command line MAPSLA_VM_ACCEL=" + accel);
  }
  if (!accel.empty()) out.launcher = "mapsla-vm";

  out.kernel = probe.os_release;
  std::vector<std::string> kernel_evidence;
  // /sys/kernel/realtime exists only on PREEMPT_RT kernels; uname -v names the
  // preemption model on kernels that have no such file.
  if (probe.realtime == "1") {
    out.preempt_rt = "yes";
    kernel_evidence.push_back("/sys/kernel/realtime=1");
  } else if (has_word(probe.os_version, "PREEMPT_RT")) {
    out.preempt_rt = "yes";
    kernel_evidence.push_back("uname -v 'PREEMPT_RT'");
  } else if (!probe.os_version.empty()) {
    out.preempt_rt = "no";
  }
  out.vm_kernel = probe.env_guest_kernel.empty()
                      ? word_value(probe.kernel_cmdline, "MAPSLA_VM_GUEST_KERNEL")
                      : probe.env_guest_kernel;
  if (!out.vm_kernel.empty()) kernel_evidence.push_back("MAPSLA_VM_GUEST_KERNEL=" + out.vm_kernel);

  if (flag || !by_cpuid.empty() || !by_dmi.empty() || !accel.empty()) out.where = "vm";
  if (out.where == "vm") {
    // QEMU's DMI says which machine model; CPUID says which accelerator runs it.
    if (by_dmi == "QEMU" && by_cpuid == "KVM")
      out.hypervisor = "QEMU/KVM";
    else if (!by_dmi.empty())
      out.hypervisor = by_dmi;
    else if (!by_cpuid.empty())
      out.hypervisor = by_cpuid;
    else if (!accel.empty())
      out.hypervisor = "QEMU";
    if (accel.empty()) {
      if (by_cpuid == "KVM")
        accel = "kvm";
      else if (probe.cpuid_signature == "TCGTCGTCGTCG")
        accel = "tcg";
    }
    out.accel = accel;
  }

  const std::string fake = word_value(probe.kernel_cmdline, "numa");
  if (probe.numa_nodes <= 1) {
    out.numa = "single";
    out.numa_detail = "1 NUMA node";
  } else if (fake.rfind("fake", 0) == 0) {
    out.numa = "emulated";
    out.numa_detail =
        fmt::format("{} nodes from numa={} on the kernel command line", probe.numa_nodes, fake);
  } else if (out.where == "vm") {
    out.numa = "emulated";
    out.numa_detail =
        fmt::format("{} nodes of a virtual topology given by the hypervisor{}", probe.numa_nodes,
                    out.hypervisor.rfind("QEMU", 0) == 0 ? " (QEMU -numa)" : "");
  } else {
    out.numa = "real";
    out.numa_detail = fmt::format("{} physical NUMA nodes", probe.numa_nodes);
  }
  if (evidence.empty()) evidence.push_back("no hypervisor bit, CPUID signature or DMI hypervisor");
  evidence.insert(evidence.end(), kernel_evidence.begin(), kernel_evidence.end());
  for (size_t i = 0; i < evidence.size(); ++i)
    out.evidence += (i ? "; " : "") + evidence[i];
  return out;
}

}  // namespace mapsla
