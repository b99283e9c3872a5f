/* SPDX-License-Identifier: BSD-2-Clause */
/* What a failed assertion leaves for the runner; shared by BPF and host. */
#ifndef __LIBARENA_TEST_REPORT_H
#define __LIBARENA_TEST_REPORT_H

#include <libarena/internal/common.h>

/* Files with test bodies; a header sets TEST_SRC to its own. */
enum test_src {
	TEST_SRC_BUDDY,		/* tests/progs/buddy_tests.h */
	TEST_SRC_CACHE,		/* tests/progs/cache_tests.h */
	TEST_SRC_STRESS,	/* tests/progs/stress_tests.h */
	TEST_SRC_RELIABILITY,	/* tests/progs/reliability_tests.h */
	TEST_SRC_DEBUG,		/* tests/progs/debug_tests.h */
	TEST_SRC_HOST,		/* tests/host/host_runner.c */
	TEST_SRC_PROG_TYPES,	/* tests/progs/prog_types.bpf.c */
	TEST_SRC_UPSTREAM,	/* tests/progs/upstream_tests.h */
	TEST_SRC_SLAB,		/* tests/progs/slab_tests.h */
	TEST_NR_SRCS,
};

enum test_cmp {
	TEST_CMP_EQ,
	TEST_CMP_NE,
	TEST_CMP_GE,
	TEST_CMP_LE,
};

struct test_report {
	__u64 nr_asserts;	/* a test that asserts nothing fails */
	__u64 line;		/* of the failed assertion */
	__u64 src;		/* enum test_src: which file */
	__u64 cmp;		/* enum test_cmp */
	__s64 expected;
	__s64 got;
};

#endif /* __LIBARENA_TEST_REPORT_H */
