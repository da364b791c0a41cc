// What the running kernel and host can do, probed once per run. Every report
// stores the probe so that a result can be read next to the machine it ran on.
#pragma once

#include <string>
#include <vector>

namespace mapsla {

struct FeatureState {
  bool available = false;
  std::string detail;  // why not, or how it was established
};

struct KernelFeatures {
  FeatureState privileges;      // bpf_map_create succeeded (CAP_BPF or CAP_SYS_ADMIN)
  FeatureState bpffs;           // /sys/fs/bpf is a bpf filesystem
  FeatureState btf_vmlinux;     // /sys/kernel/btf/vmlinux
  FeatureState jit;             // net.core.bpf_jit_enable
  FeatureState bpf_loop;        // BPF_FUNC_loop
  FeatureState batch_ops;       // BPF_MAP_LOOKUP_BATCH on a hash
  FeatureState mmapable_array;  // BPF_F_MMAPABLE array + mmap()
  FeatureState map_lock;        // BPF_F_LOCK lookup of a bpf_spin_lock value
  FeatureState map_elem_iter;   // iter/bpf_map_elem target in vmlinux BTF
  FeatureState cls_bpf;         // BPF_PROG_TYPE_SCHED_CLS programs load
  FeatureState sch_netem;       // a netem qdisc can be created (tried in a private netns)
  int numa_nodes = 1;           // configured NUMA nodes (libnuma)

  // (name, state) pairs in a stable order, for reports and `mapsla env`.
  std::vector<std::pair<std::string, const FeatureState*>> named() const;
};

// Capabilities a run needs that the calling process lacks, comma-separated
// ("" when it has them all): CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN.
std::string missing_capabilities();

// Runs every probe. Never throws: a probe that cannot run reports itself
// unavailable with the reason. Nothing is left behind (maps are closed, the
// netem probe runs in a namespace that dies with its child process).
KernelFeatures probe_kernel_features();

}  // namespace mapsla
