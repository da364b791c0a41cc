// What the running kernel and host can do, probed once per run by trying the
// real thing: a feature counts as present only when the probe loaded the
// program, created the map or ran the operation that mapsla will use (BTF
// naming a type is never enough). Every report stores the probe, so a result
// can be read next to the machine it ran on, and a reader, writer or fault
// that needs a missing feature makes exactly its cells not_applicable or
// skipped with the probe's own words as the reason.
#pragma once

#include <string>
#include <vector>

namespace mapsla {

struct FeatureState {
  bool available = false;
  std::string detail;    // why not, or how it was established
  int error = 0;         // errno of the refused attempt (0: available, or not an errno)
  std::string verifier;  // the verifier's last line, when it rejected a program
};

struct KernelFeatures {
  FeatureState privileges;       // CAP_BPF or CAP_SYS_ADMIN held and bpf_map_create succeeded
  FeatureState bpffs;            // /sys/fs/bpf is a bpf filesystem
  FeatureState btf_vmlinux;      // /sys/kernel/btf/vmlinux
  FeatureState jit;              // net.core.bpf_jit_enable
  FeatureState syscall_prog;     // a sleepable BPF_PROG_TYPE_SYSCALL program loads and test-runs
  FeatureState bpf_loop;         // BPF_FUNC_loop accepted by the verifier
  FeatureState test_run_writer;  // bpf/writer.bpf.c (SEC("syscall") + bpf_loop) loads
  FeatureState test_run_writer_xdp;  // bpf/legacy_writer.bpf.c (SEC("xdp"), bounded loop) loads
                                     // and one BPF_PROG_TEST_RUN writes a valid record
  FeatureState locked_writer_xdp;    // bpf/legacy_locked_writer.bpf.c does the same on a
                                     // spin-locked value
  FeatureState batch_ops;            // BPF_MAP_LOOKUP_BATCH on a hash
  FeatureState mmapable_array;       // BPF_F_MMAPABLE array + mmap()
  FeatureState map_lock;             // BPF_F_LOCK lookup of a bpf_spin_lock value
  FeatureState numa_map;             // bpf_map_create with BPF_F_NUMA_NODE
  FeatureState map_elem_iter;        // bpf/map_iter.bpf.c (tracing, iter/bpf_map_elem) loads,
                                     // attaches to a map and reads it
  FeatureState traffic_counter;      // traffic_counter.bpf.c count_flow (fetch-and-add) loads
  FeatureState cls_bpf;              // a BPF_PROG_TYPE_SCHED_CLS program loads
  FeatureState net_namespaces;       // unshare(CLONE_NEWNET) works (traffic writer, loss faults)
  FeatureState sch_netem;            // a netem qdisc can be created (tried in a private netns)
  int numa_nodes = 1;                // configured NUMA nodes (libnuma)
  // bpf/traffic_counter.bpf.c's count_flow_locked (per-flow bpf_spin_lock)
  // loads: the traffic writer's counter where count_flow does not (5.10).
  FeatureState traffic_counter_locked;
  // A process with no capability (external readers run as nobody) can read a
  // map through a descriptor it was given. 5.10–5.18 refuse every bpf()
  // command without CAP_BPF while kernel.unprivileged_bpf_disabled is set.
  FeatureState unprivileged_map_read;

  // (name, state) pairs in a stable order, for reports and `mapsla env`.
  std::vector<std::pair<std::string, const FeatureState*>> named() const;
  // The state called `name` in named(), or nullptr.
  const FeatureState* find(const std::string& name) const;
};

// Runs every probe. Never throws: a probe that cannot run reports itself
// unavailable with the reason. Nothing is left behind (maps and programs are
// closed, the namespace probes run in children whose namespaces die with
// them). libbpf's own messages are captured while probing, not printed.
KernelFeatures probe_kernel_features();

}  // namespace mapsla
