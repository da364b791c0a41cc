// The capabilities mapsla needs, and what an EPERM means when they are held.
//
// A kernel answers EPERM for two different reasons: the caller lacks a
// capability (fix: run as root or grant it), or the kernel refuses the object
// whatever the caller holds (a program type compiled out, lockdown, an LSM,
// a sysctl). Only the first is a privilege problem (exit 4); the second is a
// fact about this kernel that makes the cells needing the object skipped or
// failed with the reason. Capabilities are read from /proc/self/status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mapsla {

enum class Capability : int { net_admin = 12, sys_admin = 21, perfmon = 38, bpf = 39 };

std::string to_string(Capability cap);  // "CAP_BPF", …

// What an operation needs, as alternatives: `any_of` is satisfied by one of its
// members (CAP_BPF or CAP_SYS_ADMIN loads a program).
struct CapabilityNeed {
  std::vector<Capability> any_of;
};

// The needs of the operations mapsla performs.
namespace needs {
inline const CapabilityNeed kBpf{{Capability::bpf, Capability::sys_admin}};
inline const CapabilityNeed kPerfmon{{Capability::perfmon, Capability::sys_admin}};
inline const CapabilityNeed kNetAdmin{{Capability::net_admin, Capability::sys_admin}};
}  // namespace needs

// The effective capability set of this process (CapEff), or of `status_text`
// (the text of a /proc/PID/status file) for tests.
uint64_t effective_capabilities();
uint64_t effective_capabilities(const std::string& status_text);

bool holds(uint64_t caps, Capability cap);
bool holds(uint64_t caps, const CapabilityNeed& need);

// "CAP_BPF or CAP_SYS_ADMIN" for each unmet need, joined with "; " ("" when
// every need is met).
std::string unmet(uint64_t caps, const std::vector<CapabilityNeed>& needs);

// Capabilities of mapsla's full set (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN,
// CAP_SYS_ADMIN) the process lacks, comma-separated ("" when it has them all).
std::string missing_capabilities();
std::string missing_capabilities(uint64_t caps);

// Why a kernel that is asked by a fully privileged caller may still say
// EPERM/EACCES, from what this host shows: lockdown mode, the active LSMs,
// kernel.unprivileged_bpf_disabled. One line, e.g. "not a missing capability
// (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN held); likely the
// program type is compiled out of this kernel, or a policy refuses it
// (lockdown: none, LSMs: unknown)".
std::string kernel_refusal_hint();

}  // namespace mapsla
