/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: what the test_run writers (writer_ops.h, locked_writer_ops.h)
 * carry through one key range, shared with the two program bodies that walk
 * it (syscall_write_range.h, legacy_write_range.h), and how a write's outcome
 * is counted in it.
 */
#ifndef MAPSLA_BPF_WRITE_LOOP_STATE_H
#define MAPSLA_BPF_WRITE_LOOP_STATE_H

#include <linux/types.h>

struct loop_state {
	__u32 key_start;
	__u32 writer_cpu;
	__u64 version;
	__u32 updated;
	__u32 failed;
	__s32 last_error;
};

static __always_inline void mapsla_count_write(struct loop_state *st, long err)
{
	if (err) {
		st->failed++;
		st->last_error = err;
	} else {
		st->updated++;
	}
}

#endif /* MAPSLA_BPF_WRITE_LOOP_STATE_H */
