// SPDX-License-Identifier: BSD-2-Clause
/* The shared allocator tests as SEC("syscall") programs, one per test. */
#include "cache_tests.h"

#define DEFINE_CACHE_TEST(name)				\
	SEC("syscall") int test_cache_##name(void *ctx)	\
	{						\
		return t_##name(0);			\
	}

#define DEFINE_SEED_TEST(name)				\
	SEC("syscall") int test_seed_##name(void *ctx)	\
	{						\
		return t_##name(BUDDY_NO_PCPU_CACHE);	\
	}

/* Cache-only tests are named after what they test already. */
#define DEFINE_CACHE_ONLY_TEST(name)		\
	SEC("syscall") int test_##name(void *ctx)	\
	{						\
		return t_##name(0);			\
	}

BUDDY_TESTS(DEFINE_SEED_TEST)
SEED_TESTS(DEFINE_SEED_TEST)
BUDDY_TESTS(DEFINE_CACHE_TEST)
CACHE_TESTS(DEFINE_CACHE_ONLY_TEST)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* For the runner's own checks: 100 blocks of 64 B left allocated. */
SEC("syscall")
int fill_default(void *ctx)
{
	int i, n = 0;

	for (i = 0; i < 100; i++)
		n += __arena_malloc(64) != 0;
	return n;
}
