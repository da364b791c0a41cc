/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: the body of the test_run writer, shared by its two programs so
 * that they differ only in how they walk a key range:
 *
 *   writer.bpf.c         SEC("syscall"), bpf_loop (Linux 5.14 / 5.17)
 *   legacy_writer.bpf.c  SEC("xdp"), a bounded for loop (Linux 5.3)
 *
 * Each program includes this header exactly once: it defines the program's
 * knobs (rodata), its `target` and `scratch` maps and mapsla_write_key(),
 * which writes one key in the pattern chosen before load and counts the
 * outcome in the caller's loop state. Everything here is available on 5.10:
 * map helpers, bpf_get_smp_processor_id and atomic adds whose result is
 * unused (BPF_XADD), no bpf_loop, no kfunc, no BTF-typed map value.
 */
#ifndef MAPSLA_BPF_WRITER_OPS_H
#define MAPSLA_BPF_WRITER_OPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "record_fill.h"

/* Knobs, fixed before load (the verifier sees them as constants). */
const volatile __u32 pattern = MAPSLA_PATTERN_INPLACE;
const volatile __u32 payload_words =
    MAPSLA_PAYLOAD_WORDS(MAPSLA_VALUE_SIZE_SMALL);

/* key_size/value_size instead of BTF types so the harness may resize it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAPSLA_VALUE_SIZE_SMALL);
} target SEC(".maps");

/* Whole values are assembled here: 1 KiB does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAPSLA_MAX_VALUE_SIZE);
} scratch SEC(".maps");

struct loop_state {
	__u32 key_start;
	__u32 writer_cpu;
	__u64 version;
	__u32 updated;
	__u32 failed;
	__s32 last_error;
};

static __always_inline void fill_record(void *value, __u32 key, __u64 version,
					__u32 writer_cpu)
{
	mapsla_fill_record(value, key, version, writer_cpu, payload_words);
}

static __always_inline void *scratch_record(__u32 key, struct loop_state *st)
{
	__u32 zero = 0;
	void *value = bpf_map_lookup_elem(&scratch, &zero);

	if (!value)
		return NULL;
	fill_record(value, key, st->version, st->writer_cpu);
	((struct mapsla_record_head *)value)->seq = 0;
	return value;
}

static __always_inline long replace_value(__u32 key, struct loop_state *st)
{
	void *value = scratch_record(key, st);

	if (!value)
		return -12; /* ENOMEM: the scratch slot is always present */
	return bpf_map_update_elem(&target, &key, value, BPF_ANY);
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
		/* Atomic adds are full barriers on every JIT; seq is odd while
		 * the fields are being written. */
		__sync_fetch_and_add(&((struct mapsla_record_head *)value)->seq,
				     1);
		fill_record(value, key, st->version, st->writer_cpu);
		__sync_fetch_and_add(&((struct mapsla_record_head *)value)->seq,
				     1);
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
	if (err) {
		st->failed++;
		st->last_error = err;
	} else {
		st->updated++;
	}
}

#endif /* MAPSLA_BPF_WRITER_OPS_H */
