/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI shared by the traffic writer (traffic_counter.bpf.c), the packet-loss
 * injector (loss.bpf.c) and the harness: how a UDP packet maps to a flow, and
 * the counters each program keeps. Fixed-width types only; the C++ side
 * mirrors the sizes with static_assert.
 *
 * Flow f of F is the UDP 4-tuple
 *   source port      MAPSLA_TRAFFIC_SPORT_BASE + f / MAPSLA_TRAFFIC_DPORTS
 *   destination port MAPSLA_TRAFFIC_DPORT_BASE + f % MAPSLA_TRAFFIC_DPORTS
 * from the tx address to the rx address, so a flow is a real 5-tuple and the
 * generator needs only one socket per 4096 flows. The flow id is the key of
 * the target map the counter writes.
 */
#ifndef MAPSLA_BPF_TRAFFIC_H
#define MAPSLA_BPF_TRAFFIC_H

#include <linux/types.h>

#define MAPSLA_TRAFFIC_SPORT_BASE 30000u
#define MAPSLA_TRAFFIC_DPORT_BASE 20000u
#define MAPSLA_TRAFFIC_DPORTS 4096u
#define MAPSLA_TRAFFIC_MAX_SPORTS 64u
#define MAPSLA_TRAFFIC_MAX_FLOWS                                               \
	(MAPSLA_TRAFFIC_DPORTS * MAPSLA_TRAFFIC_MAX_SPORTS)

/* Per-flow counters of the rx counter (an mmapable array indexed by flow).
 * `packets` and `bytes` are bumped before the record is written; `committed`
 * after, so a reader of `committed` knows the record of that version (or a
 * newer one) is in the map. bytes = skb->len at rx ingress (the L2 frame). */
struct mapsla_flow_count {
	__u64 packets;
	__u64 bytes;
	__u64 committed;
	__u64 reserved;
};

/* Totals of the rx counter for packets that are not a flow, and failed
 * record writes (per-CPU, summed by the harness). */
struct mapsla_counter_totals {
	__u64 other;
	__u64 write_failed;
	__s64 last_error;
	__u64 reserved;
};

/* Per-flow verdicts of the loss injector (an mmapable array indexed by flow).
 */
struct mapsla_loss_flow {
	__u64 passed;
	__u64 dropped;
};

/* Totals of the loss injector (per-CPU). `other` counts packets that are not
 * a flow of the generator: they always pass and draw no random number, so the
 * drop sequence depends only on the flow packets. */
struct mapsla_loss_totals {
	__u64 passed;
	__u64 dropped;
	__u64 other;
	__u64 reserved;
};

/* Per-CPU random state of the loss injector: xorshift64* seeded by the harness
 * from the fault's `seed`, and the Gilbert-Elliott state (0 good, 1 bad). */
struct mapsla_loss_rng {
	__u64 state;
	__u32 bad;
	__u32 reserved;
};

#endif /* MAPSLA_BPF_TRAFFIC_H */
