/* SPDX-License-Identifier: BSD-2-Clause */
/* What a failed assertion leaves for the runner; shared by BPF and host. */
#ifndef __LIBARENA_TEST_REPORT_H
#define __LIBARENA_TEST_REPORT_H

#include <libarena/common.h>

enum test_cmp {
	TEST_CMP_EQ,
	TEST_CMP_NE,
	TEST_CMP_GE,
	TEST_CMP_LE,
};

struct test_report {
	__u64 nr_asserts;	/* a test that asserts nothing fails */
	__u64 line;		/* of the failed assertion */
	__u64 cmp;		/* enum test_cmp */
	__s64 expected;
	__s64 got;
};

#endif /* __LIBARENA_TEST_REPORT_H */
