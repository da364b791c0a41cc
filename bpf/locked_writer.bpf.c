// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The locked writer: the `locked` pattern (locked_writer_ops.h) run through
 * BPF_PROG_TEST_RUN with the same struct mapsla_writer_args as
 * writer.bpf.c. Kernels without SEC("syscall") or bpf_loop run
 * legacy_locked_writer.bpf.c, which shares every write with this one.
 */
#include "locked_writer_ops.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static long write_one(__u32 index, struct loop_state *st)
{
	mapsla_write_locked_key(index, st);
	return 0;
}

SEC("syscall")
int write_range(struct mapsla_writer_args *args)
{
	struct loop_state st = {
	    .key_start = args->key_start,
	    .writer_cpu = args->writer_cpu,
	    .version = args->version,
	};

	bpf_loop(args->key_count, write_one, &st, 0);
	args->updated = st.updated;
	args->failed = st.failed;
	args->last_error = st.last_error;
	return 0;
}
