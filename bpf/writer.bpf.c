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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static long write_one(__u32 index, struct loop_state *st)
{
	mapsla_write_key(index, st);
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
