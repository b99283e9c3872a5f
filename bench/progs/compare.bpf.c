// SPDX-License-Identifier: BSD-2-Clause
/*
 * The workloads of `make bench` beyond fixed-size pairs, and what a BPF
 * author would use instead of libarena: the kernel's object allocator
 * (bpf_obj_new/bpf_obj_drop of a local kptr type) and whole arena pages
 * (bpf_arena_alloc_pages/bpf_arena_free_pages).
 */
#include "pairs.h"
#include <bpf/bpf_core_read.h>

void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

__u64 __arena bench_slots[BENCH_MAX_CPUS][BENCH_LIVE];
struct bench_ring __arena bench_ring;

/* bpf_obj_new of a type per size (a 4096-byte type returned NULL here). */
#define OBJ_TYPE(n)	struct bench_obj_##n { char data[n]; }
OBJ_TYPE(16); OBJ_TYPE(32); OBJ_TYPE(64); OBJ_TYPE(128); OBJ_TYPE(256);
OBJ_TYPE(512); OBJ_TYPE(1024); OBJ_TYPE(2048);

/*
 * One bpf_obj_new + bpf_obj_drop per bpf_loop() iteration: a can_loop loop
 * holding a new reference each time never converges in the verifier.  The
 * callback costs one BPF-to-BPF call per pair (~10 ns here) on top.
 */
#define OBJ_PAIR_CB(n)							\
	static long obj_pair_##n(__u64 i, void *ctx)			\
	{								\
		struct bench_obj_##n *o;				\
									\
		o = bpf_obj_new_impl(bpf_core_type_id_local(struct bench_obj_##n), NULL); \
		if (!o)							\
			return 1;					\
		o->data[0] = 1;						\
		bpf_obj_drop_impl(o, NULL);				\
		return 0;						\
	}
OBJ_PAIR_CB(16) OBJ_PAIR_CB(32) OBJ_PAIR_CB(64) OBJ_PAIR_CB(128)
OBJ_PAIR_CB(256) OBJ_PAIR_CB(512) OBJ_PAIR_CB(1024) OBJ_PAIR_CB(2048)

SEC("syscall")
int bench_objnew(struct bench_args *args)
{
	struct bench_result __arena *r = result_of_this_cpu();
	__u64 iters = args->iters, done = 0, t0;

	if (!r)
		return -1;
	t0 = bpf_ktime_get_ns();
	switch (args->size) {
	case 16: done = bpf_loop(iters, obj_pair_16, NULL, 0); break;
	case 32: done = bpf_loop(iters, obj_pair_32, NULL, 0); break;
	case 64: done = bpf_loop(iters, obj_pair_64, NULL, 0); break;
	case 128: done = bpf_loop(iters, obj_pair_128, NULL, 0); break;
	case 256: done = bpf_loop(iters, obj_pair_256, NULL, 0); break;
	case 512: done = bpf_loop(iters, obj_pair_512, NULL, 0); break;
	case 1024: done = bpf_loop(iters, obj_pair_1024, NULL, 0); break;
	case 2048: done = bpf_loop(iters, obj_pair_2048, NULL, 0); break;
	default: return -EINVAL;
	}
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = done;
	r->locks = 0;
	return done == iters ? 0 : -ENOMEM;
}

/* Whole pages from the arena (outside libarena's window), size >= 4 KiB;
 * bpf_loop() for the same reason as above. */
static long page_pair(__u64 i, void *ctx)
{
	__u32 pages = *(__u32 *)ctx;
	void __arena *p;

	p = bpf_arena_alloc_pages(&arena, NULL, pages, -1, 0);
	if (!p)
		return 1;
	*(volatile __u64 __arena *)p = i;
	bpf_arena_free_pages(&arena, p, pages);
	return 0;
}

SEC("syscall")
int bench_pages(struct bench_args *args)
{
	struct bench_result __arena *r = result_of_this_cpu();
	__u32 pages = args->size >> ARENA_PAGE_SHIFT;
	__u64 done, t0;

	if (!r || !pages)
		return -EINVAL;
	t0 = bpf_ktime_get_ns();
	done = bpf_loop(args->iters, page_pair, &pages, 0);
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = done;
	r->locks = 0;
	return done == args->iters ? 0 : -ENOMEM;
}

static __always_inline buddy_t *bench_instance(struct bench_args *args)
{
	return args->uncached ? &bench_uncached : &bench_cached;
}

/* 16 B .. max bytes. */
static __always_inline __u64 random_size(__u64 max)
{
	return 16 + bpf_get_prandom_u32() % (max - 15);
}

/* larson-like churn: BENCH_LIVE live blocks per CPU, each op frees one at
 * random and allocates a random size (16 B .. args->size) in its place. */
SEC("syscall")
int bench_larson(struct bench_args *args)
{
	struct bench_result __arena *r = result_of_this_cpu();
	buddy_t *b = bench_instance(args);
	__u32 cpu = bpf_get_smp_processor_id() & (BENCH_MAX_CPUS - 1), j;
	__u64 __arena *slots = *arena_elem(bench_slots, cpu);	/* this CPU's row */
	__u64 i, t0, locks, p = 1, max = args->size;

	if (!r || max < 16 || max > BUDDY_MAX_SIZE)
		return -1;
	for (j = opaque(0); j < BENCH_LIVE && can_loop; j++)
		if (!*arena_elem(slots, j))
			*arena_elem(slots, j) = buddy_alloc_fast(b, random_size(max));
	locks = b->stats.lock_acquisitions;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < args->iters && can_loop; i++) {
		j = bpf_get_prandom_u32() % BENCH_LIVE;
		buddy_free_fast(b, *arena_elem(slots, j));
		p = buddy_alloc_fast(b, random_size(max));
		*arena_elem(slots, j) = p;
		if (!p)
			break;
	}
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = i;
	r->locks = b->stats.lock_acquisitions - locks;
	return p ? 0 : -ENOMEM;
}

/* Producer (on one CPU) and consumer (on another) of a ring of blocks. */
SEC("syscall")
int bench_produce(struct bench_args *args)
{
	buddy_t *b = bench_instance(args);
	__u64 i, head, p;

	for (i = opaque(0); i < args->iters && can_loop; i++) {
		head = bench_ring.head;
		if (head - READ_ONCE(bench_ring.tail) >= BENCH_RING)
			break;
		p = buddy_alloc_fast(b, random_size(BENCH_SMALL_MAX));
		if (!p)
			return -ENOMEM;
		*arena_elem(bench_ring.slots, head % BENCH_RING) = p;
		__sync_fetch_and_add(&bench_ring.head, 1);
	}
	return 0;
}

SEC("syscall")
int bench_consume(struct bench_args *args)
{
	buddy_t *b = bench_instance(args);
	__u64 i, tail;

	for (i = opaque(0); i < args->iters && can_loop; i++) {
		tail = bench_ring.tail;
		if (tail == READ_ONCE(bench_ring.head))
			break;
		buddy_free_fast(b, *arena_elem(bench_ring.slots, tail % BENCH_RING));
		__sync_fetch_and_add(&bench_ring.tail, 1);
	}
	return 0;
}

/*
 * Memory held: args->iters objects (BENCH_FREEALL if 0) of args->size
 * bytes (random 16 B..4 KiB if 0) live at once, then all freed and the
 * instance shrunk.  Records what was asked, handed out, taken from the
 * chunks (blocks and whole slabs, not the caches' own blocks) and
 * populated, at the peak and after.
 */
SEC("syscall")
int bench_freeall(struct bench_args *args)
{
	struct bench_result __arena *r = result_of_this_cpu();
	buddy_t *b = bench_instance(args);
	__u64 __arena *slots = &bench_slots[0][0];
	__u64 requested = opaque(0), handed = opaque(0), pow2 = opaque(0), size, p = 1, t0;
	__u32 i, n = args->iters ?: BENCH_FREEALL;

	if (!r || n > BENCH_MEM_MAX || args->size > BUDDY_MAX_SIZE)
		return -1;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < n && i < BENCH_MEM_MAX && can_loop; i++) {
		size = args->size ?: random_size(BENCH_SMALL_MAX);
		p = buddy_alloc_fast(b, size);
		if (!p)
			break;
		*arena_elem(slots, i) = p;
		requested += size;
		handed += buddy_usable_size(b, (void __arena *)p);
		pow2 += order_size(size_to_order(size));
	}
	n = i;
	r->requested = requested;
	r->handed = handed;
	r->pow2 = pow2;
	r->in_use = b->stats.bytes_in_use - b->stats.cache_meta_bytes;
	r->populated = b->stats.chunks << CHUNK_SHIFT;
	for (i = opaque(0); i < n && i < BENCH_MEM_MAX && can_loop; i++)
		buddy_free_fast(b, *arena_elem(slots, i));
	buddy_shrink(b);	/* caches, then chunks over the high mark */
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = n;
	r->populated_after = b->stats.chunks << CHUNK_SHIFT;
	return p ? 0 : -ENOMEM;
}

/* realloc growth: 16 B doubling to 512 KiB, contents carried along. */
SEC("syscall")
int bench_realloc(struct bench_args *args)
{
	struct bench_result __arena *r = result_of_this_cpu();
	__u64 i, p, size, t0, done = opaque(0);
	int step;

	if (!r)
		return -1;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < args->iters && can_loop; i++) {
		p = arena_malloc_addr(16);
		for (step = 0, size = 32; step < 15 && p; step++, size <<= 1) {
			p = arena_realloc_addr(p, size);
			done++;
		}
		if (!p)
			return -ENOMEM;
		arena_free_addr(p);
	}
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = done;
	r->locks = 0;
	return 0;
}

/* Forget every slot and the ring: run after bench_setup (which destroyed
 * the instances the pointers belonged to). */
SEC("syscall")
int bench_clear(void *ctx)
{
	volatile __u64 __arena *w = &bench_slots[0][0];
	volatile struct bench_ring __arena *ring = &bench_ring;
	__u32 i;

	for (i = opaque(0); i < BENCH_MAX_CPUS * BENCH_LIVE && can_loop; i++)
		*arena_elem(w, i) = 0;
	ring->head = 0;
	ring->tail = 0;
	return i == BENCH_MAX_CPUS * BENCH_LIVE ? 0 : -1;
}
