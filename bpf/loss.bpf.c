// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The packet_loss fault's eBPF injector: a tc program (cls_bpf, direct
 * action) that drops the traffic generator's flow packets following a
 * Gilbert-Elliott chain, which also expresses plain Bernoulli loss (never
 * leave the good state) and correlated loss (loss iff in the bad state).
 *
 * Per flow packet, on the CPU that runs it: draw x from that CPU's seeded
 * xorshift64* (rng map), drop when the low 32 bits fall under the current
 * state's loss threshold, then move state with the high 32 bits (p good->bad,
 * r bad->good), the order netem's gemodel uses. Thresholds are probabilities
 * scaled by 2^32 (so 2^32 is "always"). The generator sends each flow from
 * one pinned CPU, so given the seed and the packet sequence every run drops
 * the same packets.
 *
 * Every verdict is counted exactly: per flow (flow_verdicts, mmapable) and in
 * per-CPU totals. Passing packets return TC_ACT_UNSPEC so that a filter after
 * this one (the traffic counter on ingress) still runs.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "flow_parse.h"
#include "traffic.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u64 p_threshold = 0;	       /* good -> bad */
const volatile __u64 r_threshold = 1ull << 32; /* bad -> good */
const volatile __u64 loss_good_threshold = 0;
const volatile __u64 loss_bad_threshold = 0;
const volatile __u32 flows = 1;
const volatile __u32 dst_ip = 0; /* network order */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsla_loss_rng);
} rng SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsla_loss_totals);
} totals SEC(".maps");

/* max_entries is set to the flow count before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsla_loss_flow);
} flow_verdicts SEC(".maps");

static __always_inline __u64 xorshift64star(__u64 *state)
{
	__u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

SEC("tc")
int drop_packets(struct __sk_buff *skb)
{
	struct mapsla_loss_totals *total;
	struct mapsla_loss_flow *verdict;
	struct mapsla_loss_rng *state;
	__u32 zero = 0, flow;
	__u64 x, lo, hi;
	int drop;

	total = bpf_map_lookup_elem(&totals, &zero);
	state = bpf_map_lookup_elem(&rng, &zero);
	if (!total || !state)
		return TC_ACT_UNSPEC;
	if (!mapsla_flow_of(skb, dst_ip, flows, &flow)) {
		total->other++;
		return TC_ACT_UNSPEC;
	}
	verdict = bpf_map_lookup_elem(&flow_verdicts, &flow);
	if (!verdict)
		return TC_ACT_UNSPEC;

	x = xorshift64star(&state->state);
	lo = x & 0xffffffffULL;
	hi = x >> 32;
	if (state->bad) {
		drop = lo < loss_bad_threshold;
		if (hi < r_threshold)
			state->bad = 0;
	} else {
		drop = lo < loss_good_threshold;
		if (hi < p_threshold)
			state->bad = 1;
	}
	if (drop) {
		total->dropped++;
		__sync_fetch_and_add(&verdict->dropped, 1);
		return TC_ACT_SHOT;
	}
	total->passed++;
	__sync_fetch_and_add(&verdict->passed, 1);
	return TC_ACT_UNSPEC;
}
