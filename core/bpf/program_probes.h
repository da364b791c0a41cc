// The program-load probes behind KernelFeatures (features.cpp): each loads
// the smallest program of a type, or mapsla's own object, exactly as mapsla
// will, and reports the errno and the verifier's last line when the kernel
// says no. A refusal with EPERM/EACCES while the capabilities are held is
// described as the kernel's refusal (capabilities.h), never as a missing
// privilege.
#pragma once

#include <linux/bpf.h>

#include <string>

#include "core/bpf/features.h"

namespace mapsla::probes {

// A minimal program (r0 = 0; exit) of `type`.
FeatureState program_type(bpf_prog_type type, const std::string& type_name,
                          uint32_t prog_flags = 0);
// A sleepable BPF_PROG_TYPE_SYSCALL program loads and one BPF_PROG_TEST_RUN succeeds.
FeatureState syscall_program();
// The verifier accepts a call of BPF_FUNC_loop.
FeatureState bpf_loop_helper();
// bpf/writer.bpf.c loads against a one-entry hash (what the test_run writer loads).
FeatureState test_run_writer();
// bpf/legacy_writer.bpf.c (SEC("xdp"), bounded loop) loads against a one-entry
// hash and one BPF_PROG_TEST_RUN writes a valid record into it: the test_run
// writer's program on kernels without SEC("syscall") or bpf_loop.
FeatureState test_run_writer_xdp();
// bpf/legacy_locked_writer.bpf.c loads against a one-entry hash whose value
// BTF holds a bpf_spin_lock and one run writes a record under the lock.
FeatureState locked_writer_xdp();
// bpf/traffic_counter.bpf.c's count_flow (the traffic writer's cls_bpf
// counter) loads: it numbers each flow's packets with an atomic fetch-and-add
// (Linux 5.12+).
FeatureState traffic_counter();
// Its count_flow_locked loads: the same counter numbering packets under a
// per-flow bpf_spin_lock (cls_bpf may take one since Linux 5.1).
FeatureState traffic_counter_locked();
// bpf/map_iter.bpf.c loads, attaches to a two-element array and reads both.
FeatureState map_elem_iterator();

// "EPERM" plus, for EPERM/EACCES, why a privileged caller can still be refused.
std::string describe_refusal(int err);

}  // namespace mapsla::probes
