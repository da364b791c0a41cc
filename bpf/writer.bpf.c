// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The test_run writer: one BPF_PROG_TEST_RUN call updates a key range of the
 * target map to one version, with the pattern chosen in rodata. The harness
 * sets the map's type, size and flags before load, so this one object serves
 * hash, lru_hash, array and per-CPU targets of every value size. The locked
 * pattern has its own program (locked_writer.bpf.c); kernels without
 * SEC("syscall") or bpf_loop run legacy_writer.bpf.c, which shares every
 * write with this one (writer_ops.h).
 */
#include "writer_ops.h"
#include "syscall_write_range.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

MAPSLA_SYSCALL_WRITE_RANGE(mapsla_write_key)
