// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Counts LRU evictions of one map, exactly. The kernel evicts an element of
 * an LRU hash through htab_lru_map_delete_node(), the callback its LRU lists
 * call when they reclaim a node; it returns true when the element was found
 * and unlinked. Explicit deletes take another path (htab_lru_push_free), so
 * every true return is an eviction. The callback's first argument is the
 * map's struct bpf_htab, which starts with its struct bpf_map: the map id
 * selects the target map.
 *
 * kprobe + kretprobe rather than fexit: some kernels refuse tracing
 * programs (EPERM) where kprobes load. The callback runs under the bucket's
 * raw spinlock with interrupts off, so nothing else runs on the CPU between
 * entry and return: a per-CPU flag carries "this call is for our map" from
 * one probe to the other.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* CO-RE: matched against the kernel's struct bpf_map by name. */
struct bpf_map___mapsla {
	__u32 id;
} __attribute__((preserve_access_index));

const volatile __u32 target_map_id = 0;

__u64 evictions = 0; /* callbacks that unlinked an element of the map */
__u64 misses = 0;    /* callbacks whose node was already gone */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} in_target SEC(".maps");

SEC("kprobe/htab_lru_map_delete_node")
int BPF_KPROBE(eviction_entry, void *htab)
{
	struct bpf_map___mapsla *map = htab;
	__u32 zero = 0;
	__u32 *flag = bpf_map_lookup_elem(&in_target, &zero);

	if (flag)
		*flag = BPF_CORE_READ(map, id) == target_map_id;
	return 0;
}

SEC("kretprobe/htab_lru_map_delete_node")
int BPF_KRETPROBE(eviction_exit, long ret)
{
	__u32 zero = 0;
	__u32 *flag = bpf_map_lookup_elem(&in_target, &zero);

	if (!flag || !*flag)
		return 0;
	*flag = 0;
	if (ret & 0xff) /* bool: only the low byte is defined */
		__sync_fetch_and_add(&evictions, 1);
	else
		__sync_fetch_and_add(&misses, 1);
	return 0;
}
