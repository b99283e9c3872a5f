/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests that need several CPUs at once.  The runners call these bodies from
 * threads pinned to different CPUs (BPF: one SEC("syscall") run per call):
 *
 *   stress:   every worker does random alloc/calloc/free/realloc of random sizes,
 *             each block stamped (worker, sequence) at both ends and checked
 *             before it is freed or grown: an overlap or a lost write shows.
 *   producer/consumer: blocks allocated on one CPU travel through a ring in
 *             the arena and are freed on another (the depot's job).
 *
 * Each ends with a finish body run alone: free what is left, trim, and the
 * heap must be all free and consistent.
 */
#ifndef __LIBARENA_STRESS_TESTS_H
#define __LIBARENA_STRESS_TESTS_H

#include "buddy_tests.h"
#include "stress_types.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_STRESS

#define STRESS_WORKERS	4	/* slot sets; a worker uses cpu % 4 */
#define STRESS_SLOTS	256
#define STRESS_OPS	2000	/* per call */
#define PC_BATCH	1000	/* blocks per producer/consumer call */
#define PC_MAX_PEAK	(32ull << 20)	/* bytes: bounded, whatever the rounds */

__u64 __arena stress_ptrs[STRESS_WORKERS][STRESS_SLOTS];
__u64 __arena stress_sizes[STRESS_WORKERS][STRESS_SLOTS];
__u64 __arena stress_stamps[STRESS_WORKERS][STRESS_SLOTS];
struct stress_worker __arena stress_workers[STRESS_WORKERS];

struct pc_ring __arena pc_ring;
__u64 __arena stress_baseline_chunks;	/* populated by others */

/* &arr[w][j] for one of the per-worker arrays above. */
#define stress_slot(arr, w, j)	arena_elem(*arena_elem(arr, w), j)

static __always_inline __u64 stress_size(void)
{
	__u32 r = test_rand() % 100;

	if (r < 70)
		return rand_between(8, 256);
	if (r < 95)
		return rand_between(257, 2048);
	return rand_between(2049, 16384);
}

/* A stamp at the start and, inverted, in the last whole word (sizes of 16
 * and more; stress sizes are at least 8). */
static __always_inline void stamp_write(__u64 p, __u64 size, __u64 stamp)
{
	*(__u64 __arena *)arena_ptr(p) = stamp;
	if (size >= 16)
		*(__u64 __arena *)arena_ptr(p + (size & ~7ull) - 8) = ~stamp;
}

static __always_inline int stamp_check(__u64 p, __u64 size, __u64 stamp)
{
	ASSERT_EQ(*(__u64 __arena *)arena_ptr(p), stamp);
	if (size >= 16)
		ASSERT_EQ(*(__u64 __arena *)arena_ptr(p + (size & ~7ull) - 8), ~stamp);
	return 0;
}

static __always_inline int t_stress_begin(__u64 flags)
{
	ASSERT_OK(test_begin(flags));
	/* Not counting the instance's own reserve, which destroy returns. */
	stress_baseline_chunks = libarena_space.populated_chunks - libarena_heap.stats.chunks;
	ASSERT_TRUE(arena_zero(stress_ptrs, sizeof(stress_ptrs)));
	ASSERT_TRUE(arena_zero(stress_workers, sizeof(stress_workers)));
	ASSERT_TRUE(arena_zero(&pc_ring, sizeof(pc_ring)));
	return 0;
}

/* One op on slot j of worker w: free (or grow) what is there, else alloc. */
static __always_inline int stress_op(__u32 w, __u32 j)
{
	struct stress_worker __arena *sw = arena_elem(stress_workers, w);
	__u64 p = *stress_slot(stress_ptrs, w, j), q;
	__u64 size = *stress_slot(stress_sizes, w, j);

	if (p) {
		CHECK_OK(stamp_check(p, size, *stress_slot(stress_stamps, w, j)));
		if (test_rand() % 8 == 0) {
			size = stress_size();
			q = arena_realloc_addr(p, size);
			ASSERT_NE(q, 0);
			/* The first word moved with the data. */
			ASSERT_EQ(*(__u64 __arena *)arena_ptr(q),
				  *stress_slot(stress_stamps, w, j));
			sw->reallocs++;
			p = q;
		} else {
			ASSERT_OK(arena_free_addr(p));
			*stress_slot(stress_ptrs, w, j) = 0;
			return 0;
		}
	} else {
		size = stress_size();
		if (test_rand() % 8 == 0) {
			p = arena_calloc_addr(1, size);
			ASSERT_NE(p, 0);
			ASSERT_EQ(*(__u64 __arena *)arena_ptr(p), 0);
		} else {
			p = arena_malloc_addr(size);
			ASSERT_NE(p, 0);
		}
	}
	*stress_slot(stress_ptrs, w, j) = p;
	*stress_slot(stress_sizes, w, j) = size;
	*stress_slot(stress_stamps, w, j) = ((__u64)w << 56) | ++sw->seq;
	stamp_write(p, size, *stress_slot(stress_stamps, w, j));
	return 0;
}

static __always_inline int t_stress_worker(__u64 flags)
{
	__u32 w = libarena_cpu() % STRESS_WORKERS, i;

	for (i = opaque(0); i < STRESS_OPS && can_loop; i++)
		CHECK_OK(stress_op(w, test_rand() % STRESS_SLOTS));
	ASSERT_EQ(i, STRESS_OPS);
	arena_elem(stress_workers, w)->ops += i;
	return 0;
}

/* The stress worker's rounds, each followed by a trim: it empties this
 * CPU's cache and asks the other CPU, busy allocating, to empty its own. */
static __always_inline int t_trim_worker(__u64 flags)
{
	CHECK_OK(t_stress_worker(flags));
	ASSERT_GE(buddy_trim(&libarena_heap), 0);
	return 0;
}

/* Each CPU empties its own cache (only it may): run on every CPU before a
 * finish that counts every byte. */
static __always_inline int t_trim_here(__u64 flags)
{
	ASSERT_GE(buddy_trim(&libarena_heap), 0);
	return 0;
}

static __always_inline int t_stress_finish(__u64 flags)
{
	__u32 w, j;
	__u64 p;

	for (w = 0; w < STRESS_WORKERS; w++) {
		for (j = opaque(0); j < STRESS_SLOTS && can_loop; j++) {
			p = *stress_slot(stress_ptrs, w, j);
			if (!p)
				continue;
			CHECK_OK(stamp_check(p, *stress_slot(stress_sizes, w, j),
					     *stress_slot(stress_stamps, w, j)));
			ASSERT_OK(arena_free_addr(p));
			*stress_slot(stress_ptrs, w, j) = 0;
		}
		ASSERT_EQ(j, STRESS_SLOTS);
	}
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	ASSERT_EQ(libarena_heap.stats.failed_allocs, 0);
	/* Every page back to the kernel: populated chunks at the baseline. */
	ASSERT_OK(buddy_destroy(&libarena_heap));
	ASSERT_EQ(libarena_space.populated_chunks, stress_baseline_chunks);
	return buddy_init_flags(&libarena_heap, flags);
}

static __always_inline int t_pc_produce(__u64 flags)
{
	__u64 head, p;
	__u32 i;

	for (i = opaque(0); i < PC_BATCH && can_loop; i++) {
		head = pc_ring.head;
		if (head - READ_ONCE(pc_ring.tail) >= RING_SIZE)
			break;		/* full: the consumer is behind */
		p = arena_malloc_addr(rand_between(16, 2048));
		ASSERT_NE(p, 0);
		*(__u64 __arena *)arena_ptr(p) = p ^ 0x5ca1ab1e;
		*arena_elem(pc_ring.slots, head % RING_SIZE) = p;
		__sync_fetch_and_add(&pc_ring.head, 1);	/* publishes the slot */
		pc_ring.produced++;
	}
	return 0;
}

static __always_inline int pc_consume_some(__u32 max)
{
	__u64 tail, p;
	__u32 i;

	for (i = opaque(0); i < max && can_loop; i++) {
		tail = pc_ring.tail;
		if (tail == READ_ONCE(pc_ring.head))
			break;
		p = *arena_elem(pc_ring.slots, tail % RING_SIZE);
		ASSERT_EQ(*(__u64 __arena *)arena_ptr(p), p ^ 0x5ca1ab1e);
		ASSERT_OK(arena_free_addr(p));
		__sync_fetch_and_add(&pc_ring.tail, 1);
		pc_ring.consumed++;
	}
	return 0;
}

static __always_inline int t_pc_consume(__u64 flags)
{
	return pc_consume_some(PC_BATCH);
}

static __always_inline int t_pc_finish(__u64 flags)
{
	CHECK_OK(pc_consume_some(RING_SIZE));
	ASSERT_EQ(pc_ring.head, pc_ring.tail);
	ASSERT_EQ(pc_ring.consumed, pc_ring.produced);
	ASSERT_GE(pc_ring.produced, 1);
	pc_ring.peak_bytes = libarena_heap.stats.peak_bytes;
	ASSERT_LE(libarena_heap.stats.peak_bytes, PC_MAX_PEAK);
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	return 0;
}

#endif /* __LIBARENA_STRESS_TESTS_H */
