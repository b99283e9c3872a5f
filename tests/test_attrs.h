/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a test needs of its runner, declared where the test is defined.
 *
 * A BPF test program carries each need as a BTF decl tag, which the kernel
 * runner reads from the object (tests/runner.c), as the kernel selftests'
 * loader reads __success or __retval.  The shared test lists name them
 * after the test, X(small_arena_exhaustion, __small_arena), so that the
 * host runner's table entry gets the same need as a flag.  A test written
 * in C states them in its struct test_case.
 */
#ifndef __LIBARENA_TEST_ATTRS_H
#define __LIBARENA_TEST_ATTRS_H

enum test_needs {
	TEST_SMALL_ARENA = 1 << 0,	/* an arena of TEST_SMALL_ARENA_BYTES */
	TEST_TWO_CPUS = 1 << 1,		/* two online CPUs, or it skips */
	TEST_ON_CPU0 = 1 << 2,		/* the runner's thread pinned to CPU 0 */
};

/* 8 MiB of window plus the 1 MiB guards and alignment slack: small
 * enough for a test to exhaust. */
#define TEST_SMALL_ARENA_BYTES	(11ull << 20)

#define TEST_TAG_PREFIX		"test:"
#define TEST_TAG_SMALL_ARENA	TEST_TAG_PREFIX "small_arena"

#ifdef __BPF__
#define __small_arena	__attribute__((btf_decl_tag(TEST_TAG_SMALL_ARENA)))
#else
/* In a host table entry's initializer: .needs = __VA_ARGS__ 0 */
#define __small_arena	TEST_SMALL_ARENA |
#endif

#endif /* __LIBARENA_TEST_ATTRS_H */
