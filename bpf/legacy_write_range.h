/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The XDP program both legacy writers are (legacy_writer.h): read the range
 * from the packet, write it key by key with WRITE_KEY(i, &st) in a bounded
 * loop, store the counts back into the packet. One body for both, so the
 * locked and the plain fallback cannot drift apart.
 */
#ifndef MAPSLA_BPF_LEGACY_WRITE_RANGE_H
#define MAPSLA_BPF_LEGACY_WRITE_RANGE_H

#include "legacy_writer.h"

#define MAPSLA_LEGACY_WRITE_RANGE(WRITE_KEY)                                   \
	/* Keys one run may write, set before load (legacy_writer.h). */       \
	const volatile __u32 max_keys = MAPSLA_LEGACY_WRITER_MAX_KEYS;         \
                                                                               \
	SEC("xdp")                                                             \
	int write_range(struct xdp_md *ctx)                                    \
	{                                                                      \
		struct mapsla_writer_args *args = (void *)(long)ctx->data;     \
		struct loop_state st = {};                                     \
		/* 64-bit: a spilled loop counter keeps its value for the      \
		 * verifier only in a full 8-byte stack slot (5.10 tracks no   \
		 * narrower spill). */                                         \
		__u64 count;                                                   \
                                                                               \
		if ((void *)(args + 1) > (void *)(long)ctx->data_end)          \
			return XDP_ABORTED;                                    \
		count = args->key_count;                                       \
		if (count > max_keys)                                          \
			return XDP_ABORTED;                                    \
		st.key_start = args->key_start;                                \
		st.writer_cpu = args->writer_cpu;                              \
		st.version = args->version;                                    \
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
