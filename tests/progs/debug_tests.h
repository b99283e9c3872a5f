/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Debug-mode tests (LIBARENA_DEBUG, linked with libarena_debug.bpf.o): each
 * bug class provoked on purpose, and the exact report asserted: kind,
 * address, requested size, offset, the byte found.
 */
#ifndef __LIBARENA_DEBUG_TESTS_H
#define __LIBARENA_DEBUG_TESTS_H

#include "test_common.h"
#include "upstream_tests.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_DEBUG

extern __u64 __arena libarena_nr_reports;

static __always_inline void poke(__u64 addr, __s64 off, __u8 byte)
{
	*(volatile __u8 __arena *)arena_ptr(addr + off) = byte;
}

/* Exactly one new report since `before`, and it says this. */
static __always_inline int expect_report(__u64 before, __u32 kind, __u64 addr, __u64 size,
					 __s64 offset, __u64 found)
{
	struct libarena_report __arena *r = &libarena_last_report;

	ASSERT_EQ(libarena_nr_reports, before + 1);
	ASSERT_EQ(r->kind, kind);
	ASSERT_EQ(r->addr, addr);
	ASSERT_EQ(r->size, size);
	ASSERT_EQ(r->offset, offset);
	ASSERT_EQ(r->found, found);
	return 0;
}

static __always_inline int t_debug_overflow_one_past_end(void)
{
	static const __u64 sizes[] = { 1, 8, 13, 64, 100, 4000 };
	__u64 p, before;
	int i;

	for (i = 0; i < 6; i++) {
		p = arena_malloc_addr(sizes[i]);
		ASSERT_NE(p, 0);
		poke(p, sizes[i], 0x41);
		before = libarena_nr_reports;
		ASSERT_OK(arena_free_addr(p));
		CHECK_OK(expect_report(before, REPORT_OVERFLOW, p, sizes[i], sizes[i], 0x41));
	}
	return 0;
}

static __always_inline int t_debug_overflow_far(void)
{
	__u64 p = arena_malloc_addr(24), before;

	ASSERT_NE(p, 0);
	poke(p, 24 + 20, 0x42);		/* far, still inside the block */
	before = libarena_nr_reports;
	ASSERT_OK(arena_free_addr(p));
	return expect_report(before, REPORT_OVERFLOW, p, 24, 44, 0x42);
}

static __always_inline int t_debug_underflow(void)
{
	__u64 p = arena_malloc_addr(40), q = arena_malloc_addr(40), before;

	ASSERT_NE(p && q, 0);
	poke(p, -1, 0x43);
	before = libarena_nr_reports;
	ASSERT_OK(arena_free_addr(p));
	CHECK_OK(expect_report(before, REPORT_UNDERFLOW, p, 40, -1, 0x43));
	/* arena_check() finds it without freeing. */
	poke(q, -2, 0x44);
	before = libarena_nr_reports;
	ASSERT_EQ(arena_check_addr(q), -EUCLEAN);
	CHECK_OK(expect_report(before, REPORT_UNDERFLOW, q, 40, -2, 0x44));
	return 0;
}

static __always_inline int t_debug_use_after_free(void)
{
	static const __u64 sizes[] = { 16, 200, 3000 };
	__u64 p, before;
	int i;

	for (i = 0; i < 3; i++) {
		p = arena_malloc_addr(sizes[i]);
		ASSERT_NE(p, 0);
		ASSERT_OK(arena_free_addr(p));
		poke(p, sizes[i] / 2, 0x45);	/* write after free */
		before = libarena_nr_reports;
		ASSERT_GE(arena_debug_flush(), 1);	/* leaving quarantine */
		CHECK_OK(expect_report(before, REPORT_USE_AFTER_FREE, p, sizes[i],
				       sizes[i] / 2, 0x45));
	}
	return 0;
}

static __always_inline int t_debug_double_free(void)
{
	__u64 p = arena_malloc_addr(32), before;

	ASSERT_NE(p, 0);
	ASSERT_OK(arena_free_addr(p));
	before = libarena_nr_reports;
	ASSERT_EQ(arena_free_addr(p), -EALREADY);
	return expect_report(before, REPORT_DOUBLE_FREE, p, 32, 0, 0);
}

static __always_inline int t_debug_interior_free(void)
{
	__u64 p = arena_malloc_addr(64), before;

	ASSERT_NE(p, 0);
	before = libarena_nr_reports;
	ASSERT_NE(arena_free_addr(p + 16), 0);
	CHECK_OK(expect_report(before, REPORT_INVALID_FREE, p + 16, 0, 0, 0));
	ASSERT_OK(arena_check_addr(p));	/* the block itself is untouched */
	return 0;
}

struct odd_struct {
	char name[13];
};

static __always_inline int t_debug_struct_last_byte(void)
{
	struct odd_struct __arena *o = arena_malloc(sizeof(*o));
	volatile int past = sizeof(o->name);
	__u64 before;

	ASSERT_NOT_NULL(o);
	*arena_elem(o->name, past) = 0x46;	/* one byte past the struct */
	before = libarena_nr_reports;
	ASSERT_OK(arena_free_addr(arena_addr(o)));
	return expect_report(before, REPORT_OVERFLOW, arena_addr(o), 13, 13, 0x46);
}

/* The shadow map: what the __asan_* checks (and a compiler) see. */
static __always_inline int t_debug_shadow_checks(void)
{
	__u64 p = arena_malloc_addr(20), before;

	ASSERT_NE(p, 0);
	before = libarena_nr_reports;
	ASSERT_OK(__asan_load8(p));
	ASSERT_OK(__asan_load4(p + 16));	/* bytes 16..19 of 20 */
	ASSERT_EQ(libarena_nr_reports, before);
	ASSERT_EQ(__asan_store1(p + 20), -EFAULT);
	CHECK_OK(expect_report(before, REPORT_BAD_ACCESS, p + 20, 0, 0, 4));
	ASSERT_OK(arena_free_addr(p));
	before = libarena_nr_reports;
	ASSERT_EQ(__asan_load1(p), -EFAULT);
	return expect_report(before, REPORT_USE_AFTER_FREE, p, 0, 0, SHADOW_FREED);
}

/* A correct workload says nothing. */
static __always_inline int t_debug_clean_workload(void)
{
	__u64 before = libarena_nr_reports, p, q, size;
	__u32 i;

	for (i = opaque(0); i < 500 && can_loop; i++) {
		size = 1 + test_rand() % 3000;
		p = arena_malloc_addr(size);
		ASSERT_NE(p, 0);
		poke(p, 0, 1);
		poke(p, size - 1, 2);
		ASSERT_OK(arena_check_addr(p));
		if (i % 3 == 0) {
			q = arena_realloc_addr(p, size * 2);
			ASSERT_NE(q, 0);
			p = q;
		}
		ASSERT_OK(arena_free_addr(p));
	}
	ASSERT_EQ(i, 500);
	arena_debug_flush();
	ASSERT_EQ(libarena_nr_reports, before);
	return 0;
}

#define UP_KEEP		64
#define UP_PATTERN	0x6b656570ull	/* "keep" */

static __always_inline __u64 keeper_stamp(__u32 i)
{
	return UP_PATTERN << 32 | i;
}

/*
 * Blocks quarantined before a destroy must not be released into the
 * instance that follows: their addresses may hold live blocks again.
 * (Upstream's alloc/free test followed by its 512-block test in one
 * object overwrote a live block this way.)
 */
static __always_inline int t_debug_quarantine_destroy_reuse(void)
{
	struct buddy __arena *b = &up_buddy;
	__u64 before, p;
	__u32 i;

	ASSERT_OK(buddy_destroy(b));
	ASSERT_OK(buddy_init_flags(b, 0));
	arena_debug_flush();
	for (i = zero; i < UP_KEEP && can_loop; i++)
		ASSERT_OK(buddy_free(b, buddy_alloc(b, 64)));	/* into quarantine */
	ASSERT_OK(buddy_reset(b));
	before = libarena_nr_reports;
	for (i = zero; i < UP_KEEP && can_loop; i++) {
		p = arena_addr(buddy_alloc(b, 64));
		ASSERT_NE(p, 0);
		*(__u64 __arena *)arena_ptr(p) = keeper_stamp(i);
		*arena_elem(up_blocks, i) = p;
	}
	/* Churn past the quarantine's size: every slot is evicted. */
	for (i = zero; i < DBG_QUARANTINE + UP_KEEP && can_loop; i++)
		ASSERT_OK(buddy_free(b, buddy_alloc(b, 64)));
	for (i = zero; i < UP_KEEP && can_loop; i++)
		ASSERT_EQ(*(__u64 __arena *)arena_ptr(*arena_elem(up_blocks, i)),
			  keeper_stamp(i));
	ASSERT_EQ(libarena_nr_reports, before);
	for (i = zero; i < UP_KEEP && can_loop; i++)
		ASSERT_OK(buddy_free(b, arena_ptr(*arena_elem(up_blocks, i))));
	ASSERT_OK(buddy_destroy(b));
	return 0;
}

/* The ASan runtime names of <libarena/asan.h> on a live block. */
static __always_inline int t_debug_asan_names(void)
{
	__u64 p = arena_malloc_addr(64), before;

	ASSERT_NE(p, 0);
	asan_violated = 0;
	ASSERT_EQ(asan_shadow_value(p), 0);
	ASSERT_EQ(asan_shadow_set(p + 56), 0);
	ASSERT_EQ(asan_shadow_set(p + 64), 1);	/* the right redzone */
	ASSERT_EQ(ASAN_GRANULE(p + 13), 5);
	ASSERT_OK(asan_init(NULL));
	ASSERT_OK(asan_poison(p, SHADOW_REDZONE, 16));
	ASSERT_EQ(asan_shadow_value(p + 8), SHADOW_REDZONE);
	before = libarena_nr_reports;
	ASSERT_EQ(__asan_load8(p + 8), -EFAULT);
	ASSERT_EQ(asan_violated, p + 8);
	ASSERT_EQ(libarena_nr_reports, before + 1);
	asan_violated = 0;
	ASSERT_OK(asan_unpoison(p, 16));
	ASSERT_OK(__asan_load8(p + 8));
	ASSERT_EQ(asan_violated, 0);
	ASSERT_EQ(asan_shadow_value(0), -EFAULT);	/* not heap */
	ASSERT_OK(arena_free_addr(p));
	return 0;
}

#define DEBUG_TESTS(X)				\
	X(debug_overflow_one_past_end)		\
	X(debug_overflow_far)			\
	X(debug_underflow)			\
	X(debug_use_after_free)			\
	X(debug_double_free)			\
	X(debug_interior_free)			\
	X(debug_struct_last_byte)		\
	X(debug_shadow_checks)			\
	X(debug_clean_workload)			\
	X(debug_quarantine_destroy_reuse)	\
	X(debug_asan_names)

#endif /* __LIBARENA_DEBUG_TESTS_H */
