// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The locked writer: the `locked` pattern (locked_writer_ops.h) run through
 * BPF_PROG_TEST_RUN with the same struct mapsla_writer_args as
 * writer.bpf.c. Kernels without SEC("syscall") or bpf_loop run
 * legacy_locked_writer.bpf.c, which shares every write with this one.
 */
#include "locked_writer_ops.h"
#include "syscall_write_range.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

MAPSLA_SYSCALL_WRITE_RANGE(mapsla_write_locked_key)
