// SPDX-License-Identifier: BSD-2-Clause
/* The debug-mode tests as SEC("syscall") programs (built with LIBARENA_DEBUG). */
#include "debug_tests.h"

#define DEFINE_DEBUG_TEST(name, ...)				\
	__VA_ARGS__ SEC("syscall") int test_##name(void *ctx)	\
	{							\
		return t_##name();				\
	}

DEBUG_TESTS(DEFINE_DEBUG_TEST)

/* Upstream-style loops in the debug build (redzones, quarantine, shadow),
 * and what upstream's ASan programs and their drivers rely on. */
#define DEFINE_DEBUG_UPSTREAM_TEST(name, ...)				\
	__VA_ARGS__ SEC("syscall") int test_debug_##name(void *ctx)	\
	{								\
		return t_##name(0);					\
	}

UPSTREAM_TESTS(DEFINE_DEBUG_UPSTREAM_TEST)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
