// SPDX-License-Identifier: BSD-2-Clause
/*
 * The debug-mode object (tests/progs/debug_tests.bpf.c): built with
 * LIBARENA_DEBUG and linked with libarena_debug.bpf.o, its own arena.  Its
 * tests provoke heap bugs on purpose, so there is no reset before them and
 * no heap walk after (run_test_prog() alone); the debug layer's reports
 * print under the test that caused them (tests/runner.c).
 */
#define _GNU_SOURCE
#include <libarena/debug.h>
#include "suite.h"
#include "debug_tests.skel.h"

TEST_PROGS_SKELETON(debug_tests)

const struct test_suite debug_suite = {
	TEST_SKELETON_SUITE(debug_tests),
	.prog_prefix = "test_",
	.name_prefix = "kernel/",
	.run_prog = run_test_prog,
};
