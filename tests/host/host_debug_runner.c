// SPDX-License-Identifier: BSD-2-Clause
/*
 * The debug-mode tests on the host build: the allocator and its debug layer
 * compiled with LIBARENA_DEBUG over an mmap'ed region, under ASan and UBSan,
 * so the debug layer's own reports and the compiler's sanitizers both watch
 * the same bugs being provoked.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <time.h>
#include "../progs/debug_tests.h"
#include "runner.h"

struct host_test {
	const char *name;
	int (*fn)(void);
};

#define DEBUG_ENTRY(name, ...) { #name, t_##name },

static const struct host_test tests[] = {
	DEBUG_TESTS(DEBUG_ENTRY)
};

int main(int argc, char **argv)
{
	struct test_run r;
	char name[128];
	size_t i;

	test_run_init(&r, argc, argv);
	srandom(time(NULL));
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		snprintf(name, sizeof(name), "host/%s", tests[i].name);
		if (!test_selected(&r, name))
			continue;
		memset(&test_report, 0, sizeof(test_report));
		test_result(&r, name, test_verdict(tests[i].fn(), &test_report));
	}
	return test_finish(&r);
}
