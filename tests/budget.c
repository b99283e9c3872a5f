// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driver of tests/progs/budget.bpf.c: each public entry point must load
 * under a caller that uses BUDGET_CALLER_STACK bytes of stack (so the
 * library's chain fits in the remaining 128 B) and must cost at most
 * BUDGET_ENTRY_INSNS verified instructions (alloc + free together:
 * BUDGET_PAIR_INSNS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libarena/internal/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runner.h"
#include "kernel.h"
#include "budget_types.h"
#include "budget.skel.h"
#include "budget.h"

static char budget_log[1 << 20];

/* The caller's own frame: the first term of "stack depth A+B+...". */
static int caller_stack(const char *log)
{
	const char *s = strstr(log, "stack depth ");

	return s ? atoi(s + strlen("stack depth ")) : -1;
}

static enum test_status test_budget(const char *name)
{
	struct bpf_program *prog, *p;
	struct budget *skel;
	enum test_status st = TEST_FAIL;
	__u32 insns, limit;
	int err, stack;

	skel = budget__open();
	if (!skel) {
		test_why("cannot open budget.bpf.o: %s", strerror(errno));
		return TEST_FAIL;
	}
	prog = bpf_object__find_program_by_name(skel->obj, name);
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == prog);
	budget_log[0] = 0;
	bpf_program__set_log_buf(prog, budget_log, sizeof(budget_log));
	bpf_program__set_log_level(prog, 4);	/* statistics: stack depths */
	err = budget__load(skel);
	stack = caller_stack(budget_log);
	limit = strcmp(name, "budget_pair") ? BUDGET_ENTRY_INSNS : BUDGET_PAIR_INSNS;
	if (err) {
		test_why("with a %d B caller frame, expected to load, got %s", stack,
			 strerror(-err));
		test_why_log_tail(budget_log, 4);
	} else if (stack < BUDGET_CALLER_STACK) {
		test_why("expected a caller frame of %d B, the verifier saw %d B",
			 BUDGET_CALLER_STACK, stack);
	} else if ((insns = test_verified_insns(prog)) > limit || !insns) {
		test_why("expected at most %u verified instructions, got %u", limit, insns);
	} else {
		if (getenv("LIBARENA_TEST_VERBOSE"))
			test_why("%u instructions verified, caller frame %d B", insns, stack);
		st = TEST_OK;
	}
	budget__destroy(skel);
	return st;
}

void run_budget_tests(struct test_run *r)
{
	struct bpf_program *prog;
	struct budget *skel;
	char name[128];

	/* Opened once only to list the programs. */
	skel = budget__open();
	if (!skel) {
		test_why("cannot open budget.bpf.o: %s", strerror(errno));
		test_result(r, "kernel/budget", TEST_FAIL);
		return;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		const char *pname = bpf_program__name(prog);

		if (strncmp(pname, "budget_", 7))
			continue;
		snprintf(name, sizeof(name), "kernel/budget_%s", pname + 7);
		if (test_selected(r, name))
			test_result(r, name, test_budget(pname));
	}
	budget__destroy(skel);
}
