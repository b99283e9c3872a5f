// SPDX-License-Identifier: BSD-2-Clause
/*
 * Per-flow packet and byte counts kept by a tc program in an arena hash
 * table: NR_BUCKETS chain heads in an arena global, one arena_malloc()
 * block per flow.  flow_expire and flow_free_all, run from user space,
 * walk the table and give flows back with arena_free().
 */
#include <libarena/libarena.h>	/* first: it includes vmlinux.h */
#include <bpf/bpf_endian.h>
#include "flow.h"

#define TC_ACT_OK	0
#define ETH_P_IP	0x0800
#define IP_OFFSET	0x1fff
#define INSERT_TRIES	4

struct flow __arena *__arena buckets[NR_BUCKETS];
struct table_totals __arena totals;

/* Fill key from an Ethernet + IPv4 + TCP/UDP frame; -1 for anything else. */
static __always_inline int parse_flow(struct __sk_buff *ctx, struct flow_key *key)
{
	struct ethhdr eth;
	struct iphdr ip;
	__be16 ports[2];

	if (bpf_skb_load_bytes(ctx, 0, &eth, sizeof(eth)) ||
	    eth.h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes(ctx, sizeof(eth), &ip, sizeof(ip)) ||
	    ip.version != 4 || ip.ihl < 5)
		return -1;
	if (ip.protocol != IPPROTO_TCP && ip.protocol != IPPROTO_UDP)
		return -1;
	/* Only a first fragment carries the ports. */
	if (ip.frag_off & bpf_htons(IP_OFFSET))
		return -1;
	/* Source and destination port open both TCP and UDP headers. */
	if (bpf_skb_load_bytes(ctx, sizeof(eth) + ip.ihl * 4, ports, sizeof(ports)))
		return -1;
	key->saddr = ip.saddr;
	key->daddr = ip.daddr;
	key->sport = ports[0];
	key->dport = ports[1];
	key->proto = ip.protocol;
	return 0;
}

static __always_inline __u32 flow_hash(const struct flow_key *key)
{
	__u32 h = key->saddr * 0x9e3779b1u;

	h ^= key->daddr * 0x85ebca6bu;
	h ^= (((__u32)key->sport << 16) | key->dport) * 0xc2b2ae35u;
	h ^= key->proto;
	h ^= h >> 16;	/* the multiplications moved the entropy up */
	return h & (NR_BUCKETS - 1);
}

static __always_inline bool key_equal(struct flow __arena *f, const struct flow_key *key)
{
	return f->key.saddr == key->saddr && f->key.daddr == key->daddr &&
	       f->key.sport == key->sport && f->key.dport == key->dport &&
	       f->key.proto == key->proto;
}

static __always_inline struct flow __arena *flow_lookup(struct flow __arena *f,
							 const struct flow_key *key)
{
	while (f && can_loop) {
		if (key_equal(f, key))
			return f;
		f = f->next;
	}
	return NULL;
}

/*
 * A fresh record; arena_malloc() memory is not zeroed.  Field by field,
 * and the zeros volatile: clang 19 emits a struct assignment or adjacent
 * zero stores into arena memory through the pointer before its
 * address-space cast, which the verifier rejects.
 */
static __always_inline struct flow __arena *flow_new(const struct flow_key *key)
{
	struct flow __arena *f = arena_malloc(sizeof(*f));

	if (!f)
		return NULL;
	f->key.saddr = key->saddr;
	f->key.daddr = key->daddr;
	f->key.sport = key->sport;
	f->key.dport = key->dport;
	f->key.proto = key->proto;
	WRITE_ONCE(f->packets, 0);
	WRITE_ONCE(f->bytes, 0);
	return f;
}

/*
 * The flow's record, inserted if new.  tc runs on every CPU at once, so a
 * new record is published with a compare-and-swap on its bucket head; if
 * that loses, another CPU changed the chain (perhaps inserting this very
 * flow) and the search starts over.
 */
static __always_inline struct flow __arena *flow_get(const struct flow_key *key)
{
	struct flow __arena *__arena *head = arena_elem(buckets, flow_hash(key));
	struct flow __arena *first, *f = NULL, *n = NULL;
	__u32 i;

	for (i = opaque(0); i < INSERT_TRIES && can_loop; i++) {
		first = READ_ONCE(*head);
		f = flow_lookup(first, key);
		if (f)
			break;
		if (!n)
			n = flow_new(key);
		if (!n) {
			__sync_fetch_and_add(&totals.alloc_failures, 1);
			return NULL;
		}
		n->next = first;
		if (cmpxchg(head, first, n) == first) {
			__sync_fetch_and_add(&totals.flows, 1);
			return n;
		}
	}
	if (n)
		arena_free(n);	/* lost the race, or gave up */
	if (!f)
		__sync_fetch_and_add(&totals.lost, 1);
	return f;
}

SEC("tc")
int flow_count(struct __sk_buff *ctx)
{
	struct flow __arena *f;
	struct flow_key key;

	if (parse_flow(ctx, &key)) {
		__sync_fetch_and_add(&totals.ignored, 1);
		return TC_ACT_OK;
	}
	f = flow_get(&key);
	if (f) {
		__sync_fetch_and_add(&f->packets, 1);
		__sync_fetch_and_add(&f->bytes, ctx->len);
	}
	return TC_ACT_OK;	/* accounting never drops traffic */
}

/*
 * Free the flows with fewer than min packets; how many.  Nothing else may
 * use the table meanwhile: a tc program still reading a freed record would
 * see recycled memory (harmless to the kernel, wrong for the counts).
 */
static __always_inline int flows_free(__u64 min)
{
	struct flow __arena *__arena *link, *f;
	__u32 i;
	int freed = 0;

	for (i = opaque(0); i < NR_BUCKETS && can_loop; i++) {
		link = arena_elem(buckets, i);
		while ((f = *link) && can_loop) {
			if (f->packets >= min) {
				link = &f->next;
				continue;
			}
			*link = f->next;
			arena_free(f);
			freed++;
		}
	}
	__sync_fetch_and_sub(&totals.flows, freed);
	return freed;
}

SEC("syscall")
int flow_expire(struct expire_args *args)
{
	return flows_free(args->min_packets);
}

/* Free everything, then hand the per-CPU caches' blocks back to the heap. */
SEC("syscall")
int flow_free_all(void *ctx)
{
	int freed = flows_free(~0ull), err = arena_trim();

	return err < 0 ? err : freed;
}

char LICENSE[] SEC("license") = "GPL";
