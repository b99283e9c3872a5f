// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driver of tests/progs/budget.bpf.c: each public entry point, called
 * from three functions nested under the program's main (BUDGET_USER_STACK
 * bytes among the four frames), must load (so the library's chain fits in
 * the remaining BUDGET_LIBRARY_FRAMES frames and BUDGET_LIBRARY_STACK
 * bytes) and must cost at most BUDGET_ENTRY_INSNS verified instructions
 * (alloc + free together: BUDGET_PAIR_INSNS).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <sys/utsname.h>
#include <libarena/internal/types.h>
#include <libarena/debug.h>	/* budget_debug's arena globals */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel.h"
#include "suite.h"
#include "budget_types.h"
#include "budget.skel.h"
#include "budget_debug.skel.h"

static char budget_log[1 << 20];

/*
 * The user's frames together (main and the three nested functions, the
 * object's first subprograms), from the statistics the verifier prints:
 * up to 7.2 the first terms of "stack depth A+B+..."; from 7.3 one line
 * per function, "subprog N (name) ... stack A".
 */
static int user_stack(const char *log)
{
	const char *s = strstr(log, "stack depth "), *eol;
	char want[32];
	int i, sum = 0;

	if (s && isdigit((unsigned char)s[strlen("stack depth ")])) {
		s += strlen("stack depth ");
		for (i = 0; i < BUDGET_USER_FRAMES && isdigit((unsigned char)*s); i++) {
			sum += strtol(s, (char **)&s, 10);
			s += *s == '+';
		}
		return i == BUDGET_USER_FRAMES ? sum : -1;
	}
	for (i = 0; i < BUDGET_USER_FRAMES; i++) {
		snprintf(want, sizeof(want), "subprog %d (", i);
		s = strstr(log, want);
		if (!s)
			return -1;
		eol = strchrnul(s, '\n');
		s = strstr(s, " stack ");
		if (!s || s > eol)
			return -1;
		sum += atoi(s + strlen(" stack "));
	}
	return sum;
}

/*
 * The instruction budgets hold for the verifiers of 7.0 and later.  Older
 * ones prune less, and by luck: the same programs cost them up to 3.4x as
 * many (budget_alloc_grow: 50,074 on 6.12.118, 45,918 on 6.18.15 and
 * 6.19.14; budget_reserve 41,213 on 6.12.118), still far from their 1M
 * limit.  The change that put every class inline took 6.18.15's
 * budget_alloc from 35,530 to 7,753 and budget_free_grow from 37,908 to
 * 9,874, but budget_alloc_grow from 19,162 to 45,918 and budget_pair from
 * 10,873 to 37,608.
 */
#define BUDGET_OLD_VERIFIER_TENTHS	35	/* 3.5x */

static __u32 insn_limit(const char *name)
{
	__u32 limit = strcmp(name, "budget_pair") ? BUDGET_ENTRY_INSNS : BUDGET_PAIR_INSNS;

	if (!test_kernel_at_least(7, 0))
		limit = limit * BUDGET_OLD_VERIFIER_TENTHS / 10;
	return limit;
}

/* The object a suite lists, as built: plain or debug mode. */
static const void *budget_elf(struct bpf_object *listed, size_t *size)
{
	if (!strcmp(bpf_object__name(listed), "budget_debug"))
		return budget_debug__elf_bytes(size);
	return budget__elf_bytes(size);
}

/* Each program loads alone, in an object of its own: the suite's is only
 * opened, to list them. */
static enum test_status test_budget(struct test_env *e, struct bpf_program *budget_prog)
{
	const char *name = bpf_program__name(budget_prog);
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	enum test_status st = TEST_FAIL;
	const void *elf;
	__u32 insns, limit;
	size_t size;
	int err, stack;

	elf = budget_elf(e->obj, &size);
	obj = bpf_object__open_mem(elf, size, NULL);
	if (!obj) {
		test_why("cannot open %s: %s", bpf_object__name(e->obj), strerror(errno));
		return TEST_FAIL;
	}
	prog = bpf_object__find_program_by_name(obj, name);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	budget_log[0] = 0;
	bpf_program__set_log_buf(prog, budget_log, sizeof(budget_log));
	bpf_program__set_log_level(prog, 4);	/* statistics: stack depths */
	err = bpf_object__load(obj);
	stack = user_stack(budget_log);
	limit = insn_limit(name);
	if (err) {
		test_why("under %d user frames of %d B, expected to load, got %s",
			 BUDGET_USER_FRAMES, BUDGET_USER_STACK, strerror(-err));
		test_why_log_tail(budget_log, 4);
	} else if (stack < BUDGET_USER_STACK) {
		test_why("expected %d B in the user's %d frames, the verifier saw %d B",
			 BUDGET_USER_STACK, BUDGET_USER_FRAMES, stack);
		test_why_log_tail(budget_log, 4);
	} else if ((insns = test_verified_insns(prog)) > limit || !insns) {
		test_why("expected at most %u verified instructions, got %u", limit, insns);
	} else {
		if (getenv("LIBARENA_TEST_VERBOSE"))
			test_why("%u instructions verified, user frames %d B", insns, stack);
		st = TEST_OK;
	}
	bpf_object__close(obj);
	return st;
}

TEST_SKELETON_OPEN(budget)
TEST_SKELETON_OPEN(budget_debug)

/* Both objects' programs are named budget_*: the suite names its tests. */
#define BUDGET_SUITE(obj, tests)					\
	const struct test_suite obj##_suite = {				\
		.object = #obj ".bpf.o",				\
		.open = obj##_open,					\
		.destroy = obj##_destroy,				\
		.prog_prefix = "budget_",				\
		.name_prefix = tests,					\
		.run_prog = test_budget,				\
	}

BUDGET_SUITE(budget, "kernel/budget_");
/* The same entry points and the debug layer's, in a debug build. */
BUDGET_SUITE(budget_debug, "kernel/budget_debug_");
