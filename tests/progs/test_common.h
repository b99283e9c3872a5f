/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Assertions for test bodies that compile both as BPF programs and in the
 * host build.  A failed assertion records line, expected and got in the
 * arena global test_report and returns 1 from the test body.
 */
#ifndef __LIBARENA_TEST_COMMON_H
#define __LIBARENA_TEST_COMMON_H

/* Test programs are SEC("syscall"): sleepable, so they may grow inline,
 * unless a file tests the any-context entry points (TEST_ANY_CONTEXT). */
#ifndef TEST_ANY_CONTEXT
#define LIBARENA_SLEEPABLE
#endif
#include <libarena/libarena.h>
#include "test_report.h"
#include "test_attrs.h"

struct test_report __arena test_report;

#ifdef __BPF__
#define test_rand()	bpf_get_prandom_u32()
#else
#include <stdlib.h>
#define test_rand()	((__u32)random())
#endif

/*
 * Out of line: clang 19 may reuse an arena global's address without its
 * address-space cast on a cold branch, which the verifier rejects.
 */
static __attribute__((noinline)) int test_fail(__u64 line, __u64 src, __u64 cmp,
					       __s64 expected, __s64 got)
{
	struct test_report __arena *r = &test_report;

	r->line = line;
	r->src = src;
	r->cmp = cmp;
	r->expected = expected;
	r->got = got;
	return 1;
}

#define __TEST_ASSERT(cmp_kind, cond, _g, _e)				\
	do {								\
		__s64 __got = (__s64)(_g), __exp = (__s64)(_e);		\
		test_report.nr_asserts++;				\
		if (!(cond))						\
			return test_fail(__LINE__, TEST_SRC, cmp_kind,	\
					 __exp, __got);			\
	} while (0)

#define ASSERT_EQ(_g, _e)	__TEST_ASSERT(TEST_CMP_EQ, __got == __exp, _g, _e)
#define ASSERT_NE(_g, _e)	__TEST_ASSERT(TEST_CMP_NE, __got != __exp, _g, _e)
#define ASSERT_GE(_g, _e)	__TEST_ASSERT(TEST_CMP_GE, __got >= __exp, _g, _e)
#define ASSERT_LE(_g, _e)	__TEST_ASSERT(TEST_CMP_LE, __got <= __exp, _g, _e)
#define ASSERT_TRUE(x)		ASSERT_EQ(!!(x), 1)
#define ASSERT_OK(x)		ASSERT_EQ((x), 0)
#define ASSERT_NULL(p)		ASSERT_EQ(arena_addr(p), 0)
#define ASSERT_NOT_NULL(p)	ASSERT_NE(arena_addr(p), 0)
/* Propagate a failure from a helper that uses assertions itself. */
#define CHECK_OK(call)		do { if (call) return 1; } while (0)

#endif /* __LIBARENA_TEST_COMMON_H */
