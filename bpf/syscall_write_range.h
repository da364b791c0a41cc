/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The SEC("syscall") program both test_run writers are (writer.bpf.c,
 * locked_writer.bpf.c; Linux 5.14, bpf_loop 5.17): write keys
 * [key_start, key_start + key_count) with WRITE_KEY(i, &st) in a bpf_loop and
 * store the counts back into the arguments. One body for both, as
 * legacy_write_range.h is for their XDP fallbacks.
 */
#ifndef MAPSLA_BPF_SYSCALL_WRITE_RANGE_H
#define MAPSLA_BPF_SYSCALL_WRITE_RANGE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "write_loop_state.h"

#define MAPSLA_SYSCALL_WRITE_RANGE(WRITE_KEY)                                  \
	static long write_one(__u32 index, struct loop_state *st)              \
	{                                                                      \
		WRITE_KEY(index, st);                                          \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	SEC("syscall")                                                         \
	int write_range(struct mapsla_writer_args *args)                       \
	{                                                                      \
		struct loop_state st = {                                       \
		    .key_start = args->key_start,                              \
		    .writer_cpu = args->writer_cpu,                            \
		    .version = args->version,                                  \
		};                                                             \
                                                                               \
		bpf_loop(args->key_count, write_one, &st, 0);                  \
		args->updated = st.updated;                                    \
		args->failed = st.failed;                                      \
		args->last_error = st.last_error;                              \
		return 0;                                                      \
	}

#endif /* MAPSLA_BPF_SYSCALL_WRITE_RANGE_H */
