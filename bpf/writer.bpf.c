// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The test_run writer: one BPF_PROG_TEST_RUN call updates a key range of the
 * target map to one version, with the pattern chosen in rodata. The harness
 * sets the map's type, size and flags before load, so this one object serves
 * hash, lru_hash, array and per-CPU targets of every value size. The locked
 * pattern has its own program (locked_writer.bpf.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "record_fill.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

static long write_one(__u32 index, struct loop_state *st)
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
