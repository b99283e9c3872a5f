// SPDX-License-Identifier: BSD-2-Clause
/* The debug-mode tests as SEC("syscall") programs (built with LIBARENA_DEBUG). */
#include "debug_tests.h"

#define DEFINE_DEBUG_TEST(name)				\
	SEC("syscall") int test_##name(void *ctx)	\
	{						\
		return t_##name();			\
	}

DEBUG_TESTS(DEFINE_DEBUG_TEST)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
