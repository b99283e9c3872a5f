// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader for flow.bpf.c: feed the tc program generated traffic in batches
 * (20000 TCP and UDP flows of 1 to 4 frames each, plus some ARP frames it
 * must ignore), servicing libarena's reserve between batches; read the flow
 * table straight from the arena mapping; expire the one-frame flows, free
 * the rest and check with libarena's user-space library that the heap is
 * empty again.
 *
 *   flow [--no-refill]	(root; --no-refill skips the refills between
 *			 batches, to show what they are for)
 */
#define _GNU_SOURCE	/* sched_getcpu */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>	/* before flow.h: it defines __arena */
#include "flow.h"
#include "flow.skel.h"

#define NR_FLOWS	20000
#define MAX_FRAMES	4	/* flow i sends 1 + i % MAX_FRAMES frames */
#define BATCH		1024	/* frames between two refills */
#define ARP_EVERY	1000	/* an ARP frame among so many: not a flow */
#define FRAME_MAX	1514
#define NR_TOP		3

struct traffic {
	__u64 frames;		/* IPv4 TCP/UDP frames sent */
	__u64 bytes;
	__u64 ignored;		/* ARP frames sent */
	int batches;
	int chunks;		/* moved by the refills between batches */
};

struct summary {
	__u64 flows, packets, bytes;
	struct flow top[NR_TOP];	/* heaviest first; next unused */
};

/* Flow i's 5-tuple: 200 clients with 100 ports each, 7 servers. */
static void flow_key_of(unsigned int i, struct flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->proto = i % 3 ? IPPROTO_UDP : IPPROTO_TCP;
	key->saddr = htonl(0x0a000001 + i / 100);	/* 10.0.0.1 .. */
	key->sport = htons(32768 + i % 100);
	key->daddr = htonl(0xc0a80101 + i % 7);		/* 192.168.1.1 .. 7 */
	key->dport = htons(key->proto == IPPROTO_TCP ? 443 : 53);
}

/* Payload bytes of frame k of flow i: 0 .. 1399, scattered by a hash,
 * and the same every run. */
static size_t payload_of(unsigned int i, unsigned int k)
{
	__u32 x = (i * MAX_FRAMES + k) * 2654435761u;

	x ^= x >> 13;
	return x % 1400;
}

/* Ethernet + IPv4 + TCP/UDP; checksums stay 0, nothing on this path
 * verifies them.  Returns the frame's length. */
static size_t build_frame(__u8 *buf, const struct flow_key *key, size_t payload)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t l4 = key->proto == IPPROTO_TCP ? sizeof(*tcp) : sizeof(*udp);
	size_t len = sizeof(*eth) + sizeof(*ip) + l4 + payload;

	memset(buf, 0, len);
	memcpy(eth->h_dest, "\x02\0\0\0\0\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\0\0\0\0\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(len - sizeof(*eth));
	ip->frag_off = htons(0x4000);	/* don't fragment */
	ip->ttl = 64;
	ip->protocol = key->proto;
	ip->saddr = key->saddr;
	ip->daddr = key->daddr;
	if (key->proto == IPPROTO_TCP) {
		tcp->source = key->sport;
		tcp->dest = key->dport;
		tcp->doff = 5;
		tcp->ack = 1;
		tcp->window = htons(65535);
	} else {
		udp->source = key->sport;
		udp->dest = key->dport;
		udp->len = htons(l4 + payload);
	}
	return len;
}

/* An ARP request's size, contents irrelevant: only the EtherType matters. */
static size_t build_arp(__u8 *buf)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	size_t len = sizeof(*eth) + 28;

	memset(buf, 0, len);
	memset(eth->h_dest, 0xff, ETH_ALEN);
	eth->h_proto = htons(ETH_P_ARP);
	return len;
}

static int run_tc(struct flow_table *skel, __u8 *frame, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len);

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.flow_count), &opts))
		return -errno;
	return opts.retval == 0 ? 0 : -EPROTO;	/* always TC_ACT_OK */
}

static int run_syscall(struct bpf_program *prog, void *ctx, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = size);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	return (int)opts.retval;
}

/*
 * The tc program may not populate arena pages (that sleeps), so it
 * allocates from the reserve; between batches we top the reserve up, as a
 * real loader would from a timer.  A batch allocates at most BATCH flows
 * of 64 bytes, well under the reserve's low watermark.
 */
static int end_batch(struct flow_table *skel, struct traffic *t, bool refill)
{
	int moved;

	t->batches++;
	if (!refill)
		return 0;
	moved = libarena__refill(skel->obj);
	if (moved < 0)
		return moved;
	t->chunks += moved;
	return 0;
}

/* One frame, and the end of a batch when it completes one. */
static int send_frame(struct flow_table *skel, struct traffic *t, __u8 *buf,
		      size_t len, bool refill)
{
	int err = run_tc(skel, buf, len);

	if (err)
		return err;
	if ((t->frames + t->ignored) % BATCH == 0)
		return end_batch(skel, t, refill);
	return 0;
}

/* Round k sends frame k of every flow that has one: round 0 creates them. */
static int send_traffic(struct flow_table *skel, struct traffic *t, bool refill)
{
	static __u8 buf[FRAME_MAX];
	struct flow_key key;
	unsigned int i, k;
	size_t len;
	int err;

	for (k = 0; k < MAX_FRAMES; k++) {
		for (i = 0; i < NR_FLOWS; i++) {
			if (i % MAX_FRAMES < k)
				continue;	/* flow i has no frame k */
			flow_key_of(i, &key);
			len = build_frame(buf, &key, payload_of(i, k));
			t->frames++;
			t->bytes += len;
			err = send_frame(skel, t, buf, len, refill);
			if (!err && t->frames % ARP_EVERY == 0) {
				t->ignored++;
				err = send_frame(skel, t, buf, build_arp(buf), refill);
			}
			if (err)
				return err;
		}
	}
	return end_batch(skel, t, refill);	/* the last, partial batch */
}

/* Does a outweigh b?  Bytes, then packets, then the key: a total order,
 * so the top flows come out the same whatever the walk's order. */
static bool heavier(const struct flow *a, const struct flow *b)
{
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes;
	if (a->packets != b->packets)
		return a->packets > b->packets;
	if (a->key.saddr != b->key.saddr)
		return ntohl(a->key.saddr) < ntohl(b->key.saddr);
	return ntohs(a->key.sport) < ntohs(b->key.sport);	/* unique per client */
}

static void top_insert(struct summary *s, const struct flow *f)
{
	int i = NR_TOP;

	while (i > 0 && (!s->top[i - 1].packets || heavier(f, &s->top[i - 1]))) {
		if (i < NR_TOP)
			s->top[i] = s->top[i - 1];
		i--;
	}
	if (i < NR_TOP)
		s->top[i] = *f;
}

/*
 * Walk the table through the arena mapping: the arena sits at the same
 * address here as in the programs, so the next pointers they stored are
 * plain pointers for us.
 */
static void read_table(struct flow_table *skel, struct summary *s)
{
	const struct flow *f;
	int b;

	memset(s, 0, sizeof(*s));
	for (b = 0; b < NR_BUCKETS; b++) {
		for (f = skel->arena->buckets[b]; f; f = f->next) {
			s->flows++;
			s->packets += f->packets;
			s->bytes += f->bytes;
			top_insert(s, f);
		}
	}
}

static void print_flow(int rank, const struct flow *f)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &f->key.saddr, src, sizeof(src));
	inet_ntop(AF_INET, &f->key.daddr, dst, sizeof(dst));
	printf("  %d. %s %s:%u -> %s:%u: %llu packets, %llu bytes\n", rank,
	       f->key.proto == IPPROTO_TCP ? "tcp" : "udp", src, ntohs(f->key.sport),
	       dst, ntohs(f->key.dport), (unsigned long long)f->packets,
	       (unsigned long long)f->bytes);
}

static void print_summary(struct flow_table *skel, const struct summary *s,
			  const struct traffic *t)
{
	const struct table_totals *tot = &skel->arena->totals;
	int i;

	printf("flows: %llu, packets: %llu, bytes: %llu\n", (unsigned long long)s->flows,
	       (unsigned long long)s->packets, (unsigned long long)s->bytes);
	printf("top %d flows by bytes:\n", NR_TOP);
	for (i = 0; i < NR_TOP && s->top[i].packets; i++)
		print_flow(i + 1, &s->top[i]);
	printf("alloc failures: %llu, ignored frames: %llu, lost: %llu\n",
	       (unsigned long long)tot->alloc_failures, (unsigned long long)tot->ignored,
	       (unsigned long long)tot->lost);
	printf("refills: %d batches, the reserve grew by %d chunk(s) between them\n",
	       t->batches, t->chunks);
}

/* What the table must hold if no frame was lost; -1 and why if not. */
static int check_summary(struct flow_table *skel, const struct summary *s,
			 const struct traffic *t)
{
	const struct table_totals *tot = &skel->arena->totals;

	if (tot->alloc_failures || tot->lost)
		return 0;	/* flows missing, as the line above says */
	if (s->flows == NR_FLOWS && s->flows == tot->flows && s->packets == t->frames &&
	    s->bytes == t->bytes && tot->ignored == t->ignored)
		return 0;
	fprintf(stderr, "flow: expected %d flows, %llu packets, %llu bytes, %llu ignored; "
		"the counters say %llu flows, %llu ignored\n", NR_FLOWS,
		(unsigned long long)t->frames, (unsigned long long)t->bytes,
		(unsigned long long)t->ignored, (unsigned long long)tot->flows,
		(unsigned long long)tot->ignored);
	return -1;
}

/* The default instance's statistics (arena_malloc's heap). */
static int heap_stats(struct libarena *la, struct libarena_stats *st)
{
	__u64 inst;

	if (libarena__instances(la, &inst, 1) != 1)
		return -ENOENT;
	return libarena__stats(la, inst, st);
}

/* Expire the one-frame flows, then free everything; the heap must be
 * back to the per-CPU caches' own blocks. */
static int expire_and_free(struct flow_table *skel, struct libarena *la)
{
	struct expire_args args = { .min_packets = 2 };
	struct libarena_stats st;
	int expired, freed;

	expired = run_syscall(skel->progs.flow_expire, &args, sizeof(args));
	if (expired < 0)
		return expired;
	printf("expired: %d flows with fewer than %llu packets, %llu left\n", expired,
	       (unsigned long long)args.min_packets,
	       (unsigned long long)skel->arena->totals.flows);
	freed = run_syscall(skel->progs.flow_free_all, NULL, 0);
	if (freed < 0)
		return freed;
	/* Frees asked for the empty chunks to go back to the kernel. */
	if (libarena__refill(skel->obj) < 0 || heap_stats(la, &st))
		return -EIO;
	printf("freed: %d flows, %llu bytes in use besides the caches' own blocks, "
	       "%llu chunk(s) kept\n", freed,
	       (unsigned long long)(st.buddy.bytes_in_use - st.buddy.cache_meta_bytes),
	       (unsigned long long)st.buddy.chunks);
	return 0;
}

static int run(struct flow_table *skel, bool refill)
{
	struct libarena_stats st;
	struct traffic t = {};
	struct libarena *la;
	struct summary s;
	int err;

	err = send_traffic(skel, &t, refill);
	if (err)
		return fprintf(stderr, "flow: sending traffic: %s\n", strerror(-err)), 1;
	read_table(skel, &s);
	print_summary(skel, &s, &t);
	if (check_summary(skel, &s, &t))
		return 1;
	if (libarena__open(bpf_map__fd(skel->maps.arena), &la))
		return 1;
	err = heap_stats(la, &st);
	if (!err) {
		printf("heap: %llu allocations, %llu bytes in use, %llu chunk(s)\n",
		       (unsigned long long)st.totals.allocs,
		       (unsigned long long)st.buddy.bytes_in_use,
		       (unsigned long long)st.buddy.chunks);
		err = expire_and_free(skel, la);
	}
	libarena__close(la);
	if (err)
		fprintf(stderr, "flow: expiry: %s\n", strerror(-err));
	return !!err;
}

/*
 * Stay on one CPU.  A test run executes on the caller's CPU, and one CPU
 * means one per-CPU cache: the heap's statistics come out the same every
 * run.  (Attached to a device, the program runs on every CPU at once.)
 */
static void stay_on_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char **argv)
{
	bool refill = !(argc > 1 && !strcmp(argv[1], "--no-refill"));
	struct flow_table *skel;
	int err;

	stay_on_this_cpu();
	skel = flow_table__open();
	if (!skel)
		return fprintf(stderr, "flow: open: %s\n", strerror(errno)), 1;
	/* Where another process (arenactl) can map the arena too, and sized
	 * for 64 MiB of heap plus room for the globals. */
	bpf_map__set_map_extra(skel->maps.arena, LIBARENA_ARENA_ADDR);
	bpf_map__set_max_entries(skel->maps.arena, (64 + 3) * 256);
	err = flow_table__load(skel);
	if (err) {
		fprintf(stderr, "flow: load: %s\n", strerror(-err));
		goto out;
	}
	/* Initialise the heap and fill its reserve before any packet. */
	err = libarena__refill(skel->obj);
	if (err >= 0)
		err = run(skel, refill);
out:
	flow_table__destroy(skel);
	return err ? 1 : 0;
}
