/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: the two maps every record writer writes through (writer_ops.h,
 * locked_writer_ops.h, traffic_counter.bpf.c), declared once so that their
 * names, types and sizes, which the harness and the skeletons rely on, cannot
 * drift apart, and the whole-value replace of the unlocked patterns. Each
 * program includes this header once.
 */
#ifndef MAPSLA_BPF_WRITER_MAPS_H
#define MAPSLA_BPF_WRITER_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "record_fill.h"

/* The map under test. The harness sets its type, size and flags before load
 * or replaces it with its own (bpf_map__reuse_fd): key_size/value_size instead
 * of BTF types so that it may resize it. */
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

/* scratch holding the record of (key, version) with seq 0, or NULL. */
static __always_inline void *
mapsla_scratch_record(__u32 key, __u64 version, __u32 writer_cpu,
		      const volatile __u32 *payload_words)
{
	__u32 zero = 0;
	void *value = bpf_map_lookup_elem(&scratch, &zero);

	if (!value)
		return NULL;
	mapsla_fill_record(value, key, version, writer_cpu, *payload_words);
	((struct mapsla_record_head *)value)->seq = 0;
	return value;
}

/* Stores the record of (key, version) as key's whole value in target: a
 * reader sees the old value or this one, never a mix. payload_words (the
 * program's rodata knob) is passed by address and the steps are two, as the
 * writers had them: the verifier then walks the legacy writer's bounded loop
 * exactly as long as before (by value, or in one function, the inplace
 * pattern cost it 4 to 20% more instructions). */
static __always_inline long
mapsla_replace_record(__u32 key, __u64 version, __u32 writer_cpu,
		      const volatile __u32 *payload_words)
{
	void *value =
	    mapsla_scratch_record(key, version, writer_cpu, payload_words);

	if (!value)
		return -12; /* ENOMEM: the scratch slot is always present */
	return bpf_map_update_elem(&target, &key, value, BPF_ANY);
}

#endif /* MAPSLA_BPF_WRITER_MAPS_H */
