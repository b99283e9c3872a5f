// SPDX-License-Identifier: BSD-2-Clause
/*
 * One program per public entry point, called as a user would from deep
 * in their own code: three nested functions under the program's main,
 * BUDGET_USER_STACK bytes of stack among the four.  The verifier allows 8
 * frames and 512 bytes, so the program loads only if the library's
 * deepest chain under that entry point takes at most BUDGET_LIBRARY_FRAMES
 * frames and BUDGET_LIBRARY_STACK bytes.  tests/budget.c loads them one at
 * a time and also checks the verifier's instruction count.  The
 * any-context entry points are tc programs (not sleepable), the others
 * syscall programs.
 */
#include <libarena/libarena.h>
#include "budget_types.h"

/* A frame of `bytes` that the compiler cannot shrink. */
#define CALLER_FRAME(bytes)						\
	char frame[bytes];						\
	__builtin_memset(frame, 1, sizeof(frame));			\
	asm volatile("" :: "r"(frame) : "memory")

/* main -> depth1 -> depth2 -> depth3 -> the entry point. */
#define BUDGET_NEST(name, body)						\
	static __noinline int name##_depth3(void)			\
	{								\
		CALLER_FRAME(BUDGET_NESTED_FRAME);			\
		body;							\
	}								\
	static __noinline int name##_depth2(void)			\
	{								\
		CALLER_FRAME(BUDGET_NESTED_FRAME);			\
		return name##_depth3();					\
	}								\
	static __noinline int name##_depth1(void)			\
	{								\
		CALLER_FRAME(BUDGET_NESTED_FRAME);			\
		return name##_depth2();					\
	}

#define BUDGET_PROG(sec, name, call)					\
	BUDGET_NEST(name, return (call) != 0)				\
	SEC(sec) int budget_##name(void *ctx)				\
	{								\
		CALLER_FRAME(BUDGET_MAIN_FRAME);			\
		return name##_depth1();					\
	}

BUDGET_PROG("tc", alloc, buddy_alloc_addr(&libarena_heap, 64))
BUDGET_PROG("tc", free, buddy_free_addr(&libarena_heap, 0))
BUDGET_PROG("tc", usable_size, buddy_usable_size_addr(&libarena_heap, 0))
BUDGET_PROG("tc", trim, buddy_trim(&libarena_heap))
BUDGET_PROG("tc", set_reserve, buddy_set_reserve(&libarena_heap, 1 << 20, 4 << 20))
BUDGET_PROG("tc", set_cache_budget, buddy_set_cache_budget(&libarena_heap, 1 << 18))
BUDGET_PROG("tc", check, buddy_check(&libarena_heap))
BUDGET_PROG("syscall", alloc_grow, buddy_alloc_addr_grow(&libarena_heap, 64))
BUDGET_PROG("syscall", free_grow, buddy_free_addr_grow(&libarena_heap, 0))
BUDGET_PROG("syscall", init, buddy_init_flags(&libarena_heap, 0))
BUDGET_PROG("syscall", destroy, buddy_destroy(&libarena_heap))
BUDGET_PROG("syscall", reset, buddy_reset(&libarena_heap))
BUDGET_PROG("syscall", refill, buddy_refill(&libarena_heap))
BUDGET_PROG("syscall", reserve, buddy_reserve(&libarena_heap, 1 << 20))
BUDGET_PROG("syscall", shrink, buddy_shrink(&libarena_heap))

/* The inline fast paths keep their values in registers (they spilled a
 * word into the caller's frame while the free's checks ran before the
 * guard's kfunc call); the driver checks main's frame in the verifier log. */
static __always_inline int budget_pair_body(void)
{
	void __arena *p = arena_malloc(64);

	if (p)
		arena_free(p);
	return 0;
}

BUDGET_PROG("tc", pair, budget_pair_body())

#ifdef LIBARENA_DEBUG
/* What a debug build adds: the layer's inline wrappers (the pair above
 * goes through them too) and its own calls.  A free of an address the
 * verifier cannot know walks every branch of the wrapper. */
BUDGET_PROG("tc", debug_free, arena_free_addr(opaque(0)))
BUDGET_PROG("tc", debug_flush, arena_debug_flush())
BUDGET_PROG("tc", debug_check, arena_check_addr(opaque(0)))
BUDGET_PROG("tc", debug_usable_size, arena_usable_size_addr(opaque(0)))
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";
