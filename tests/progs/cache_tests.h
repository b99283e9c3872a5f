/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU cache tests on one CPU (kernel and host); see stress_tests.h for
 * the ones that need two. */
#ifndef __LIBARENA_CACHE_TESTS_H
#define __LIBARENA_CACHE_TESTS_H

#include "buddy_tests.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_CACHE

static __always_inline pcpu_cache_t *this_cache(buddy_t *b)
{
	return pcpu_of(b, libarena_cpu());
}

static __always_inline __u32 class_count(pcpu_cache_t *pc, __u32 cls)
{
	return arena_elem(pc->cls, cls < PCPU_NR_CLASSES ? cls : 0)->count;
}

/* Steady state: the fast path serves, the lock is rarely taken. */
static __always_inline int t_cache_hits_steady_state(__u64 flags)
{
	pcpu_cache_t *pc;
	__u64 locks, p;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(arena_free_addr(arena_malloc_addr(64)));	/* warm up */
	pc = this_cache(&libarena_heap);
	ASSERT_NOT_NULL(pc);
	locks = libarena_heap.stats.lock_acquisitions;
	for (i = opaque(0); i < 1000 && can_loop; i++) {
		p = arena_malloc_addr(64);
		ASSERT_NE(p, 0);
		ASSERT_OK(arena_free_addr(p));
	}
	ASSERT_EQ(i, 1000);
	ASSERT_GE(pc->cls[size_class(64)].stats.allocs, 1000);
	ASSERT_GE(pc->cls[size_class(64)].stats.frees, 1000);
	ASSERT_LE(libarena_heap.stats.lock_acquisitions - locks, 1000 / 32);
	return 0;
}

/* Half a cache moves at a time, and alternating at the boundary does not
 * move anything. */
static __always_inline int t_cache_batches_hysteresis(__u64 flags)
{
	__u32 cap, i, n = 200;
	pcpu_cache_t *pc;
	__u64 refills, flushes;

	ASSERT_OK(test_begin(flags));
	cap = libarena_heap.class_cap[size_class(64)];
	ASSERT_EQ(cap, PCPU_SLOTS);
	for (i = opaque(0); i < n && can_loop; i++)
		ASSERT_NE(*arena_elem(test_ptrs, i) = arena_malloc_addr(64), 0);
	pc = this_cache(&libarena_heap);
	ASSERT_NOT_NULL(pc);
	/* 200 blocks in batches of cap/2 (the first block of each refill is
	 * handed out, the rest cached). */
	ASSERT_LE(pc->stats.refills, n / (cap / 2) + 1);
	for (i = opaque(0); i < n && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	ASSERT_LE(class_count(pc, size_class(64)), cap);
	ASSERT_GE(pc->stats.flushes, 1);
	/* At the boundary: free/alloc pairs move no batch. */
	refills = pc->stats.refills;
	flushes = pc->stats.flushes;
	for (i = opaque(0); i < 500 && can_loop; i++) {
		test_ptrs[0] = arena_malloc_addr(64);
		ASSERT_OK(arena_free_addr(test_ptrs[0]));
	}
	ASSERT_EQ(pc->stats.refills, refills);
	ASSERT_EQ(pc->stats.flushes, flushes);
	return 0;
}

/* Cached bytes per CPU stay within the budget. */
static __always_inline int t_cache_budget_respected(__u64 flags)
{
	__u64 cached = opaque(0), budget = 32 << 10;
	pcpu_cache_t *pc;
	__u32 cls, i;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_set_cache_budget(&libarena_heap, budget));
	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++) {
		for (i = opaque(0); i < 300 && can_loop; i++)
			ASSERT_NE(*arena_elem(test_ptrs, i) =
				  arena_malloc_addr(class_size(cls)), 0);
		for (i = opaque(0); i < 300 && can_loop; i++)
			ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	}
	pc = this_cache(&libarena_heap);
	ASSERT_NOT_NULL(pc);
	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++) {
		ASSERT_LE(class_count(pc, cls), *arena_elem(libarena_heap.class_cap, cls));
		cached += class_count(pc, cls) * class_size(cls);
	}
	ASSERT_GE(cached, 1);
	ASSERT_LE(cached, budget);
	return 0;
}

/* Trim gives every cached and depot block back; the heap is all free. */
static __always_inline int t_cache_trim_returns_all(__u64 flags)
{
	pcpu_cache_t *pc;
	__u32 i, cls;
	int n;

	ASSERT_OK(test_begin(flags));
	for (i = opaque(0); i < 600 && can_loop; i++)
		ASSERT_NE(*arena_elem(test_ptrs, i) = arena_malloc_addr(16 << (i % 8)), 0);
	for (i = opaque(0); i < 600 && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	pc = this_cache(&libarena_heap);
	ASSERT_NOT_NULL(pc);
	n = buddy_trim(&libarena_heap);
	ASSERT_GE(n, 1);
	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++)
		ASSERT_EQ(class_count(pc, cls), 0);
	for (i = 0; i < DEPOT_SLOTS; i++)
		ASSERT_EQ(*arena_elem(libarena_heap.depot[size_class(64)], i), 0);
	ASSERT_EQ(libarena_heap.stats.bytes_in_use, libarena_heap.stats.cache_meta_bytes);
	ASSERT_EQ(buddy_trim(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	return 0;
}

/* Freeing a block that sits in a cache is a double free, not a second
 * copy in the cache. */
static __always_inline int t_cache_double_free_detected(__u64 flags)
{
	__u64 p, q1, q2;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(64);
	ASSERT_NE(p, 0);
	ASSERT_OK(arena_free_addr(p));
	ASSERT_EQ(arena_free_addr(p), -EALREADY);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_NOT_ALLOCATED], 1);
	ASSERT_EQ(arena_usable_size_addr(p), 0);
	q1 = arena_malloc_addr(64);
	q2 = arena_malloc_addr(64);
	ASSERT_EQ(q1, p);	/* LIFO: the block comes back once */
	ASSERT_NE(q2, p);
	ASSERT_OK(arena_free_addr(q1));
	ASSERT_OK(arena_free_addr(q2));
	return 0;
}

/*
 * The nested-in-lock rule, simulated: this CPU takes the lock and calls
 * in again (as a program that interrupted the holder would).  The
 * slow path must not spin: an allocation it would serve fails, a free is
 * queued, the cache still serves; once "released", the queue drains.
 */
static __always_inline int t_cache_nested_in_lock(__u64 flags)
{
	pcpu_cache_t *pc;
	__u64 p, q, r, small;

	ASSERT_OK(test_begin(flags));
	/* The 512 KiB class caches one block: r fills it, so p and q will
	 * need the lock. */
	ASSERT_EQ(libarena_heap.class_cap[alloc_class(BUDDY_MAX_SIZE)], 1);
	p = arena_malloc_addr(BUDDY_MAX_SIZE);
	q = arena_malloc_addr(BUDDY_MAX_SIZE);
	r = arena_malloc_addr(BUDDY_MAX_SIZE);
	ASSERT_NE(p && q && r, 0);
	ASSERT_OK(arena_free_addr(r));
	ASSERT_OK(arena_free_addr(arena_malloc_addr(64)));	/* warm the 64 B class */
	pc = this_cache(&libarena_heap);
	ASSERT_NOT_NULL(pc);

	ASSERT_OK(platform_lock(&libarena_heap.lock));
	ASSERT_EQ(arena_malloc_addr(16 << 10), 0);	/* its cache is empty */
	ASSERT_GE(pc->stats.nested, 1);
	ASSERT_OK(arena_free_addr(p));		/* deferred, not lost */
	ASSERT_EQ(libarena_heap.stats.deferred_frees, 1);
	ASSERT_EQ(arena_usable_size_addr(p), 0);
	ASSERT_EQ(arena_free_addr(p), -EALREADY);	/* still a double free */
	small = arena_malloc_addr(64);		/* the cache does not need the lock */
	ASSERT_NE(small, 0);
	platform_unlock(&libarena_heap.lock);

	ASSERT_OK(arena_free_addr(q));		/* takes the lock, drains the queue */
	ASSERT_EQ(libarena_heap.deferred, 0);
	ASSERT_OK(arena_free_addr(small));
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	return 0;
}

#define CACHE_TESTS(X)				\
	X(cache_hits_steady_state)		\
	X(cache_batches_hysteresis)		\
	X(cache_budget_respected)		\
	X(cache_trim_returns_all)		\
	X(cache_double_free_detected)		\
	X(cache_nested_in_lock)

#endif /* __LIBARENA_CACHE_TESTS_H */
