/* SPDX-License-Identifier: BSD-2-Clause */
/* Slab classes (the sizes between powers of two), kernel and host, both
 * modes: every class, at its boundaries, across a full slab and back to
 * none. */
#ifndef __LIBARENA_SLAB_TESTS_H
#define __LIBARENA_SLAB_TESTS_H

#include "buddy_tests.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_SLAB

#define SLAB_TEST_MAX	256	/* objects live at once: a slab of the smallest class + 1 */

__u64 __arena slab_ptrs[SLAB_TEST_MAX];

/* Objects that fill one slab of cls, plus one more, so that one slab is
 * full and a second one started. */
static __always_inline __u32 slab_test_count(__u32 cls)
{
	__u32 per_slab = (order_size(class_slab_order(cls)) - SLAB_HDR_SIZE) / class_size(cls);

	return per_slab + 1 < SLAB_TEST_MAX ? per_slab + 1 : SLAB_TEST_MAX;
}

/* Every word of an object holds its address mixed with its index: an
 * overlap shows as a word of another object.  The loops are bounded by a
 * constant, not by size: the verifier then sees them converge instead of
 * walking every word. */
static __always_inline void slab_fill(__u64 p, __u64 size, __u64 i)
{
	__u64 off;

	for (off = opaque(0); off < SMALL_MAX_SIZE && can_loop; off += 8) {
		if (off >= size)
			break;
		*(__u64 __arena *)arena_ptr(p + off) = p ^ (i << 48) ^ off;
	}
}

static __always_inline int slab_verify(__u64 p, __u64 size, __u64 i)
{
	__u64 off;

	for (off = opaque(0); off < SMALL_MAX_SIZE && can_loop; off += 8) {
		if (off >= size)
			break;
		ASSERT_EQ(*(__u64 __arena *)arena_ptr(p + off), p ^ (i << 48) ^ off);
	}
	return 0;
}

/* A class's boundaries: its own size lands in it, one byte more in the
 * next class. */
static __always_inline int slab_class_bounds(__u32 cls)
{
	__u64 size = class_size(cls), p, q;

	p = arena_malloc_addr(size);
	q = arena_malloc_addr(size + 1);
	ASSERT_NE(p, 0);
	ASSERT_NE(q, 0);
	ASSERT_EQ(arena_usable_size_addr(p), size);
	ASSERT_EQ(arena_usable_size_addr(q), class_size(cls + 1));
	ASSERT_EQ(p & 15, 0);
	ASSERT_OK(arena_free_addr(p));
	ASSERT_OK(arena_free_addr(q));
	return 0;
}

/* The live objects span two slabs or more, and one of them is full. */
static __always_inline int slab_spans_full(__u32 n)
{
	__u64 first = slab_of(slab_ptrs[0]), slab;
	__u32 i, others = opaque(0), full = opaque(0);
	slab_t *h;

	for (i = opaque(0); i < n && can_loop; i++) {
		slab = slab_of(*arena_elem(slab_ptrs, i));
		ASSERT_NE(slab, 0);
		h = slab_hdr(slab);
		others += slab != first;
		full += !h->nr_free && h->nr_carved == h->nr_objs;
	}
	ASSERT_GE(others, 1);
	ASSERT_GE(full, 1);
	return 0;
}

/* One class: a full slab and one more object, patterns intact, bad frees
 * of its objects rejected and harmless, everything back.  A global
 * function, verified once: inlined into t_slab_classes' loop over the
 * classes, 6.12's verifier walks past 1M instructions. */
__noinline int slab_class_round(__u32 cls)
{
	__u64 size = class_size(cls), p;
	__u32 n = slab_test_count(cls), i;

	for (i = opaque(0); i < n && can_loop; i++) {
		p = arena_malloc_addr(size);
		ASSERT_NE(p, 0);
		slab_fill(p, size, i);
		*arena_elem(slab_ptrs, i) = p;
	}
	ASSERT_EQ(i, n);
	CHECK_OK(slab_spans_full(n));
	p = slab_ptrs[0];
	if (size > GRANULE_SIZE) {	/* a 16 B object has no interior granule */
		ASSERT_EQ(arena_free_addr(p + 16), -EADDRNOTAVAIL);	/* interior */
		ASSERT_EQ(arena_free_addr(p + size - 16), -EADDRNOTAVAIL);
	}
	ASSERT_EQ(arena_free_addr(p + 8), -EINVAL);		/* misaligned */
	for (i = opaque(0); i < n && can_loop; i++)
		CHECK_OK(slab_verify(*arena_elem(slab_ptrs, i), size, i));
	for (i = opaque(0); i < n && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(slab_ptrs, i)));
	ASSERT_EQ(arena_free_addr(p), -EALREADY);			/* double free */
	ASSERT_EQ(arena_usable_size_addr(p), 0);
	return 0;
}

static __always_inline int t_slab_classes(__u64 flags)
{
	__u32 cls;

	ASSERT_OK(test_begin(flags));
	for (cls = opaque(0); cls < NR_SMALL_CLASSES - 1 && can_loop; cls++) {
		if (class_is_block(cls))
			continue;
		CHECK_OK(slab_class_bounds(cls));
		CHECK_OK(slab_class_round(cls));
	}
	ASSERT_EQ(cls, NR_SMALL_CLASSES - 1);
	/* Emptied slabs went back to the buddy (the caches' once trimmed). */
	ASSERT_GE(buddy_trim(&libarena_heap), 0);
	ASSERT_EQ(libarena_heap.stats.slab_bytes, 0);
	ASSERT_EQ(libarena_heap.stats.slabs_released, libarena_heap.stats.slabs_created);
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	return 0;
}

/* A slab's own start and its header are no object; freeing them changes
 * nothing. */
static __always_inline int t_slab_header_free_rejected(__u64 flags)
{
	__u64 p, slab, in_use;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(48);
	ASSERT_NE(p, 0);
	slab = slab_of(p);
	ASSERT_NE(slab, 0);
	ASSERT_EQ(slab & (order_size(class_slab_order(size_class(48))) - 1), 0);
	in_use = libarena_heap.stats.bytes_in_use;
	ASSERT_EQ(arena_free_addr(slab), -EADDRNOTAVAIL);
	ASSERT_EQ(arena_free_addr(slab + 16), -EADDRNOTAVAIL);
	ASSERT_EQ(arena_usable_size_addr(slab), 0);
	ASSERT_EQ(libarena_heap.stats.bytes_in_use, in_use);
	ASSERT_OK(buddy_check(&libarena_heap));
	ASSERT_OK(arena_free_addr(p));
	return 0;
}

#define CLASS_STATS_ROUNDS	100

/* Requested and handed-out bytes per class: every allocation of a size
 * lands in its class, with the bytes it asked for, on any path. */
static __always_inline int class_stats_size(__u64 size)
{
	__u32 cls = alloc_class(size), i;
	__u64 allocs = class_allocs(&libarena_heap, cls), requested = class_requested(&libarena_heap, cls), p;

	for (i = opaque(0); i < CLASS_STATS_ROUNDS && can_loop; i++) {
		p = arena_malloc_addr(size);
		ASSERT_NE(p, 0);
		ASSERT_OK(arena_free_addr(p));
	}
	ASSERT_EQ(class_allocs(&libarena_heap, cls) - allocs, CLASS_STATS_ROUNDS);
	ASSERT_EQ(class_requested(&libarena_heap, cls) - requested, CLASS_STATS_ROUNDS * size);
	ASSERT_EQ(arena_malloc_addr(0), 0);	/* a failure: not counted */
	ASSERT_EQ(class_allocs(&libarena_heap, cls) - allocs, CLASS_STATS_ROUNDS);
	return 0;
}

static __always_inline int t_slab_class_stats(__u64 flags)
{
	ASSERT_OK(test_begin(flags));
	CHECK_OK(class_stats_size(72));		/* a slab class */
	CHECK_OK(class_stats_size(520));
	CHECK_OK(class_stats_size(64));		/* a buddy order */
	CHECK_OK(class_stats_size(4096));	/* the largest small class */
	CHECK_OK(class_stats_size(20000));	/* a large class */
	ASSERT_EQ(total_allocs(&libarena_heap), 5 * CLASS_STATS_ROUNDS);
	return 0;
}

#define GROWTH_SIZE	520	/* 576 B class: slabs of 8 .. 64 KiB */
#define GROWTH_OBJS	160	/* past the three slabs before the lean order */

/* A busy class's slabs double, from the smallest that holds SLAB_MIN_OBJS
 * objects up to the lean order; emptied, the class starts small again. */
static __always_inline int t_slab_growth(__u64 flags)
{
	__u32 cls = size_class(GROWTH_SIZE), first = class_slab_order(cls);
	__u32 lean = slab_lean_order(cls), seen = opaque(0), i;
	__u64 p;

	ASSERT_OK(test_begin(flags));
	ASSERT_EQ(first, SLAB_MIN_ORDER + 1);
	ASSERT_EQ(lean, SLAB_MAX_ORDER);
	ASSERT_EQ(*arena_elem(libarena_heap.slab_next, cls), first);
	for (i = opaque(0); i < GROWTH_OBJS && can_loop; i++) {
		p = arena_malloc_addr(GROWTH_SIZE);
		ASSERT_NE(p, 0);
		*arena_elem(slab_ptrs, i) = p;
		seen |= 1u << (slab_hdr(slab_of(p))->order & 31);
	}
	ASSERT_EQ(i, GROWTH_OBJS);
	/* One slab of each order from the first to the lean one. */
	ASSERT_EQ(seen, (1u << (lean + 1)) - (1u << first));
	ASSERT_EQ(*arena_elem(libarena_heap.slab_next, cls), lean);
	for (i = opaque(0); i < GROWTH_OBJS && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(slab_ptrs, i)));
	if (flags & BUDDY_NO_PCPU_CACHE)	/* the last slab stays, empty */
		ASSERT_EQ(*arena_elem(libarena_heap.nr_slabs, cls), 1);
	ASSERT_GE(buddy_trim(&libarena_heap), 0);
	ASSERT_EQ(*arena_elem(libarena_heap.nr_slabs, cls), 0);
	ASSERT_EQ(*arena_elem(libarena_heap.slab_next, cls), first);
	return 0;
}

#define SPARE_SIZE	48

/* A class's last slab, emptied, stays for the class's next object (no
 * slab laid out and given back on every pair), still checked; buddy_trim()
 * gives it back.  Uncached: a cache would keep the object itself. */
static __always_inline int t_slab_spare(__u64 flags)
{
	__u32 cls = size_class(SPARE_SIZE);
	__u64 p, q, created;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(SPARE_SIZE);
	ASSERT_NE(p, 0);
	created = libarena_heap.stats.slabs_created;
	ASSERT_OK(arena_free_addr(p));
	ASSERT_EQ(*arena_elem(libarena_heap.nr_slabs, cls), 1);
	ASSERT_EQ(libarena_heap.stats.slabs_released, 0);
	ASSERT_EQ(libarena_heap.stats.slab_bytes, order_size(class_slab_order(cls)));
	ASSERT_EQ(arena_free_addr(p), -EALREADY);	/* double free, kept slab */
	q = arena_malloc_addr(SPARE_SIZE);
	ASSERT_EQ(slab_of(q), slab_of(p));
	ASSERT_EQ(libarena_heap.stats.slabs_created, created);
	ASSERT_OK(arena_free_addr(q));
	ASSERT_OK(buddy_check(&libarena_heap));
	ASSERT_EQ(buddy_trim(&libarena_heap), 1);
	ASSERT_EQ(*arena_elem(libarena_heap.nr_slabs, cls), 0);
	ASSERT_EQ(libarena_heap.stats.slab_bytes, 0);
	ASSERT_EQ(libarena_heap.stats.slabs_released, created);
	ASSERT_EQ(arena_free_addr(q), -EALREADY);	/* its slab gone back */
	ASSERT_EQ(buddy_trim(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	return 0;
}

#define SLAB_TESTS(X)			\
	X(slab_classes)			\
	X(slab_header_free_rejected)	\
	X(slab_class_stats)		\
	X(slab_growth)

#define SLAB_UNCACHED_TESTS(X)		\
	X(slab_spare)

#endif /* __LIBARENA_SLAB_TESTS_H */
