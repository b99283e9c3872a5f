/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Faults and hostile input (kernel and host).  Under injected faults a
 * random workload must see every failure reported (NULL, -errno), never get
 * a block twice (stamps), lose nothing, and serve normally once the faults
 * stop.  Hostile frees must all be rejected with the heap left intact.
 */
#ifndef __LIBARENA_RELIABILITY_TESTS_H
#define __LIBARENA_RELIABILITY_TESTS_H

#include "stress_tests.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_RELIABILITY

#define FAULT_OPS	3000
#define HOSTILE_TRIES	2000

struct fault_run __arena fault_run;

static __always_inline __u64 fault_size(void)
{
	__u32 r = test_rand() % 100;

	if (r < 60)
		return rand_between(8, 2048);
	if (r < 90)
		return rand_between(2049, 65536);
	return rand_between(65537, BUDDY_MAX_SIZE);
}

/* One op on slot j of worker 0 that tolerates injected failures. */
static __always_inline int fault_op(__u32 j)
{
	__u64 p = *stress_slot(stress_ptrs, 0, j), size = *stress_slot(stress_sizes, 0, j);
	int err;

	if (p) {
		CHECK_OK(stamp_check(p, size, *stress_slot(stress_stamps, 0, j)));
		err = arena_free_addr(p);
		if (err) {
			/* Only the lock may refuse, and the block stays live. */
			ASSERT_TRUE(err == -ETIMEDOUT || err == -EDEADLK);
			ASSERT_EQ(arena_usable_size_addr(p) >= size, 1);
			fault_run.free_errors++;
			return 0;
		}
		*stress_slot(stress_ptrs, 0, j) = 0;
		return 0;
	}
	size = fault_size();
	p = arena_malloc_addr(size);
	if (!p) {
		fault_run.nulls++;
		return 0;
	}
	*stress_slot(stress_ptrs, 0, j) = p;
	*stress_slot(stress_sizes, 0, j) = size;
	*stress_slot(stress_stamps, 0, j) = ++stress_workers[0].seq;
	stamp_write(p, size, *stress_slot(stress_stamps, 0, j));
	return 0;
}

/* Free every slot (faults off) and require the heap to be all free. */
static __always_inline int fault_settle(void)
{
	__u32 j;
	__u64 p;

	for (j = opaque(0); j < STRESS_SLOTS && can_loop; j++) {
		p = *stress_slot(stress_ptrs, 0, j);
		if (!p)
			continue;
		CHECK_OK(stamp_check(p, *stress_slot(stress_sizes, 0, j),
				     *stress_slot(stress_stamps, 0, j)));
		ASSERT_OK(arena_free_addr(p));
		*stress_slot(stress_ptrs, 0, j) = 0;
	}
	ASSERT_EQ(j, STRESS_SLOTS);
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	return 0;
}

static __always_inline int run_with_faults(__u64 flags, __u32 populate, __u32 lock,
					   __u32 depot)
{
	struct libarena_faults __arena *f = &libarena_faults;
	__u64 failed0, injected;
	__u32 i;

	CHECK_OK(t_stress_begin(flags));
	ASSERT_TRUE(arena_zero(&fault_run, sizeof(fault_run)));
	ASSERT_TRUE(arena_zero(f, sizeof(*f)));
	failed0 = libarena_heap.stats.failed_allocs;
	f->populate_every = populate;
	f->lock_every = lock;
	f->depot_every = depot;
	for (i = opaque(0); i < FAULT_OPS && can_loop; i++)
		CHECK_OK(fault_op(test_rand() % STRESS_SLOTS));
	f->populate_every = 0;
	f->lock_every = 0;
	f->depot_every = 0;
	ASSERT_EQ(i, FAULT_OPS);
	injected = f->injected[FAULT_POPULATE] + f->injected[FAULT_LOCK] +
		   f->injected[FAULT_DEPOT];
	ASSERT_GE(injected, 1);
	/* Every NULL was counted as a failed allocation, none went unseen. */
	ASSERT_EQ(libarena_heap.stats.failed_allocs - failed0, fault_run.nulls);
	/* A failed population is retried by the sleepable refill, so only
	 * lock faults must surface (a NULL or a deferred free). */
	if (lock)
		ASSERT_GE(fault_run.nulls + fault_run.free_errors +
			  libarena_heap.stats.deferred_frees, 1);
	CHECK_OK(fault_settle());
	/* Serving again. */
	for (i = opaque(0); i < 500 && can_loop; i++)
		CHECK_OK(fault_op(test_rand() % STRESS_SLOTS));
	ASSERT_EQ(fault_run.nulls, libarena_heap.stats.failed_allocs - failed0);
	return fault_settle();
}

static __always_inline int t_faults_populate(__u64 flags)
{
	return run_with_faults(flags, 3, 0, 0);
}

static __always_inline int t_faults_lock(__u64 flags)
{
	return run_with_faults(flags, 0, 5, 0);
}

static __always_inline int t_faults_all(__u64 flags)
{
	return run_with_faults(flags, 4, 7, 2);
}

/* A few live blocks with patterns, to prove hostile frees touched nothing. */
#define HOSTILE_LIVE	8

static __always_inline int hostile_setup(__u64 flags)
{
	__u64 p, size;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	for (i = 0; i < HOSTILE_LIVE; i++) {
		size = 64 << i;
		ASSERT_NE(p = arena_malloc_addr(size), 0);
		pattern_fill(p, size, p >> 4);
		*arena_elem(test_sizes, i) = size;
		*arena_elem(test_ptrs, i) = p;
	}
	return 0;
}

static __always_inline int hostile_verify(__u64 rejected)
{
	__u64 sum = 0, p, size;
	__u32 i;

	for (i = 0; i < BUDDY_NR_REJECTS; i++)
		sum += *arena_elem(libarena_heap.stats.rejected, i);
	ASSERT_EQ(sum, rejected);
	for (i = 0; i < HOSTILE_LIVE; i++) {
		p = *arena_elem(test_ptrs, i);
		size = *arena_elem(test_sizes, i);
		CHECK_OK(pattern_verify(p, size, p >> 4));
		ASSERT_EQ(arena_usable_size_addr(p), size);
		ASSERT_OK(arena_free_addr(p));
	}
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	return 0;
}

/* A live block a random free could legitimately hit: ours, or the block
 * holding this CPU's cache (freeing a wild pointer that happens to be a
 * live block is a valid free; see README). */
static __always_inline bool is_live_test_ptr(__u64 addr)
{
	__u32 i;

	for (i = 0; i < HOSTILE_LIVE; i++)
		if (*arena_elem(test_ptrs, i) == addr)
			return true;
	return addr == arena_addr(pcpu_of(&libarena_heap, libarena_cpu()));
}

/* Random 64-bit values, and random addresses inside the window. */
static __always_inline int t_hostile_random_frees(__u64 flags)
{
	struct arena_space __arena *s = &libarena_space;
	__u64 addr, tried = opaque(0);
	__u32 i;

	CHECK_OK(hostile_setup(flags));
	for (i = opaque(0); i < HOSTILE_TRIES && can_loop; i++) {
		if (i & 1)
			addr = s->base + (((__u64)test_rand() << 16 | (test_rand() & 0xffff)) %
					  ((__u64)s->nr_slices << CHUNK_SHIFT));
		else
			addr = (__u64)test_rand() << 32 | test_rand();
		if (!addr || is_live_test_ptr(addr))
			continue;
		ASSERT_NE(arena_free_addr(addr), 0);
		tried++;
	}
	ASSERT_EQ(i, HOSTILE_TRIES);
	return hostile_verify(tried);
}

/* Every offset inside a live block, and every 16 B of a chunk's metadata. */
static __always_inline int t_hostile_inside_blocks(__u64 flags)
{
	__u64 p, chunk, tried = opaque(0), off;
	int err;

	CHECK_OK(hostile_setup(flags));
	p = test_ptrs[6];	/* 4 KiB */
	for (off = opaque(1); off < 4096 && can_loop; off++) {
		barrier_var(off);	/* else clang derives a counter the verifier walks */
		err = arena_free_addr(p + off);
		ASSERT_EQ(err, (off & 15) ? -EINVAL : -EADDRNOTAVAIL);
		tried++;
	}
	ASSERT_EQ(off, 4096);
	chunk = chunk_of(p);
	for (off = opaque(0); off < CHUNK_META_SIZE && can_loop; off += 16) {
		barrier_var(off);
		ASSERT_EQ(arena_free_addr(chunk + off), -EADDRNOTAVAIL);
		tried++;
	}
	ASSERT_EQ(off, CHUNK_META_SIZE);
	return hostile_verify(tried);
}

/* A freelist turned into a cycle is reported by the walk, in bounded time. */
static __always_inline int t_hostile_freelist_cycle(__u64 flags)
{
	__u64 chunk;
	__u32 order, head, saved;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	chunk = chunk_of(buddy_alloc_addr_grow(&test_b1, 64));
	ASSERT_NE(chunk, 0);
	order = __builtin_ctz(chunk_hdr(chunk)->free_mask) & ORDER_SLOT_MASK;
	head = *arena_elem(chunk_hdr(chunk)->free_head, order);
	ASSERT_TRUE(item_valid(head));
	saved = free_links(chunk, head)->next;
	free_links(chunk, head)->next = head;		/* A -> A */
	ASSERT_EQ(buddy_check(&test_b1), -EUCLEAN);
	ASSERT_EQ(test_b1.check.err, BUDDY_CHECK_FREELIST);
	free_links(chunk, head)->next = saved;
	ASSERT_OK(buddy_check(&test_b1));
	ASSERT_OK(buddy_destroy(&test_b1));
	return 0;
}

#define RELIABILITY_TESTS(X)			\
	X(faults_populate)			\
	X(faults_lock)				\
	X(hostile_random_frees)			\
	X(hostile_inside_blocks)

/* Depot faults only mean something with caches; the cycle needs exact
 * freelist state. */
#define RELIABILITY_CACHE_TESTS(X)		\
	X(faults_all)

#define RELIABILITY_UNCACHED_TESTS(X)		\
	X(hostile_freelist_cycle)

#endif /* __LIBARENA_RELIABILITY_TESTS_H */
