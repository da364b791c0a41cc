/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The oracle record: the value every mapsla writer stores and every reader
 * validates. It is self-checking, so a reader never needs a second source of
 * truth to classify what it saw:
 *
 *   payload[i] = mapsla_payload_word(key, version, i)
 *   check      = mapsla_fold(key, version, payload[0..W))
 *
 * A value whose check or payload does not match its own key and version was
 * assembled from more than one write: it is torn.
 *
 * The layout is shared verbatim by BPF C and C++ (fixed-width types only; the
 * C++ side mirrors the sizes with static_assert). Three value sizes are
 * supported; W is derived from the value size, so one BPF program serves all
 * of them (the writer gets W as rodata, the map gets value_size at load).
 */
#ifndef MAPSLA_BPF_RECORD_H
#define MAPSLA_BPF_RECORD_H

#include <linux/types.h>

#define MAPSLA_RECORD_HEADER_BYTES 24u /* key, writer_cpu, version, seq */
#define MAPSLA_RECORD_TRAILER_BYTES 8u /* check */
#define MAPSLA_VALUE_SIZE_SMALL 64u
#define MAPSLA_VALUE_SIZE_MEDIUM 256u
#define MAPSLA_VALUE_SIZE_LARGE 1024u
#define MAPSLA_MAX_VALUE_SIZE MAPSLA_VALUE_SIZE_LARGE
#define MAPSLA_PAYLOAD_WORDS(value_size)                                       \
	(((value_size)-MAPSLA_RECORD_HEADER_BYTES -                            \
	  MAPSLA_RECORD_TRAILER_BYTES) /                                       \
	 8u)
#define MAPSLA_MAX_PAYLOAD_WORDS MAPSLA_PAYLOAD_WORDS(MAPSLA_MAX_VALUE_SIZE)

/* Values of the `locked` pattern keep the map's value sizes (64, 256,
 * 1024) and start with this 8-byte header: the struct bpf_spin_lock the
 * kernel manages (4 bytes, described to the kernel by the map's BTF) and 4
 * bytes of padding. The oracle record follows it, shrunk to value_size - 8
 * bytes (3, 27 or 123 payload words), so readers validate the bytes after
 * the header. The kernel zeroes the lock word in every copy it hands to
 * userspace. */
#define MAPSLA_LOCK_HEADER_BYTES 8u
struct mapsla_lock_header {
	__u32 lock; /* struct bpf_spin_lock */
	__u32 pad;
};

/* Header of every record. The payload words and the check word follow; the
 * check word is always the last 8 bytes of the value. */
struct mapsla_record_head {
	__u32 key;
	__u32 writer_cpu;
	__u64 version; /* 0 never occurs in a written record */
	__u64 seq;     /* seqlock word: odd while a cooperating write runs */
};

/* The full-size record, as laid out in a 1 KiB value. Smaller values use the
 * same header and fewer payload words, with check right after them. */
struct mapsla_record_max {
	struct mapsla_record_head head;
	__u64 payload[MAPSLA_MAX_PAYLOAD_WORDS];
	__u64 check;
};

/* Writer patterns (DESIGN.md "Writers"). Values are part of the ABI between
 * the writer program's rodata and the harness. */
enum mapsla_pattern {
	MAPSLA_PATTERN_INPLACE =
	    0, /* write fields through the lookup pointer */
	MAPSLA_PATTERN_REPLACE = 1, /* bpf_map_update_elem of a whole value */
	MAPSLA_PATTERN_CHURN = 2,   /* delete, then re-insert */
	MAPSLA_PATTERN_SEQLOCK = 3, /* in place, bracketed by seq odd/even */
	MAPSLA_PATTERN_LOCKED = 4,  /* value holds a bpf_spin_lock */
	MAPSLA_PATTERN_PERCPU = 5,  /* per-CPU value, written on this CPU */
};

/* Context passed with BPF_PROG_TEST_RUN to the writer for one run: update
 * keys [key_start, key_start + key_count) to `version`. */
struct mapsla_writer_args {
	__u32 key_start;
	__u32 key_count;
	__u64 version;
	__u32 writer_cpu;
	__u32 flags;
	/* Filled by the program: how many updates it made and how many failed.
	 */
	__u32 updated;
	__u32 failed;
	__s32 last_error;
	__u32 reserved;
};

/* splitmix64's finalizer: cheap, bijective, and every output bit depends on
 * every input bit, so a single stale word is caught. */
static inline __u64 mapsla_mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Seed shared by every payload word and the check of one (key, version). */
static inline __u64 mapsla_record_seed(__u32 key, __u64 version)
{
	return mapsla_mix64(version ^
			    mapsla_mix64((__u64)key + 0x9e3779b97f4a7c15ULL));
}

static inline __u64 mapsla_payload_word(__u64 seed, __u32 index)
{
	return mapsla_mix64(seed + (__u64)(index + 1) * 0x9e3779b97f4a7c15ULL);
}

/* The check folds the seed and each payload word in order. */
static inline __u64 mapsla_check_step(__u64 acc, __u64 word)
{
	return mapsla_mix64(acc ^ word);
}

#endif /* MAPSLA_BPF_RECORD_H */
