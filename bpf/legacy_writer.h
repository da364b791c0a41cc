/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI of the legacy test_run writer (legacy_writer.bpf.c and
 * legacy_locked_writer.bpf.c) for kernels without SEC("syscall") programs
 * (5.14) or bpf_loop (5.17), back to 5.10 LTS.
 *
 * They are XDP programs, run by BPF_PROG_TEST_RUN (XDP supports it since
 * 4.12) with one struct mapsla_writer_args (record.h) as the packet: the
 * program reads the range from the packet, writes it in a bounded loop
 * (accepted since 5.3) and stores updated/failed/last_error back into the
 * packet, which the kernel copies to data_out. XDP, not sched_cls: the run
 * builds an xdp_buff on a page instead of allocating an skb and a socket,
 * the packet is directly writable without bpf_skb_store_bytes, and both
 * program types may take a bpf_spin_lock.
 *
 * One run writes at most `max_keys` keys (rodata, at most
 * MAPSLA_LEGACY_WRITER_MAX_KEYS): the verifier walks every iteration of a
 * bounded loop, each one a whole record fill, and 5.10 stops at one million
 * processed instructions. The harness sets max_keys from the value size
 * (core/bpf/writer_program.h) and splits longer ranges into several runs.
 * A run whose packet is short or whose key_count is above max_keys returns
 * XDP_ABORTED without a write; a completed run returns XDP_PASS.
 *
 * The packet is a struct mapsla_legacy_writer_args: the arguments plus a
 * cursor, so that one BPF_PROG_TEST_RUN with `repeat` R runs the program R
 * times over the same packet (the kernel keeps it between repetitions) and
 * each repetition writes the next slice. A repetition writes keys
 * [key_start + cursor, + min(key_count, range_keys - cursor)) to `version`,
 * adds its counts to updated/failed, then advances: cursor by the keys it
 * wrote (back to 0 at range_keys), version by one. On 5.10 every
 * BPF_PROG_TEST_RUN of an XDP program registers it with the XDP dispatcher
 * and removes it again (a text_poke each), which costs milliseconds per call
 * and far more under QEMU TCG; R repetitions pay it once.
 */
#ifndef MAPSLA_BPF_LEGACY_WRITER_H
#define MAPSLA_BPF_LEGACY_WRITER_H

#include "record.h"

#define MAPSLA_LEGACY_WRITER_MAX_KEYS 32u

struct mapsla_legacy_writer_args {
	/* key_start: the range's first key; key_count: keys per repetition;
	 * version: the next repetition's; updated/failed: summed. */
	struct mapsla_writer_args args;
	__u32 range_keys; /* keys in the range, at least 1 */
	__u32 cursor;	  /* offset of the next repetition's first key */
};

#endif /* MAPSLA_BPF_LEGACY_WRITER_H */
