// SPDX-License-Identifier: BSD-2-Clause
/*
 * The debug-mode object (tests/progs/debug_tests.bpf.c): built with
 * LIBARENA_DEBUG and linked with libarena_debug.bpf.o, its own arena.  Its
 * tests provoke heap bugs on purpose, so there is no reset before them and
 * no heap walk after; the debug layer's reports print under the test that
 * caused them.
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <libarena/debug.h>
#include "suite.h"
#include "debug_tests.skel.h"

static const char *report_kind(__u32 kind)
{
	static const char *const names[REPORT_NR_KINDS] = {
		"none", "heap overflow", "heap underflow", "use after free", "double free",
		"invalid free", "bad access",
	};

	return kind < REPORT_NR_KINDS ? names[kind] : "?";
}

/* Debug reports print under the test that caused them. */
static int print_report(void *ctx, void *data, size_t size)
{
	const struct libarena_report *rep = data;

	if (size < sizeof(*rep))
		return 0;
	test_why("report: %s at %#llx (block %#llx, %llu bytes): offset %lld, found %#llx",
		 report_kind(rep->kind), (unsigned long long)rep->addr,
		 (unsigned long long)rep->block, (unsigned long long)rep->size,
		 (long long)rep->offset, (unsigned long long)rep->found);
	return 0;
}


TEST_SKELETON(debug_tests)

static int debug_load(struct test_env *e)
{
	struct debug_tests *skel = e->skel;
	int err = debug_tests_load(e);

	if (err)
		return err;
	e->report = &skel->arena->test_report;
	e->reports = ring_buffer__new(bpf_map__fd(skel->maps.libarena_reports), print_report,
				      NULL, NULL);
	return e->reports ? 0 : -errno;
}

static void debug_destroy(struct test_env *e)
{
	ring_buffer__free(e->reports);
	debug_tests_destroy(e);
}

const struct test_suite debug_suite = {
	.object = "debug_tests.bpf.o",
	.open = debug_tests_open,
	.load = debug_load,
	.destroy = debug_destroy,
	.prog_prefix = "test_",
	.name_prefix = "kernel/",
	.run_prog = run_test_prog,
};
