/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: the body of the `locked` pattern's writer, shared by
 * locked_writer.bpf.c (SEC("syscall") + bpf_loop) and
 * legacy_locked_writer.bpf.c (SEC("xdp") + a bounded loop). Each value
 * starts with a bpf_spin_lock header (record.h, MAPSLA_LOCK_HEADER_BYTES)
 * followed by the oracle record, and every record is written in place while
 * holding that lock. A reader that copies with BPF_F_LOCK takes the same
 * lock, so it never sees half a write; one that copies without it can.
 *
 * The verifier accepts bpf_spin_lock() only on a map whose BTF describes the
 * lock, so the harness creates the target (hash or plain array) with that
 * BTF and hands its fd over before load. Program types: the verifier refuses
 * spin locks in socket filters and tracing programs (5.10 also in sleepable
 * ones, which SEC("syscall") cannot be there anyway); SEC("syscall") takes
 * them on 6.18, and XDP since spin locks exist (5.1). Each program includes
 * this header exactly once.
 */
#ifndef MAPSLA_BPF_LOCKED_WRITER_OPS_H
#define MAPSLA_BPF_LOCKED_WRITER_OPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "record_fill.h"
#include "write_loop_state.h"
#include "writer_maps.h"

/* Payload words of the record after the lock header (rodata, set by the
 * harness from value_size - MAPSLA_LOCK_HEADER_BYTES). */
const volatile __u32 payload_words =
    MAPSLA_PAYLOAD_WORDS(MAPSLA_VALUE_SIZE_SMALL - MAPSLA_LOCK_HEADER_BYTES);

struct locked_value {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u8 record[MAPSLA_MAX_VALUE_SIZE - MAPSLA_LOCK_HEADER_BYTES];
};

/* A key absent from a hash is inserted whole; the kernel leaves the lock
 * word of the stored value alone. */
static __always_inline long insert_value(__u32 key, struct loop_state *st)
{
	__u32 zero = 0;
	struct locked_value *value = bpf_map_lookup_elem(&scratch, &zero);

	if (!value)
		return -12; /* ENOMEM: the scratch slot is always present */
	value->pad = 0;
	mapsla_fill_record(value->record, key, st->version, st->writer_cpu,
			   payload_words);
	((struct mapsla_record_head *)value->record)->seq = 0;
	return bpf_map_update_elem(&target, &key, value, BPF_ANY);
}

/* Writes key st->key_start + index under its lock and counts it in st. */
static __always_inline void mapsla_write_locked_key(__u32 index,
						    struct loop_state *st)
{
	__u32 key = st->key_start + index;
	struct locked_value *value = bpf_map_lookup_elem(&target, &key);
	long err = 0;

	if (value) {
		/* No helper or function call may run while the lock is held:
		 * mapsla_fill_record is always inlined. */
		bpf_spin_lock(&value->lock);
		mapsla_fill_record(value->record, key, st->version,
				   st->writer_cpu, payload_words);
		bpf_spin_unlock(&value->lock);
	} else {
		err = insert_value(key, st);
	}
	mapsla_count_write(st, err);
}

#endif /* MAPSLA_BPF_LOCKED_WRITER_OPS_H */
