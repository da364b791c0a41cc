/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: writes a whole oracle record (record.h) for (key, version) into
 * `value`, which holds `payload_words` payload words and the check word.
 * `payload_words` must be a program constant (rodata) so the verifier can
 * bound the loop.
 */
#ifndef MAPSLA_BPF_RECORD_FILL_H
#define MAPSLA_BPF_RECORD_FILL_H

#include <linux/types.h>
#include "record.h"

static __always_inline void mapsla_fill_record(void *value, __u32 key,
					       __u64 version, __u32 writer_cpu,
					       __u32 payload_words)
{
	struct mapsla_record_head *head = value;
	__u64 *words = value + MAPSLA_RECORD_HEADER_BYTES;
	__u64 seed = mapsla_record_seed(key, version);
	__u64 acc = seed;

	head->key = key;
	head->writer_cpu = writer_cpu;
	head->version = version;
	for (__u32 i = 0; i < MAPSLA_MAX_PAYLOAD_WORDS; i++) {
		__u64 word;

		if (i >= payload_words)
			break;
		word = mapsla_payload_word(seed, i);
		words[i] = word;
		acc = mapsla_check_step(acc, word);
	}
	words[payload_words] = acc;
}

/* The seqlock pattern's in-place write: seq is odd while the fields are being
 * written. Atomic adds are full barriers on every JIT; their result is unused,
 * so they stay a plain atomic add (no BPF_FETCH), which 5.10 accepts. */
static __always_inline void mapsla_fill_record_seqlocked(void *value, __u32 key,
							 __u64 version,
							 __u32 writer_cpu,
							 __u32 payload_words)
{
	struct mapsla_record_head *head = value;

	__sync_fetch_and_add(&head->seq, 1);
	mapsla_fill_record(value, key, version, writer_cpu, payload_words);
	__sync_fetch_and_add(&head->seq, 1);
}

#endif /* MAPSLA_BPF_RECORD_FILL_H */
