/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Programs in the style of upstream libarena's own tests, built through
 * <libarena/upstream.h>: the caller's loops start at `zero` with can_loop,
 * allocate through the inline buddy_alloc()/buddy_free() and check every
 * byte.  They must verify and pass in both modes and in the debug build.
 */
#ifndef __LIBARENA_UPSTREAM_TESTS_H
#define __LIBARENA_UPSTREAM_TESTS_H

#include "test_common.h"
#include <libarena/upstream.h>
#include <libarena/asan.h>	/* as upstream's tests, in every build */

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_UPSTREAM

#define UP_SEGS		512
#define UP_ROUNDS	800

struct buddy __arena up_buddy;
__u64 __arena up_blocks[UP_SEGS];	/* block i holds up_size(i) bytes of (u8)i */

/* Odd sizes, 1 B .. 1 KiB, computed (a table indexed by the loop counter
 * would make the verifier walk every iteration). */
static __always_inline __u64 up_size(__u32 i)
{
	return 1 + (i * 131) % 1024;
}

/* 512 blocks allocated and filled byte by byte, all checked, all freed. */
static __always_inline int t_upstream_512_blocks(__u64 flags)
{
	struct buddy __arena *b = &up_buddy;
	__u8 __arena *mem;
	__u64 sz, j;
	__u32 i;

	ASSERT_OK(buddy_destroy(b));	/* upstream's drivers destroy first */
	ASSERT_OK(buddy_init_flags(b, flags));
	for (i = zero; i < UP_SEGS && can_loop; i++) {
		sz = up_size(i);
		mem = buddy_alloc(b, sz);
		ASSERT_NOT_NULL(mem);
		*arena_elem(up_blocks, i) = arena_addr(mem);
		for (j = zero; j < sz && can_loop; j++)
			*arena_elem(mem, j) = (__u8)i;
	}
	ASSERT_EQ(i, UP_SEGS);
	for (i = zero; i < UP_SEGS && can_loop; i++) {
		mem = arena_ptr(*arena_elem(up_blocks, i));
		sz = up_size(i);
		for (j = zero; j < sz && can_loop; j++)
			if (*arena_elem(mem, j) != (__u8)i)
				break;
		ASSERT_EQ(j, sz);
	}
	ASSERT_EQ(i, UP_SEGS);
	for (i = zero; i < UP_SEGS && can_loop; i++)
		ASSERT_OK(buddy_free(b, arena_ptr(*arena_elem(up_blocks, i))));
	ASSERT_EQ(i, UP_SEGS);
	ASSERT_OK(buddy_check(b));
	ASSERT_OK(buddy_destroy(b));
	ASSERT_OK(buddy_destroy(b));	/* and again: idempotent */
	return 0;
}

/* 800 rounds of alloc, write, free in the caller's loop. */
static __always_inline int t_upstream_800_rounds(__u64 flags)
{
	struct buddy __arena *b = &up_buddy;
	__u8 __arena *mem;
	__u32 i;

	ASSERT_OK(buddy_destroy(b));
	ASSERT_OK(buddy_init_flags(b, flags));
	for (i = zero; i < UP_ROUNDS && can_loop; i++) {
		mem = buddy_alloc(b, up_size(i) * 4);	/* up to 4 KiB */
		ASSERT_NOT_NULL(mem);
		mem[0] = (__u8)i;
		ASSERT_OK(buddy_free(b, mem));
	}
	ASSERT_EQ(i, UP_ROUNDS);
	ASSERT_OK(buddy_check(b));
	ASSERT_OK(buddy_destroy(b));
	return 0;
}

#define UPSTREAM_TESTS(X)		\
	X(upstream_512_blocks)		\
	X(upstream_800_rounds)

#endif /* __LIBARENA_UPSTREAM_TESTS_H */
