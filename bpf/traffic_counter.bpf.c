// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The traffic writer's rx side: a tc ingress program (cls_bpf, direct
 * action) on the rx veth. Per packet of flow f it counts the packet and its
 * bytes in flow_counts[f] and rewrites the target map's record of key f to
 * version 1 + packets counted for f (the prefill is version 1 = no packet),
 * in the scenario's pattern. Flow packets are consumed here (TC_ACT_SHOT):
 * nothing listens in the rx namespace, and the stack would only answer with
 * ICMP. Every other packet passes untouched.
 *
 * Counts are exact on any number of CPUs (atomic adds); a record's version is
 * monotonic because the generator sends each flow from one pinned CPU and the
 * veth delivers on the sending CPU, so one flow's packets are counted in
 * order.
 *
 * Two programs, one loaded (the harness turns the other's autoload off):
 * count_flow takes the flow's packet number with an atomic fetch-and-add
 * (BPF_FETCH, Linux 5.12); count_flow_locked, for older kernels (5.10), takes
 * it under a per-flow bpf_spin_lock (sched_cls may take one since 5.1) in
 * flow_locks, and bumps flow_counts[f].packets with a plain atomic add (no
 * fetch) right after. Both hand out each packet number of a flow exactly
 * once, so counts, versions and the commit order are the same.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "flow_parse.h"
#include "record.h"
#include "record_fill.h"
#include "traffic.h"
#include "writer_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 pattern = MAPSLA_PATTERN_INPLACE;
const volatile __u32 payload_words =
    MAPSLA_PAYLOAD_WORDS(MAPSLA_VALUE_SIZE_SMALL);
const volatile __u32 flows = 1;
const volatile __u32 dst_ip = 0; /* network order */

/* max_entries is set to the flow count before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsla_flow_count);
} flow_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsla_counter_totals);
} totals SEC(".maps");

/* count_flow_locked's packet numbers (kernel-private: a spin-locked value
 * cannot be mmapped, so flow_counts keeps its layout). max_entries is set to
 * the flow count before load when count_flow_locked is the one loaded. */
struct mapsla_flow_lock {
	struct bpf_spin_lock lock;
	__u64 packets;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsla_flow_lock);
} flow_locks SEC(".maps");

static __always_inline long write_record(__u32 key, __u64 version)
{
	__u32 cpu = bpf_get_smp_processor_id();
	void *value;

	if (pattern == MAPSLA_PATTERN_REPLACE)
		return mapsla_replace_record(key, version, cpu, &payload_words);
	value = bpf_map_lookup_elem(&target, &key);
	if (!value)
		return mapsla_replace_record(key, version, cpu, &payload_words);
	if (pattern == MAPSLA_PATTERN_SEQLOCK) {
		mapsla_fill_record_seqlocked(value, key, version, cpu,
					     payload_words);
		return 0;
	}
	mapsla_fill_record(value, key, version, cpu, payload_words);
	return 0;
}

static __always_inline int count_packet(struct __sk_buff *skb, int locked)
{
	struct mapsla_counter_totals *total;
	struct mapsla_flow_count *count;
	struct mapsla_flow_lock *flow_lock;
	__u32 zero = 0, flow;
	__u64 packets;
	long err;

	total = bpf_map_lookup_elem(&totals, &zero);
	if (!mapsla_flow_of(skb, dst_ip, flows, &flow)) {
		if (total)
			total->other++;
		return TC_ACT_OK;
	}
	count = bpf_map_lookup_elem(&flow_counts, &flow);
	if (!count)
		return TC_ACT_OK;
	if (locked) {
		flow_lock = bpf_map_lookup_elem(&flow_locks, &flow);
		if (!flow_lock)
			return TC_ACT_OK;
		bpf_spin_lock(&flow_lock->lock);
		packets = ++flow_lock->packets;
		bpf_spin_unlock(&flow_lock->lock);
		__sync_fetch_and_add(&count->packets, 1);
	} else {
		packets = __sync_fetch_and_add(&count->packets, 1) + 1;
	}
	__sync_fetch_and_add(&count->bytes, skb->len);
	err = write_record(flow, packets + 1);
	if (err) {
		if (total) {
			total->write_failed++;
			total->last_error = err;
		}
	} else {
		/* An atomic add is a full barrier: the record is visible
		 * before the commit that the harness publishes. */
		__sync_fetch_and_add(&count->committed, 1);
	}
	return TC_ACT_SHOT;
}

SEC("tc")
int count_flow(struct __sk_buff *skb)
{
	return count_packet(skb, 0);
}

SEC("tc")
int count_flow_locked(struct __sk_buff *skb)
{
	return count_packet(skb, 1);
}
