/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The XDP program both legacy writers are (legacy_writer.h): read the range
 * from the packet, write it key by key with WRITE_KEY(i, &st) in a bounded
 * loop, store the counts back into the packet and advance its cursor (so a
 * test_run with `repeat` writes the next slice each time). One body for both,
 * so the locked and the plain fallback cannot drift apart.
 */
#ifndef MAPSLA_BPF_LEGACY_WRITE_RANGE_H
#define MAPSLA_BPF_LEGACY_WRITE_RANGE_H

#include "legacy_writer.h"
#include "write_loop_state.h"

#define MAPSLA_LEGACY_WRITE_RANGE(WRITE_KEY)                                   \
	/* Keys one run may write, set before load (legacy_writer.h). */       \
	const volatile __u32 max_keys = MAPSLA_LEGACY_WRITER_MAX_KEYS;         \
                                                                               \
	SEC("xdp")                                                             \
	int write_range(struct xdp_md *ctx)                                    \
	{                                                                      \
		struct mapsla_legacy_writer_args *p = (void *)(long)ctx->data; \
		struct mapsla_writer_args *args = &p->args;                    \
		struct loop_state st = {};                                     \
		/* 64-bit: a spilled loop counter keeps its value for the      \
		 * verifier only in a full 8-byte stack slot (5.10 tracks no   \
		 * narrower spill). */                                         \
		__u64 count;                                                   \
		__u32 cursor, range;                                           \
                                                                               \
		if ((void *)(p + 1) > (void *)(long)ctx->data_end)             \
			return XDP_ABORTED;                                    \
		cursor = p->cursor;                                            \
		range = p->range_keys;                                         \
		if (cursor >= range)                                           \
			return XDP_ABORTED;                                    \
		count = args->key_count;                                       \
		if (count > range - cursor)                                    \
			count = range - cursor;                                \
		/* After the min: the verifier must see count <= max_keys. */  \
		if (count > max_keys)                                          \
			return XDP_ABORTED;                                    \
		st.key_start = args->key_start + cursor;                       \
		st.writer_cpu = args->writer_cpu;                              \
		st.version = args->version;                                    \
		/* Counts go on from the repetitions before: no branch on them \
		 * (the verifier would have to tell every count apart). */     \
		st.updated = args->updated;                                    \
		st.failed = args->failed;                                      \
		st.last_error = args->last_error;                              \
		/* The next repetition (test_run's `repeat`) goes on from      \
		 * here. */                                                    \
		cursor += count;                                               \
		p->cursor = cursor >= range ? 0 : cursor;                      \
		args->version = st.version + 1;                                \
		for (__u64 i = 0; i < MAPSLA_LEGACY_WRITER_MAX_KEYS; i++) {    \
			/* max_keys is a constant to the verifier: it walks    \
			 * that many iterations, not the maximum. */           \
			if (i >= max_keys || i >= count)                       \
				break;                                         \
			WRITE_KEY(i, &st);                                     \
		}                                                              \
		args->updated = st.updated;                                    \
		args->failed = st.failed;                                      \
		args->last_error = st.last_error;                              \
		return XDP_PASS;                                               \
	}

#endif /* MAPSLA_BPF_LEGACY_WRITE_RANGE_H */
