/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-only: finds the generator's flow id in a tc packet (Ethernet, IPv4
 * without options or with, UDP to the rx address). See traffic.h for the
 * port layout. Both tc programs see the Ethernet header: cls_bpf pushes it
 * back on ingress.
 */
#ifndef MAPSLA_BPF_FLOW_PARSE_H
#define MAPSLA_BPF_FLOW_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "traffic.h"

#define MAPSLA_FLOW_HEADROOM                                                   \
	(sizeof(struct ethhdr) + 60 + sizeof(struct udphdr))

/* Returns 1 and sets *flow when the packet is flow *flow of `flows` sent to
 * `dst_ip` (network order), else 0. */
static __always_inline int mapsla_flow_of(struct __sk_buff *skb, __u32 dst_ip,
					  __u32 flows, __u32 *flow)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u32 ihl, sport, dport, id;

	if (data + sizeof(*eth) + sizeof(*ip) + sizeof(*udp) > data_end) {
		/* Small frames are linear; a paged one is pulled once. */
		if (bpf_skb_pull_data(skb, skb->len < MAPSLA_FLOW_HEADROOM
					       ? skb->len
					       : MAPSLA_FLOW_HEADROOM))
			return 0;
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		eth = data;
		if (data + sizeof(*eth) + sizeof(*ip) + sizeof(*udp) > data_end)
			return 0;
	}
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = data + sizeof(*eth);
	if (ip->protocol != IPPROTO_UDP || ip->daddr != dst_ip)
		return 0;
	ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip) || ihl > 60)
		return 0;
	udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > data_end)
		return 0;
	sport = bpf_ntohs(udp->source);
	dport = bpf_ntohs(udp->dest);
	if (sport < MAPSLA_TRAFFIC_SPORT_BASE ||
	    dport < MAPSLA_TRAFFIC_DPORT_BASE)
		return 0;
	sport -= MAPSLA_TRAFFIC_SPORT_BASE;
	dport -= MAPSLA_TRAFFIC_DPORT_BASE;
	if (sport >= MAPSLA_TRAFFIC_MAX_SPORTS ||
	    dport >= MAPSLA_TRAFFIC_DPORTS)
		return 0;
	id = sport * MAPSLA_TRAFFIC_DPORTS + dport;
	if (id >= flows)
		return 0;
	*flow = id;
	return 1;
}

#endif /* MAPSLA_BPF_FLOW_PARSE_H */
