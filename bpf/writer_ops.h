/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: the body of the test_run writer, shared by its two programs so
 * that they differ only in how they walk a key range:
 *
 *   writer.bpf.c         SEC("syscall"), bpf_loop (Linux 5.14 / 5.17)
 *   legacy_writer.bpf.c  SEC("xdp"), a bounded for loop (Linux 5.3)
 *
 * Each program includes this header exactly once: it defines the program's
 * knobs (rodata), its `target` and `scratch` maps (writer_maps.h) and
 * mapsla_write_key(), which writes one key in the pattern chosen before load
 * and counts the outcome in the caller's loop state. Everything here is
 * available on 5.10:
 * map helpers, bpf_get_smp_processor_id and atomic adds whose result is
 * unused (BPF_XADD), no bpf_loop, no kfunc, no BTF-typed map value.
 */
#ifndef MAPSLA_BPF_WRITER_OPS_H
#define MAPSLA_BPF_WRITER_OPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "record_fill.h"
#include "write_loop_state.h"
#include "writer_maps.h"

/* Knobs, fixed before load (the verifier sees them as constants). */
const volatile __u32 pattern = MAPSLA_PATTERN_INPLACE;
const volatile __u32 payload_words =
    MAPSLA_PAYLOAD_WORDS(MAPSLA_VALUE_SIZE_SMALL);

static __always_inline void fill_record(void *value, __u32 key, __u64 version,
					__u32 writer_cpu)
{
	mapsla_fill_record(value, key, version, writer_cpu, payload_words);
}

static __always_inline long replace_value(__u32 key, struct loop_state *st)
{
	return mapsla_replace_record(key, st->version, st->writer_cpu,
				     &payload_words);
}

/* Writes key st->key_start + index and counts it in st. */
static __always_inline void mapsla_write_key(__u32 index, struct loop_state *st)
{
	__u32 key = st->key_start + index;
	void *value;
	long err = 0;

	switch (pattern) {
	case MAPSLA_PATTERN_REPLACE:
		err = replace_value(key, st);
		break;
	case MAPSLA_PATTERN_CHURN:
		/* ENOENT here only means a reader-visible gap already exists.
		 */
		bpf_map_delete_elem(&target, &key);
		err = replace_value(key, st);
		break;
	case MAPSLA_PATTERN_SEQLOCK:
		value = bpf_map_lookup_elem(&target, &key);
		if (!value) {
			err = replace_value(key, st);
			break;
		}
		mapsla_fill_record_seqlocked(value, key, st->version,
					     st->writer_cpu, payload_words);
		break;
	case MAPSLA_PATTERN_PERCPU:
		/* On a per-CPU map the lookup returns this CPU's slot, so the
		 * record is written in place there; writer_cpu names the CPU
		 * the program ran on, which the oracle checks against the slot.
		 */
		value = bpf_map_lookup_elem(&target, &key);
		st->writer_cpu = bpf_get_smp_processor_id();
		if (!value) {
			err = replace_value(key, st);
			break;
		}
		fill_record(value, key, st->version, st->writer_cpu);
		break;
	case MAPSLA_PATTERN_INPLACE:
	default:
		value = bpf_map_lookup_elem(&target, &key);
		if (!value) {
			err = replace_value(key, st);
			break;
		}
		fill_record(value, key, st->version, st->writer_cpu);
		break;
	}
	mapsla_count_write(st, err);
}

#endif /* MAPSLA_BPF_WRITER_OPS_H */
