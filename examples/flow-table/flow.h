/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The flow table as both halves see it: flow.bpf.c fills it, flow.c reads
 * it through the arena mapping.  Include after a libarena header, which
 * defines __arena (empty in user space).
 */
#ifndef __FLOW_H
#define __FLOW_H

#define NR_BUCKETS	4096	/* a power of two: the hash is masked */

/* The 5-tuple, in network byte order as on the wire. */
struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
};

/* One per flow, from arena_malloc(); chained per bucket. */
struct flow {
	struct flow __arena *next;
	struct flow_key key;
	__u64 packets;
	__u64 bytes;
};

struct table_totals {
	__u64 flows;		/* in the table now */
	__u64 alloc_failures;	/* packets of a new flow arena_malloc() had no memory for */
	__u64 ignored;		/* not IPv4 TCP/UDP, or a non-first fragment */
	__u64 lost;		/* packets not counted: their bucket kept changing */
};

struct expire_args {
	__u64 min_packets;	/* flows with fewer packets are freed */
};

#endif /* __FLOW_H */
