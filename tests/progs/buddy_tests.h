/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocator tests shared by the in-kernel runner (each body becomes a
 * SEC("syscall") program in buddy_tests.bpf.c) and the host runner (plain
 * calls under ASan/UBSan).  Each body starts from a reset default instance
 * and must leave test_b1/test_b2 destroyed or destroyable.
 */
#ifndef __LIBARENA_BUDDY_TESTS_H
#define __LIBARENA_BUDDY_TESTS_H

#include "test_common.h"
#include "instance.h"
#include <libarena/malloc.h>

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_BUDDY

#define TEST_MAX_PTRS	1024

struct buddy __arena test_b1;
struct buddy __arena test_b2;
__u64 __arena test_ptrs[TEST_MAX_PTRS];
__u64 __arena test_sizes[TEST_MAX_PTRS];

/*
 * Every test runs with the default instance and test_b1 in one mode:
 * flags 0 (per-CPU caches) or BUDDY_NO_PCPU_CACHE (uncached mode).
 */
static __always_inline int test_begin(__u64 flags)
{
	/* A failed earlier test may have left these initialised, or the lock
	 * held (cache_nested_in_lock takes it to fake a nested program). */
	libarena_heap.lock = 0;
	buddy_destroy(&test_b1);
	buddy_destroy(&test_b2);
	buddy_destroy(&libarena_heap);
	return buddy_init_flags(&libarena_heap, flags);
}

/* Sum one per-CPU counter over every CPU's cache: expr, of the cache pc. */
#define pcpu_sum(b, pc, expr)						\
	({								\
		__u64 __sum = opaque(0);				\
		pcpu_cache_t *pc;					\
		__u32 __cpu;						\
		for (__cpu = opaque(0); __cpu < LIBARENA_MAX_CPUS && can_loop; \
		     __cpu++) {						\
			pc = pcpu_of((b), __cpu);			\
			if (pc)						\
				__sum += (expr);			\
		}							\
		__sum;							\
	})

/* One class's allocations so far, whoever served them (the buddy or a
 * CPU's cache): how many, and the bytes they asked for. */
static __always_inline __u64 class_allocs(struct buddy __arena *b, __u32 cls)
{
	return arena_elem(b->stats.classes, cls)->allocs +
	       pcpu_sum(b, pc, arena_elem(pc->cls, cls)->stats.allocs);
}

static __always_inline __u64 class_requested(struct buddy __arena *b, __u32 cls)
{
	return arena_elem(b->stats.classes, cls)->requested +
	       pcpu_sum(b, pc, arena_elem(pc->cls, cls)->stats.requested);
}

/* Allocations the buddy itself served (the slow path), all classes. */
static __always_inline __u64 buddy_allocs(struct buddy __arena *b)
{
	__u64 sum = opaque(0);
	__u32 cls;

	for (cls = opaque(0); cls < NR_CLASSES && can_loop; cls++)
		sum += arena_elem(b->stats.classes, cls)->allocs;
	return sum;
}

/* Allocations the caller made, whoever served them. */
static __always_inline __u64 total_allocs(struct buddy __arena *b)
{
	__u64 sum = opaque(0);
	__u32 cls;

	for (cls = opaque(0); cls < NR_CLASSES && can_loop; cls++)
		sum += class_allocs(b, cls);
	return sum;
}

/* Bytes callers hold, from the class counts: (allocs - frees) x size. */
static __always_inline __u64 live_bytes(struct buddy __arena *b)
{
	__u64 sum = opaque(0), frees;
	__u32 cls;

	for (cls = opaque(0); cls < NR_CLASSES && can_loop; cls++) {
		frees = arena_elem(b->stats.classes, cls)->frees +
			pcpu_sum(b, pc, arena_elem(pc->cls, cls)->stats.frees);
		sum += (class_allocs(b, cls) - frees) * class_size(cls);
	}
	return sum;
}

/* Frees one CPU's cache took, all classes. */
static __always_inline __u64 cache_frees(pcpu_cache_t *pc)
{
	__u64 sum = opaque(0);
	__u32 cls;

	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++)
		sum += arena_elem(pc->cls, cls)->stats.frees;
	return sum;
}

/* Frees the caller made, whoever took them. */
#define total_frees(b)	((b)->stats.frees + pcpu_sum(b, pc, cache_frees(pc)))

/* Bytes the caller holds: after a trim, what the buddy has handed out
 * minus the caches' own blocks. */
static __always_inline __u64 settled_bytes(buddy_t *b)
{
	buddy_trim(b);
	return b->stats.bytes_in_use - b->stats.cache_meta_bytes;
}

static __always_inline __u64 rand_between(__u64 lo, __u64 hi)
{
	return lo + test_rand() % (hi - lo + 1);
}

static __always_inline void swap_words(__u64 __arena *a, __u64 __arena *b)
{
	__u64 tmp = *a;

	*a = *b;
	*b = tmp;
}

/* Fisher-Yates over the first n entries of test_ptrs/test_sizes. */
static __always_inline void shuffle_ptrs(__u32 n)
{
	__u32 i, j;

	for (i = opaque(n - 1); i > 0 && i < TEST_MAX_PTRS && can_loop; i--) {
		j = test_rand() % (i + 1);
		if (j >= TEST_MAX_PTRS)
			break;
		swap_words(arena_elem(test_ptrs, i), arena_elem(test_ptrs, j));
		swap_words(arena_elem(test_sizes, i), arena_elem(test_sizes, j));
	}
}

static __always_inline __u64 pattern_word(__u64 seed, __u64 i)
{
	return (seed << 32) ^ (i * 0x9e3779b97f4a7c15ull);
}

/* Fill (or verify) size bytes at addr with a pattern derived from seed. */
static __always_inline int pattern_fill(__u64 addr, __u64 size, __u64 seed)
{
	__u64 __arena *w = arena_ptr(addr);
	__u8 __arena *c = arena_ptr(addr);
	__u64 i;

	for (i = opaque(0); i < size / 8 && can_loop; i++)
		*arena_elem(w, i) = pattern_word(seed, i);
	for (i = opaque(size & ~7ull); i < size && can_loop; i++)
		*arena_elem(c, i) = (__u8)(seed + i);
	return 0;
}

static __always_inline int pattern_verify(__u64 addr, __u64 size, __u64 seed)
{
	__u64 __arena *w = arena_ptr(addr);
	__u8 __arena *c = arena_ptr(addr);
	__u64 i;

	for (i = opaque(0); i < size / 8 && can_loop; i++)
		if (*arena_elem(w, i) != pattern_word(seed, i))
			break;
	ASSERT_EQ(i, size / 8);
	for (i = opaque(size & ~7ull); i < size && can_loop; i++)
		if (*arena_elem(c, i) != (__u8)(seed + i))
			break;
	ASSERT_EQ(i, size);
	return 0;
}

/* A returned block: 16-byte aligned, aligned to its usable size if that is
 * a power of two (a buddy block; slab objects are not), inside a populated
 * chunk past its metadata, usable size >= requested. */
static __always_inline int check_block(buddy_t *b, __u64 addr, __u64 size)
{
	__u64 usable = buddy_usable_size_addr(b, addr);

	ASSERT_NE(addr, 0);
	ASSERT_EQ(addr & 15, 0);
	ASSERT_TRUE(space_is_populated(chunk_of(addr)));
	ASSERT_GE(addr - chunk_of(addr), CHUNK_META_SIZE);
	ASSERT_GE(usable, size);
	if (!(usable & (usable - 1)))
		ASSERT_EQ(addr & (usable - 1), 0);
	ASSERT_LE(addr - chunk_of(addr) + usable, CHUNK_SIZE);
	return 0;
}

static __always_inline int t_init_destroy_repeat(__u64 flags)
{
	__u64 p;
	int i;

	ASSERT_OK(test_begin(flags));
	for (i = 0; i < 10; i++) {
		ASSERT_OK(buddy_init_flags(&test_b1, flags));
		ASSERT_EQ(buddy_init_flags(&test_b1, flags), -EBUSY);
		p = buddy_alloc_addr_grow(&test_b1, 100 + i);
		CHECK_OK(check_block(&test_b1, p, 100 + i));
		ASSERT_OK(buddy_free_addr(&test_b1, p));
		ASSERT_OK(buddy_check(&test_b1));
		ASSERT_OK(buddy_destroy(&test_b1));
		ASSERT_OK(buddy_destroy(&test_b1));	/* idempotent */
	}
	ASSERT_EQ(buddy_init_flags(&test_b1, 1ull << 40), -EINVAL);
	ASSERT_EQ(buddy_alloc_addr_grow(&test_b1, 16), 0);
	return 0;
}

static __always_inline int t_destroy_with_live_allocations(__u64 flags)
{
	__u32 base;
	int i;

	ASSERT_OK(test_begin(flags));
	base = libarena_space.populated_chunks;
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	for (i = 0; i < 4; i++)
		ASSERT_NE(buddy_alloc_addr_grow(&test_b1, BUDDY_MAX_SIZE), 0);
	for (i = 0; i < 64; i++)
		ASSERT_NE(buddy_alloc_addr_grow(&test_b1, 16 << (i % 12)), 0);
	ASSERT_GE(test_b1.stats.chunks, 4);
	ASSERT_EQ(libarena_space.populated_chunks, base + test_b1.stats.chunks);
	ASSERT_OK(buddy_destroy(&test_b1));
	ASSERT_EQ(libarena_space.populated_chunks, base);
	ASSERT_EQ(test_b1.stats.chunks, 0);
	/* The instance is reusable and the window slices too. */
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	ASSERT_NE(buddy_alloc_addr_grow(&test_b1, BUDDY_MAX_SIZE), 0);
	ASSERT_OK(buddy_check(&test_b1));
	ASSERT_OK(buddy_destroy(&test_b1));
	return 0;
}

#define NR_ROUND_SIZES	38

/* 1 B .. 512 KiB: each power of two, one byte less and one byte more. */
static __always_inline __u64 round_size(__u32 i)
{
	__u64 p = 1ull << (i / 2 + 1);

	if (i == 0)
		return 1;
	return (i & 1) ? p - 1 : (p + 1 <= BUDDY_MAX_SIZE ? p + 1 : p);
}

static __always_inline int t_alloc_free_shuffled_sizes(__u64 flags)
{
	__u32 round, i;
	__u64 p, size;

	ASSERT_OK(test_begin(flags));
	for (round = 0; round < 3; round++) {
		for (i = opaque(0); i < NR_ROUND_SIZES && can_loop; i++) {
			size = round_size(i);
			*arena_elem(test_sizes, i) = size;
			p = arena_malloc_addr(size);
			CHECK_OK(check_block(&libarena_heap, p, size));
			*(__u8 __arena *)arena_ptr(p) = i;
			*(__u8 __arena *)arena_ptr(p + size - 1) = i;
			*arena_elem(test_ptrs, i) = p;
		}
		ASSERT_EQ(i, NR_ROUND_SIZES);
		shuffle_ptrs(NR_ROUND_SIZES);
		for (i = opaque(0); i < NR_ROUND_SIZES && can_loop; i++) {
			p = *arena_elem(test_ptrs, i);
			size = *arena_elem(test_sizes, i);
			ASSERT_EQ(*(__u8 __arena *)arena_ptr(p),
				  *(__u8 __arena *)arena_ptr(p + size - 1));
			ASSERT_OK(arena_free_addr(p));
		}
		ASSERT_EQ(settled_bytes(&libarena_heap), 0);
		ASSERT_OK(buddy_check(&libarena_heap));
	}
	return 0;
}

#define NR_LIVE		512

static __always_inline int t_live_patterns_scrambled(__u64 flags)
{
	__u64 p, size;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	for (i = opaque(0); i < NR_LIVE && can_loop; i++) {
		size = rand_between(3, 16384);
		*arena_elem(test_sizes, i) = size;
		p = arena_malloc_addr(size);
		CHECK_OK(check_block(&libarena_heap, p, size));
		pattern_fill(p, size, p >> 4);
		*arena_elem(test_ptrs, i) = p;
	}
	ASSERT_EQ(i, NR_LIVE);
	ASSERT_GE(libarena_heap.stats.chunks, 2);
	ASSERT_OK(buddy_check(&libarena_heap));
	shuffle_ptrs(NR_LIVE);
	for (i = opaque(0); i < NR_LIVE && can_loop; i++) {
		p = *arena_elem(test_ptrs, i);
		CHECK_OK(pattern_verify(p, *arena_elem(test_sizes, i), p >> 4));
		ASSERT_OK(arena_free_addr(p));
	}
	ASSERT_EQ(i, NR_LIVE);
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_EQ(total_allocs(&libarena_heap), NR_LIVE);
	ASSERT_EQ(total_frees(&libarena_heap), NR_LIVE);
	return 0;
}

static __always_inline int t_blocks_aligned_and_inside(__u64 flags)
{
	__u64 p, size;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	for (i = opaque(0); i < 200 && can_loop; i++) {
		size = rand_between(1, i < 100 ? 4096 : BUDDY_MAX_SIZE);
		p = arena_malloc_addr(size);
		CHECK_OK(check_block(&libarena_heap, p, size));
		ASSERT_EQ(arena_usable_size_addr(p), class_size(alloc_class(size)));
		*arena_elem(test_ptrs, i) = p;
	}
	ASSERT_EQ(i, 200);
	for (i = opaque(0); i < 200 && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	return 0;
}

static __always_inline int t_free_null_is_noop(__u64 flags)
{
	ASSERT_OK(test_begin(flags));
	ASSERT_NOT_NULL(arena_malloc(16));
	ASSERT_OK(arena_free_addr(0));
	ASSERT_OK(buddy_free(&libarena_heap, NULL));
	ASSERT_EQ(total_frees(&libarena_heap), 0);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_OUTSIDE], 0);
	return 0;
}

/* After a rejected free the heap must still serve a full round. */
static __always_inline int alloc_all_free_all(buddy_t *b)
{
	__u64 p;
	__u32 i;

	for (i = opaque(0); i < 256 && can_loop; i++) {
		p = buddy_alloc_addr_grow(b, 16 << (i % 10));
		ASSERT_NE(p, 0);
		*arena_elem(test_ptrs, i) = p;
	}
	for (i = opaque(0); i < 256 && can_loop; i++)
		ASSERT_OK(buddy_free_addr(b, *arena_elem(test_ptrs, i)));
	ASSERT_EQ(i, 256);
	ASSERT_OK(buddy_check(b));
	return 0;
}

static __always_inline int t_double_free_rejected(__u64 flags)
{
	__u64 p, q;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(64);
	q = arena_malloc_addr(64);
	ASSERT_OK(arena_free_addr(p));
	ASSERT_EQ(arena_free_addr(p), -EALREADY);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_NOT_ALLOCATED], 1);
	ASSERT_EQ(total_frees(&libarena_heap), 1);
	/* A double free of a block merged into a bigger free block. */
	ASSERT_OK(arena_free_addr(q));
	ASSERT_EQ(arena_free_addr(q), -EALREADY);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_NOT_ALLOCATED], 2);
	ASSERT_OK(buddy_check(&libarena_heap));
	CHECK_OK(alloc_all_free_all(&libarena_heap));
	return 0;
}

static __always_inline int t_misaligned_free_rejected(__u64 flags)
{
	__u64 p;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(256);
	ASSERT_EQ(arena_free_addr(p + 8), -EINVAL);
	ASSERT_EQ(arena_free_addr(p + 1), -EINVAL);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_MISALIGNED], 2);
	ASSERT_EQ(arena_usable_size_addr(p), 256);
	ASSERT_OK(arena_free_addr(p));
	CHECK_OK(alloc_all_free_all(&libarena_heap));
	return 0;
}

static __always_inline int t_interior_free_rejected(__u64 flags)
{
	__u64 p;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(4096);
	ASSERT_EQ(arena_free_addr(p + 16), -EADDRNOTAVAIL);
	ASSERT_EQ(arena_free_addr(p + 2048), -EADDRNOTAVAIL);
	ASSERT_EQ(arena_free_addr(p + 4080), -EADDRNOTAVAIL);
	/* The chunk's own metadata is not a block either. */
	ASSERT_EQ(arena_free_addr(chunk_of(p)), -EADDRNOTAVAIL);
	ASSERT_EQ(arena_free_addr(chunk_of(p) + CHUNK_HDR_OFF), -EADDRNOTAVAIL);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_INTERIOR], 5);
	ASSERT_OK(arena_free_addr(p));
	CHECK_OK(alloc_all_free_all(&libarena_heap));
	return 0;
}

static __always_inline int t_outside_free_rejected(__u64 flags)
{
	struct arena_space __arena *s = &libarena_space;
	__u64 p;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(32);
	ASSERT_EQ(arena_free_addr(s->base - 4096), -EFAULT);
	ASSERT_EQ(arena_free_addr(0xdead0), -EFAULT);
	ASSERT_EQ(arena_free_addr(~0ull & ~15ull), -EFAULT);
	/* The last slice of the window is reserved but not populated. */
	ASSERT_EQ(arena_free_addr(s->base + ((__u64)(s->nr_slices - 1) << CHUNK_SHIFT) +
			       CHUNK_META_SIZE), -EFAULT);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_OUTSIDE], 4);
	ASSERT_OK(arena_free_addr(p));
	CHECK_OK(alloc_all_free_all(&libarena_heap));
	return 0;
}

static __always_inline int t_foreign_free_rejected(__u64 flags)
{
	__u64 p;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	ASSERT_OK(buddy_init(&test_b2));
	p = buddy_alloc_addr_grow(&test_b1, 128);
	ASSERT_NE(p, 0);
	ASSERT_EQ(buddy_free_addr(&test_b2, p), -EXDEV);
	ASSERT_EQ(arena_free_addr(p), -EXDEV);
	ASSERT_EQ(test_b2.stats.rejected[BUDDY_REJECT_FOREIGN], 1);
	ASSERT_EQ(libarena_heap.stats.rejected[BUDDY_REJECT_FOREIGN], 1);
	ASSERT_EQ(buddy_usable_size_addr(&test_b1, p), 128);
	ASSERT_OK(buddy_free_addr(&test_b1, p));
	ASSERT_OK(buddy_check(&test_b1));
	ASSERT_OK(buddy_check(&test_b2));
	ASSERT_OK(buddy_destroy(&test_b1));
	ASSERT_OK(buddy_destroy(&test_b2));
	return 0;
}

static __always_inline int t_bad_sizes_return_null(__u64 flags)
{
	ASSERT_OK(test_begin(flags));
	ASSERT_NULL(arena_malloc(0));
	ASSERT_NULL(arena_malloc(BUDDY_MAX_SIZE + 1));
	ASSERT_NULL(arena_malloc(~0ull));
	ASSERT_NULL(arena_calloc(1ull << 33, 1ull << 33));
	ASSERT_NULL(arena_calloc(~0ull, 2));
	ASSERT_NULL(arena_calloc(0, 16));
	ASSERT_EQ(libarena_heap.stats.failed_allocs, 6);
	ASSERT_EQ(libarena_heap.stats.bad_sizes, 6);
	ASSERT_NOT_NULL(arena_malloc(BUDDY_MAX_SIZE));
	/* Counted by the buddy, or by this CPU's cache layer. */
	ASSERT_EQ(total_allocs(&libarena_heap), 1);
	return 0;
}

/* How many of the first bytes / 8 words at addr are zero. */
static __always_inline __u64 zero_words(__u64 addr, __u64 bytes)
{
	__u64 __arena *w = arena_ptr(addr);
	__u64 i;

	for (i = opaque(0); i < bytes / 8 && can_loop; i++)
		if (*arena_elem(w, i))
			break;
	return i;
}

/* Free a block of bytes filled with a pattern: first fit hands the same
 * block back, dirty, to the next request that fits. */
static __always_inline __u64 dirty_block(__u64 bytes)
{
	__u64 p = arena_malloc_addr(bytes);

	if (p) {
		pattern_fill(p, bytes, 7);
		arena_free_addr(p);
	}
	return p;
}

/* Live bytes follow allocs and frees of every kind (slab objects, buddy
 * blocks, cache hits, the slow path) and are 0 once all is freed. */
static __always_inline int t_live_bytes(__u64 flags)
{
	__u64 a, b2, c, d;

	ASSERT_OK(test_begin(flags));
	ASSERT_EQ(live_bytes(&libarena_heap), 0);
	ASSERT_NOT_NULL(a = arena_malloc_addr(24));		/* 32 B slab object */
	ASSERT_NOT_NULL(b2 = arena_malloc_addr(4096));		/* 4 KiB block */
	ASSERT_NOT_NULL(c = arena_malloc_addr(100 << 10));	/* 128 KiB block */
	ASSERT_NOT_NULL(d = arena_malloc_addr(24));
	ASSERT_EQ(live_bytes(&libarena_heap), 32 + 4096 + (128 << 10) + 32);
	ASSERT_OK(arena_free_addr(a));
	ASSERT_OK(arena_free_addr(c));
	ASSERT_EQ(live_bytes(&libarena_heap), 4096 + 32);
	ASSERT_NE(arena_free_addr(a), 0);	/* a rejected free counts nothing */
	ASSERT_EQ(live_bytes(&libarena_heap), 4096 + 32);
	ASSERT_OK(arena_free_addr(b2));
	ASSERT_OK(arena_free_addr(d));
	ASSERT_EQ(live_bytes(&libarena_heap), 0);
	ASSERT_EQ(total_frees(&libarena_heap), 4);
	return 0;
}

static __always_inline int t_calloc_zeroes(__u64 flags)
{
	__u64 p;

	ASSERT_OK(test_begin(flags));
	ASSERT_NOT_NULL(p = dirty_block(4096));
	ASSERT_EQ(arena_calloc_addr(64, 64), p);
	ASSERT_EQ(zero_words(p, 4096), 4096 / 8);
	return 0;
}

/*
 * A node whose natural zeroing (n->oldest = NULL; ... n->count = 0;) clang
 * 19 merges into stores the verifier refuses for an arena pointer; the
 * typed calls hand it out zeroed instead.
 */
struct typed_node {
	struct typed_node __arena *oldest;
	struct typed_node __arena *newest;
	__u32 count;
	__u16 cpu;
	__u8 kind;
	__u8 flags;
};

struct typed_wide {
	__u64 w[3];
} __attribute__((aligned(256)));

struct typed_flex {
	__u64 n;
	__u32 items[];
};

static __always_inline int t_typed_new(__u64 flags)
{
	struct typed_node __arena *n;
	struct typed_wide __arena *w;
	struct typed_flex __arena *f;
	__u64 p;

	ASSERT_OK(test_begin(flags));
	ASSERT_NOT_NULL(p = dirty_block(sizeof(*n)));
	n = arena_new(struct typed_node);
	ASSERT_EQ(arena_addr(n), p);		/* the dirty block, cleared */
	ASSERT_EQ(zero_words(p, sizeof(*n)), sizeof(*n) / 8);
	ASSERT_EQ(arena_usable_size(n), 32);
	n->newest = n;
	ASSERT_EQ(arena_addr(n->newest), p);

	w = arena_new(struct typed_wide);
	ASSERT_NOT_NULL(w);
	ASSERT_EQ(arena_addr(w) & 255, 0);
	ASSERT_EQ(zero_words(arena_addr(w), sizeof(*w)), sizeof(*w) / 8);

	ASSERT_NOT_NULL(p = dirty_block(4096));
	f = arena_new_flex(struct typed_flex, items, 1000);
	ASSERT_EQ(arena_addr(f), p);
	ASSERT_EQ(arena_usable_size(f), 4096);	/* 8 + 4000 B */
	ASSERT_EQ(zero_words(p, 4008), 4008 / 8);
	ASSERT_EQ(libarena_heap.stats.bad_sizes, 0);

	/* Counts whose size would not fit, or would wrap: NULL, counted. */
	ASSERT_NULL(arena_new_array(struct typed_node, BUDDY_MAX_SIZE / sizeof(*n) + 1));
	/* n * 24 = 2^64 + 8, 8 + n * 4 = 2^64 + 8: both wrap to 8 B. */
	ASSERT_NULL(arena_new_array(struct typed_node, ~0ull / sizeof(*n) + 1));
	ASSERT_NULL(arena_new_flex(struct typed_flex, items, 1ull << 62));
	ASSERT_EQ(libarena_heap.stats.bad_sizes, 3);
	ASSERT_NOT_NULL(arena_new_array(struct typed_node, BUDDY_MAX_SIZE / sizeof(*n)));

	arena_delete(n);
	arena_delete(w);
	arena_delete(f);
	ASSERT_EQ(arena_usable_size(n), 0);
	return 0;
}

static __always_inline int t_realloc_preserves(__u64 flags)
{
	__u64 p, q, in_use;

	ASSERT_OK(test_begin(flags));
	ASSERT_NOT_NULL(p = arena_realloc_addr(0, 24));
	pattern_fill(p, 24, 3);
	q = arena_realloc_addr(p, 30);	/* same 32 B block */
	ASSERT_EQ(q, p);
	ASSERT_NOT_NULL(q = arena_realloc_addr(p, 1000));
	CHECK_OK(pattern_verify(q, 24, 3));
	ASSERT_EQ(arena_usable_size_addr(p), 0);	/* old block freed */
	pattern_fill(q, 1000, 4);
	ASSERT_NOT_NULL(p = arena_realloc_addr(q, 100 << 10));
	CHECK_OK(pattern_verify(p, 1000, 4));
	ASSERT_NOT_NULL(q = arena_realloc_addr(p, 10));
	CHECK_OK(pattern_verify(q, 8, 4));
	ASSERT_EQ(arena_usable_size_addr(q), 16);
	/* Failure leaves the block alone. */
	ASSERT_EQ(arena_realloc_addr(q, BUDDY_MAX_SIZE + 1), 0);
	CHECK_OK(pattern_verify(q, 8, 4));
	in_use = settled_bytes(&libarena_heap);
	ASSERT_EQ(in_use, order_size(class_slab_order(0)));	/* a 16 B object's slab */
	ASSERT_EQ(arena_realloc_addr(q, 0), 0);
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	return 0;
}

static __always_inline int t_aligned_alloc(__u64 flags)
{
	__u64 align, p;
	int i;

	ASSERT_OK(test_begin(flags));
	for (i = 0; i < BUDDY_NR_ORDERS; i++) {
		align = BUDDY_MIN_SIZE << i;
		p = arena_aligned_alloc_addr(align, 24);
		ASSERT_NE(p, 0);
		ASSERT_EQ(p & (align - 1), 0);
		ASSERT_OK(arena_free_addr(p));
		/* A size of a slab class (3 * align): still aligned. */
		p = arena_aligned_alloc_addr(align, align < BUDDY_MAX_SIZE / 2 ? 3 * align : 24);
		ASSERT_NE(p, 0);
		ASSERT_EQ(p & (align - 1), 0);
		ASSERT_OK(arena_free_addr(p));
	}
	ASSERT_EQ(arena_aligned_alloc_addr(3, 24), 0);
	ASSERT_EQ(arena_aligned_alloc_addr(0, 24), 0);
	ASSERT_EQ(arena_aligned_alloc_addr(BUDDY_MAX_SIZE * 2, 24), 0);
	ASSERT_NE(p = arena_aligned_alloc_addr(8, 24), 0);	/* small align is fine */
	ASSERT_EQ(p & 15, 0);
	return 0;
}

static __always_inline int t_usable_size(__u64 flags)
{
	__u64 p;

	ASSERT_OK(test_begin(flags));
	p = arena_malloc_addr(17);
	ASSERT_EQ(arena_usable_size_addr(p), 32);
	ASSERT_EQ(arena_usable_size_addr(p + 16), 0);
	ASSERT_EQ(arena_usable_size_addr(0), 0);
	ASSERT_OK(arena_free_addr(p));
	ASSERT_EQ(arena_usable_size_addr(p), 0);
	ASSERT_EQ(arena_usable_size(arena_malloc(BUDDY_MAX_SIZE)), BUDDY_MAX_SIZE);
	return 0;
}

/* Bytes in use count buddy blocks and whole slabs, not slab objects. */
static __always_inline int t_stats_exact(__u64 flags)
{
	__u64 sum = 0, usable, size, p;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	for (i = opaque(0); i < 100 && can_loop; i++) {
		size = rand_between(1, 9000);
		p = arena_malloc_addr(size);
		*arena_elem(test_sizes, i) = size;
		*arena_elem(test_ptrs, i) = p;
		usable = arena_usable_size_addr(p);
		if (class_is_block(alloc_class(size)))
			sum += usable;
	}
	sum += libarena_heap.stats.slab_bytes;
	ASSERT_EQ(buddy_allocs(&libarena_heap), 100);
	ASSERT_EQ(libarena_heap.stats.bytes_in_use, sum);
	ASSERT_EQ(libarena_heap.stats.peak_bytes, sum);
	for (i = opaque(0); i < 40 && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	ASSERT_EQ(libarena_heap.stats.frees, 40);
	ASSERT_EQ(libarena_heap.stats.peak_bytes, sum);
	ASSERT_LE(libarena_heap.stats.bytes_in_use, sum);
	ASSERT_GE(libarena_heap.stats.lock_acquisitions, 140);
	ASSERT_EQ(libarena_heap.stats.failed_allocs, 0);
	ASSERT_EQ(libarena_heap.stats.lock_failures, 0);
	return 0;
}

static __always_inline int t_empty_chunks_returned(__u64 flags)
{
	__u32 base, i;

	ASSERT_OK(test_begin(flags));
	/* Keep 512 KiB free, return every chunk beyond that at once. */
	ASSERT_OK(buddy_set_reserve(&libarena_heap, BUDDY_MAX_SIZE, BUDDY_MAX_SIZE));
	base = libarena_space.populated_chunks - libarena_heap.stats.chunks;
	/* Metadata fills the lower half: one 512 KiB block per chunk, and
	 * the third and later ones find no block and grow a chunk. */
	for (i = 0; i < 6; i++)
		ASSERT_NE(*arena_elem(test_ptrs, i) = arena_malloc_addr(BUDDY_MAX_SIZE), 0);
	ASSERT_EQ(libarena_heap.stats.chunks, 6);
	ASSERT_EQ(libarena_space.populated_chunks, base + 6);
	for (i = 0; i < 6; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	/* With caches, this CPU keeps one 512 KiB block: shrink trims it. */
	ASSERT_GE(buddy_shrink(&libarena_heap), 0);
	ASSERT_EQ(libarena_heap.stats.chunks, 1);
	ASSERT_EQ(libarena_heap.stats.chunks_returned, 5);
	ASSERT_EQ(libarena_space.populated_chunks, base + 1);
	/* Returned slices are reused: no new window space is consumed. */
	i = libarena_space.bump;
	ASSERT_NE(arena_malloc_addr(BUDDY_MAX_SIZE), 0);
	ASSERT_NE(arena_malloc_addr(BUDDY_MAX_SIZE), 0);
	ASSERT_EQ(libarena_space.bump, i);
	return 0;
}

static __always_inline int t_coalescing_restores_large_blocks(__u64 flags)
{
	__u64 populated;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	/* No low watermark: nothing asks for a second chunk. */
	ASSERT_OK(buddy_set_reserve(&libarena_heap, 0, BUDDY_DEFAULT_RESERVE_HIGH));
	for (i = opaque(0); i < TEST_MAX_PTRS && can_loop; i++)
		ASSERT_NE(*arena_elem(test_ptrs, i) = arena_malloc_addr(16 << (i % 6)), 0);
	ASSERT_EQ(i, TEST_MAX_PTRS);
	ASSERT_EQ(libarena_heap.stats.chunks, 1);
	shuffle_ptrs(TEST_MAX_PTRS);
	for (i = opaque(0); i < TEST_MAX_PTRS && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	ASSERT_OK(buddy_check(&libarena_heap));
	/* Fully merged: the chunk again holds its 512 KiB block. */
	populated = libarena_heap.stats.chunks_populated;
	ASSERT_NE(arena_malloc_addr(BUDDY_MAX_SIZE), 0);
	ASSERT_EQ(libarena_heap.stats.chunks_populated, populated);
	return 0;
}

static __always_inline int t_instances_independent(__u64 flags)
{
	__u64 p1 = 0, p2 = 0, p3 = 0;
	__u32 i;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	ASSERT_OK(buddy_init_flags(&test_b2, BUDDY_NO_PCPU_CACHE));
	for (i = opaque(0); i < 50 && can_loop; i++) {
		p1 = buddy_alloc_addr_grow(&test_b1, 64);
		p2 = buddy_alloc_addr_grow(&test_b2, 64);
		p3 = arena_malloc_addr(64);
		ASSERT_NE(p1 && p2 && p3, 0);
		ASSERT_NE(chunk_of(p1), chunk_of(p2));
		ASSERT_NE(chunk_of(p2), chunk_of(p3));
		pattern_fill(p2, 64, p2 >> 4);
	}
	ASSERT_EQ(i, 50);
	ASSERT_EQ(total_allocs(&test_b1), 50);
	ASSERT_EQ(buddy_allocs(&test_b2), 50);
	ASSERT_EQ(total_allocs(&libarena_heap), 50);
	ASSERT_OK(buddy_destroy(&test_b1));
	/* b2's blocks survive b1's destruction. */
	CHECK_OK(pattern_verify(p2, 64, p2 >> 4));
	ASSERT_OK(buddy_check(&test_b2));
	ASSERT_OK(buddy_check(&libarena_heap));
	ASSERT_OK(buddy_destroy(&test_b2));
	return 0;
}

/* test_b1's count of 16 B slabs one off (its slabs never grow, so only
 * the sum can tell), then the order of its next slab. */
static __always_inline int check_detects_slab_counts(void)
{
	ASSERT_EQ(slab_lean_order(0), class_slab_order(0));
	ASSERT_NE(buddy_alloc_addr_grow(&test_b1, 16), 0);
	ASSERT_OK(buddy_check(&test_b1));
	test_b1.nr_slabs[0]++;
	ASSERT_EQ(buddy_check(&test_b1), -EUCLEAN);
	ASSERT_EQ(test_b1.check.err, BUDDY_CHECK_SLAB);
	ASSERT_EQ(test_b1.check.expected, test_b1.check.found + 1);
	test_b1.nr_slabs[0]--;
	test_b1.slab_next[0]++;
	ASSERT_EQ(buddy_check(&test_b1), -EUCLEAN);
	ASSERT_EQ(test_b1.check.err, BUDDY_CHECK_SLAB);
	ASSERT_EQ(test_b1.check.found, class_slab_order(0) + 1);
	test_b1.slab_next[0]--;
	ASSERT_OK(buddy_check(&test_b1));
	return 0;
}

static __always_inline int t_check_detects_corruption(__u64 flags)
{
	__u64 p, chunk;
	__u32 item, order, head, saved;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	p = buddy_alloc_addr_grow(&test_b1, 256);
	ASSERT_NE(buddy_alloc_addr_grow(&test_b1, 64), 0);
	ASSERT_OK(buddy_check(&test_b1));
	chunk = chunk_of(p);
	item = item_of(p);
	order = item_order(chunk, item);

	/* A wrong order nibble on an allocated block. */
	set_item_order(chunk, item, order + 2);
	ASSERT_EQ(buddy_check(&test_b1), -EUCLEAN);
	ASSERT_NE(test_b1.check.err, BUDDY_CHECK_OK);
	ASSERT_EQ(test_b1.check.chunk, chunk);
	set_item_order(chunk, item, order);
	ASSERT_OK(buddy_check(&test_b1));

	/* A freelist link pointing into the metadata (the 64 B block was
	 * split off a larger one: a free block of p's order is left). */
	head = *arena_elem(chunk_hdr(chunk)->free_head, order);
	saved = free_links(chunk, head)->next;
	free_links(chunk, head)->next = 7;
	ASSERT_EQ(buddy_check(&test_b1), -EUCLEAN);
	ASSERT_EQ(test_b1.check.err, BUDDY_CHECK_FREELIST);
	free_links(chunk, head)->next = saved;
	ASSERT_OK(buddy_check(&test_b1));

	/* A lost allocation count. */
	chunk_hdr(chunk)->nr_allocated++;
	ASSERT_EQ(buddy_check(&test_b1), -EUCLEAN);
	ASSERT_EQ(test_b1.check.err, BUDDY_CHECK_COUNTS);
	chunk_hdr(chunk)->nr_allocated--;
	ASSERT_OK(buddy_check(&test_b1));
	CHECK_OK(check_detects_slab_counts());
	ASSERT_OK(buddy_destroy(&test_b1));
	return 0;
}

/* Run in a small arena (__small_arena): fill it, free, fill again. */
static __always_inline int t_small_arena_exhaustion(__u64 flags)
{
	__u32 n = opaque(0), again = opaque(0), i;
	__u64 p;

	ASSERT_OK(test_begin(flags));
	for (i = opaque(0); i < TEST_MAX_PTRS && can_loop; i++) {
		p = arena_malloc_addr(64 << 10);
		if (!p)
			break;
		*arena_elem(test_ptrs, n) = p;
		n++;
	}
	ASSERT_GE(n, 8);
	ASSERT_LE(n, 16 * libarena_space.nr_slices);
	ASSERT_EQ(libarena_heap.stats.failed_allocs, 1);
	ASSERT_EQ(libarena_space.populated_chunks, libarena_space.nr_slices);
	ASSERT_OK(buddy_check(&libarena_heap));
	for (i = opaque(0); i < n && i < TEST_MAX_PTRS && can_loop; i++)
		ASSERT_OK(arena_free_addr(*arena_elem(test_ptrs, i)));
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	for (i = opaque(0); i < TEST_MAX_PTRS && can_loop; i++) {
		p = arena_malloc_addr(64 << 10);
		if (!p)
			break;
		again++;
	}
	ASSERT_EQ(again, n);
	return 0;
}

/* Tests that hold in both modes: X(name, what it needs (test_attrs.h)). */
#define BUDDY_TESTS(X)				\
	X(init_destroy_repeat)			\
	X(destroy_with_live_allocations)	\
	X(alloc_free_shuffled_sizes)		\
	X(live_patterns_scrambled)		\
	X(blocks_aligned_and_inside)		\
	X(free_null_is_noop)			\
	X(double_free_rejected)			\
	X(misaligned_free_rejected)		\
	X(interior_free_rejected)		\
	X(outside_free_rejected)		\
	X(foreign_free_rejected)		\
	X(bad_sizes_return_null)		\
	X(live_bytes)				\
	X(calloc_zeroes)			\
	X(typed_new)				\
	X(realloc_preserves)			\
	X(aligned_alloc)			\
	X(usable_size)				\
	X(empty_chunks_returned)		\
	X(coalescing_restores_large_blocks)	\
	X(instances_independent)		\
	X(small_arena_exhaustion, __small_arena)

/* Tests of the plain buddy's own bookkeeping (exact buddy-level counts,
 * hand-corrupted freelists). */
#define UNCACHED_TESTS(X)				\
	X(stats_exact)				\
	X(check_detects_corruption)

#endif /* __LIBARENA_BUDDY_TESTS_H */
