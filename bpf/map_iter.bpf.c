// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The map-element iterator of the `iter` reader: attached to one map, it is
 * called once per element and appends the element's 4-byte key and its
 * value_bytes value bytes to the iterator's seq_file, so one read() of the
 * iterator fd returns whole (key, value) frames back to back. For per-CPU
 * maps the kernel hands over every possible CPU's slot, each rounded up to 8
 * bytes, which is exactly what a per-CPU lookup returns: value_bytes is set
 * to that size.
 *
 * The context types are declared here with preserve_access_index instead of
 * coming from vmlinux.h: libbpf relocates their field offsets against the
 * running kernel's BTF, as the kernel selftests' bpf_iter programs do.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Bytes of each value to emit (rodata, set by the harness before load). The
 * kernel refuses to attach the program to a map whose values are shorter. */
const volatile __u32 value_bytes = 64;

struct seq_file;
struct bpf_map;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	void *key;
	void *value;
} __attribute__((preserve_access_index));

SEC("iter/bpf_map_elem")
int emit_elem(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	void *key = ctx->key;
	void *value = ctx->value;

	/* The last call of a pass has no element. */
	if (!key || !value)
		return 0;
	bpf_seq_write(seq, key, sizeof(__u32));
	bpf_seq_write(seq, value, value_bytes);
	return 0;
}
