/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How a kernel test file declares its tests to tests/runner.c: one
 * const struct test_suite NAME_suite, and X(NAME) in TEST_SUITES below.
 *
 * A suite's tests are the programs of its object whose names start with
 * prog_prefix, and the C functions of its cases.  What a test needs (enum
 * test_needs) a program says in BTF decl tags (test_attrs.h), a case in
 * its needs; the runner provides it or skips the test with the reason.
 */
#ifndef __LIBARENA_TESTS_SUITE_H
#define __LIBARENA_TESTS_SUITE_H

#include <errno.h>
#include <bpf/libbpf.h>
#include <libarena/internal/types.h>
#include "runner.h"

/* The suite's object, as its tests see it. */
struct test_env {
	void *skel;			/* the suite's skeleton */
	struct bpf_object *obj;
	/* Filled in by the suite's load, for run_test_prog(): */
	struct test_report *report;	/* the object's test_report */
	struct ring_buffer *reports;	/* the debug layer's, if any */
	int stress_seconds;		/* --stress-seconds */
};

struct test_case {
	const char *name;		/* as printed: "kernel/..." */
	enum test_status (*fn)(struct test_env *e, const void *arg);
	unsigned int needs;		/* enum test_needs */
	const void *arg;		/* fn's own */
};

struct test_suite {
	const char *object;		/* its file, for messages */
	/* Open the object the tests share into e->skel and e->obj: 0 or
	 * -errno.  NULL: the tests bring their own. */
	int (*open)(struct test_env *e);
	/* Load it, once one of the tests is to run: 0 or -errno.  NULL: the
	 * tests load what they need from the opened object. */
	int (*load)(struct test_env *e);
	void (*destroy)(struct test_env *e);
	/* Programs named prog_prefix... are tests named name_prefix...; run
	 * by run_prog. */
	const char *prog_prefix;
	const char *name_prefix;
	enum test_status (*run_prog)(struct test_env *e, struct bpf_program *prog);
	const struct test_case *cases;
	unsigned int nr_cases;
};

#define TEST_CASES(array)	.cases = array, .nr_cases = sizeof(array) / sizeof(array[0])

/* Run a test program of e's object: its verdict, with the reports of the
 * debug layer if e has them.  A suite's run_prog may do more around it. */
enum test_status run_test_prog(struct test_env *e, struct bpf_program *prog);

/* Every suite, in the order they run. */
#define TEST_SUITES(X)	\
	X(buddy)	\
	X(nested)	\
	X(budget)	\
	X(budget_debug)	\
	X(async_refill)	\
	X(prog_types)	\
	X(feed)		\
	X(debug)

#define DECLARE_TEST_SUITE(name)	extern const struct test_suite name##_suite;
TEST_SUITES(DECLARE_TEST_SUITE)

/* The open and destroy of a suite whose tests share the skeleton `name`
 * (name.skel.h), as name_open() and name_destroy(). */
#define TEST_SKELETON_OPEN(name)					\
static int name##_open(struct test_env *e)				\
{									\
	struct name *s = name##__open();				\
									\
	if (!s)								\
		return -errno;						\
	e->skel = s;							\
	e->obj = s->obj;						\
	return 0;							\
}									\
									\
static void name##_destroy(struct test_env *e)				\
{									\
	name##__destroy(e->skel);					\
}

/* The same and name_load(), for a suite that loads it too. */
#define TEST_SKELETON(name)						\
TEST_SKELETON_OPEN(name)						\
									\
static int name##_load(struct test_env *e)				\
{									\
	return name##__load(e->skel);					\
}

/* The suite's fields for a TEST_SKELETON(name). */
#define TEST_SKELETON_SUITE(name)					\
	.object = #name ".bpf.o", .open = name##_open,			\
	.load = name##_load, .destroy = name##_destroy

/* For an object of test programs (test_common.h): name_load() finds its
 * test_report too. */
#define TEST_PROGS_SKELETON(name)					\
TEST_SKELETON_OPEN(name)						\
									\
static int name##_load(struct test_env *e)				\
{									\
	struct name *s = e->skel;					\
	int err = name##__load(s);					\
									\
	if (!err)							\
		e->report = &s->arena->test_report;			\
	return err;							\
}

#endif /* __LIBARENA_TESTS_SUITE_H */
