// SPDX-License-Identifier: BSD-2-Clause
/*
 * Instruction budgets: executed x86 instructions (and locked ones) per
 * alloc+free pair, counted by qemu (tools/insn-count) on the benchmark's
 * own programs, against the budgets in count_budgets.h.  Run under
 * scripts/kernel-vm --count-insns (make test does); the counts are exact
 * and repeatable, unlike the emulated CPU's nanoseconds.  Under
 * scripts/kernel-vm --profile-insns each test also prints where its
 * instructions went, by function and by block (insn_profile.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runner.h"
#include "count_budgets.h"
#include "../../bench/count_run.h"
#include "../../tools/insn-count/insn_count.h"
#include "../../tools/insn-count/insn_profile.h"
#include "bench.skel.h"

/* Runs of n and 2n operations, the difference counted: short, so that
 * most runs miss the timer tick; the calibration's loop is cheap, so it
 * needs more to drown the marks' own variation (their pread waits on
 * virtiofs: a few dozen instructions more or less). */
#define PAIRS_PER_RUN		250
#define CALIBRATION_PER_RUN	20000
/* An interrupt's locked instructions, spread over the pairs of a run. */
#define LOCKED_NOISE	0.05

/* Functions, and twice as many blocks, a profile shows. */
#define PROFILE_TOP	100

static struct bench *skel;
static int count_fd = -1;
static int profiling;

/* A loop of six instructions, n times: the counter's own check. */
static int run_calibration(void *arg, unsigned long long n)
{
	asm volatile("1:\n\t"
		     "nop\n\tnop\n\tnop\n\tnop\n\t"
		     "dec %0\n\t"
		     "jnz 1b" : "+r"(n) :: "cc");
	return 0;
}

static void check_per_op(struct test_run *r, const char *name,
			 int (*run)(void *, unsigned long long), void *arg, unsigned long long n,
			 double least, double budget, double locked_budget)
{
	struct insn_count c;
	int err;

	if (!test_selected(r, name))
		return;
	err = insn_count_per_op(count_fd, run, arg, n, &c);
	if (err) {
		test_why("counting failed: %s", strerror(-err));
		test_result(r, name, TEST_FAIL);
		return;
	}
	if (least > 0)
		test_why("%.2f instructions per iteration (expected %.2f..%.2f)", c.insns, least, budget);
	else
		test_why("%.1f instructions, %.2f locked per pair (budget %.0f, %.0f locked)",
			 c.insns, c.locked, budget, locked_budget);
	if (c.insns > budget || c.insns < least)
		test_why("expected %.2f..%.2f instructions, got %.2f", least, budget, c.insns);
	if (c.locked > locked_budget + LOCKED_NOISE)
		test_why("expected <= %.0f locked instructions, got %.2f", locked_budget, c.locked);
	test_result(r, name, c.insns >= least && c.insns <= budget &&
		    c.locked <= locked_budget + LOCKED_NOISE ? TEST_OK : TEST_FAIL);
	/* Every try ran n, then 2n operations. */
	if (profiling && insn_profile_print(stdout, 3.0 * n * INSN_COUNT_TRIES, PROFILE_TOP))
		printf("    no profile to read\n");
}

static void check_pairs(struct test_run *r, const char *name, struct bpf_program *prog,
			__u64 size, int uncached, double budget, double locked_budget)
{
	struct count_run run = { .prog = prog, .args = { .size = size, .uncached = uncached } };

	check_per_op(r, name, count_run_prog, &run, PAIRS_PER_RUN, 0, budget, locked_budget);
}

static int setup(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	count_fd = insn_count_open();
	if (count_fd < 0)
		return count_fd;
	profiling = insn_profile_enable();
	err = test_pin_cpu(0);
	if (err)
		return err;
	skel = bench__open_and_load();
	if (!skel)
		return -errno;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.bench_setup), &opts);
	return err ? -errno : opts.retval;
}

int main(int argc, char **argv)
{
	struct test_run r;
	int err;

	test_run_init(&r, argc, argv);
	err = setup();
	if (err) {
		test_why(err == -ENOENT ? "not under the counting plugin: run through "
			 "scripts/kernel-vm --count-insns (make test does)" :
			 "setting up: %s", strerror(-err));
		test_result(&r, "count/*", TEST_FAIL);
		bench__destroy(skel);
		return test_finish(&r);
	}
	check_per_op(&r, "count/calibration_six_instruction_loop", run_calibration, NULL,
		     CALIBRATION_PER_RUN, 6 - COUNT_CALIBRATION_SLACK, 6 + COUNT_CALIBRATION_SLACK, 0);
	check_pairs(&r, "count/cached_pair_16", skel->progs.bench_pairs, 16, 0,
		    COUNT_CACHED_PAIR, 0);
	check_pairs(&r, "count/cached_pair_256", skel->progs.bench_pairs, 256, 0,
		    COUNT_CACHED_PAIR, 0);
	check_pairs(&r, "count/cached_pair_4096", skel->progs.bench_pairs, 4096, 0,
		    COUNT_CACHED_PAIR, 0);
	check_pairs(&r, "count/cached_pair_65536", skel->progs.bench_pairs, 65536, 0,
		    COUNT_CACHED_LARGE_PAIR, COUNT_CACHED_LARGE_LOCKED);
	check_pairs(&r, "count/uncached_pair_16", skel->progs.bench_pairs, 16, 1,
		    COUNT_UNCACHED_SMALL_PAIR, COUNT_UNCACHED_LOCKED);
	check_pairs(&r, "count/uncached_pair_4096", skel->progs.bench_pairs, 4096, 1,
		    COUNT_UNCACHED_PAGE_PAIR, COUNT_UNCACHED_LOCKED);
	bench__destroy(skel);
	return test_finish(&r);
}
