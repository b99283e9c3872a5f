/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's side of insn_count.so (see insn_count.c): executed
 * instructions, and locked ones, between two points of a pinned thread,
 * counted by qemu.  scripts/kernel-vm --count-insns loads the plugin and
 * names its file in LIBARENA_INSN_COUNT.
 *
 *   insn_count_per_op(fd, run, arg, n, &per_op)
 *
 * switches counting on, runs run(arg, n) and run(arg, 2n), each between
 * two marks, switches it off (it slows the guest), and gives the
 * difference divided by n: what one more operation costs, the run's fixed
 * cost (the system call, the test run's setup) cancelled out.  The least
 * of seven tries is kept: an interrupt only ever adds.
 * insn_count_steps_per_op() does the same for an operation made of steps
 * on chosen CPUs (the thread is left on the last one's).  Define
 * _GNU_SOURCE before any include (sched_getcpu(), sched_setaffinity()).
 */
#ifndef __LIBARENA_INSN_COUNT_H
#define __LIBARENA_INSN_COUNT_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define INSN_COUNT_ENV		"LIBARENA_INSN_COUNT"
#define INSN_COUNT_LINE		64	/* bytes per vCPU in the plugin's file */
#define INSN_COUNT_TRIES	7

struct insn_count {
	double insns;
	double locked;
};

/* The plugin's file, or -ENOENT when not run under the plugin. */
static inline int insn_count_open(void)
{
	const char *path = getenv(INSN_COUNT_ENV);
	int fd;

	if (!path || !*path)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* This vCPU's counts so far: the marker, then the line the plugin wrote
 * for it before the marker ran.  The thread must not migrate. */
static inline int insn_count_mark(int fd, unsigned long long *insns, unsigned long long *locked)
{
	char line[INSN_COUNT_LINE + 1];
	int cpu;

	asm volatile("xchg %%r15, %%r15" ::: "memory");
	cpu = sched_getcpu();
	if (cpu < 0 || pread(fd, line, INSN_COUNT_LINE, (off_t)cpu * INSN_COUNT_LINE) != INSN_COUNT_LINE)
		return -EIO;
	line[INSN_COUNT_LINE] = 0;
	return sscanf(line, "%llu %llu", insns, locked) == 2 ? 0 : -EIO;
}

/*
 * Counting on or off (marker, then wait until it holds: the counts move
 * between two marks exactly when it counts).  A switch retranslates all
 * the guest's code; about a millisecond here.
 */
static inline int insn_count_switch(int fd, int on)
{
	unsigned long long i0, i1, l;
	int tries, err;

	for (tries = 0; tries < 100000; tries++) {
		if (on)
			asm volatile("xchg %%r14, %%r14" ::: "memory");
		else
			asm volatile("xchg %%r13, %%r13" ::: "memory");
		err = insn_count_mark(fd, &i0, &l) ?: insn_count_mark(fd, &i1, &l);
		if (err)
			return err;
		if ((i1 != i0) == !!on)
			return 0;
	}
	return -ETIMEDOUT;
}

/*
 * One step of a counted operation: run(arg, n) on a CPU (-1: wherever the
 * thread is pinned).  Steps on two CPUs count, say, blocks allocated on
 * one and freed on the other, each CPU's instructions read on it.
 */
struct insn_count_step {
	int (*run)(void *arg, unsigned long long n);
	void *arg;
	int cpu;
};

static inline int insn_count_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Instructions of the steps' runs of n, each bracketed on its CPU. */
static inline int insn_count_run(int fd, const struct insn_count_step *steps, int nr_steps,
				 unsigned long long n, unsigned long long *insns,
				 unsigned long long *locked)
{
	unsigned long long i0, l0, i1, l1;
	int s, err = 0;

	*insns = *locked = 0;
	for (s = 0; s < nr_steps && !err; s++) {
		err = insn_count_pin(steps[s].cpu) ?: insn_count_mark(fd, &i0, &l0) ?:
		      steps[s].run(steps[s].arg, n) ?: insn_count_mark(fd, &i1, &l1);
		*insns += i1 - i0;
		*locked += l1 - l0;
	}
	return err;
}

/* One more operation's instructions and locked instructions, the steps'
 * added up: the least count of n and of 2n over a few tries, subtracted. */
static inline int insn_count_steps_per_op(int fd, const struct insn_count_step *steps,
					  int nr_steps, unsigned long long n,
					  struct insn_count *per_op)
{
	unsigned long long i, l, i1 = ~0ull, l1 = ~0ull, i2 = ~0ull, l2 = ~0ull;
	int t, err;

	err = insn_count_switch(fd, 1);
	for (t = 0; t < INSN_COUNT_TRIES && !err; t++) {
		err = insn_count_run(fd, steps, nr_steps, n, &i, &l);
		if (err)
			break;
		i1 = i < i1 ? i : i1;
		l1 = l < l1 ? l : l1;
		err = insn_count_run(fd, steps, nr_steps, 2 * n, &i, &l);
		i2 = i < i2 ? i : i2;
		l2 = l < l2 ? l : l2;
	}
	err = insn_count_switch(fd, 0) ?: err;
	if (err)
		return err;
	if (i2 <= i1)
		return -ERANGE;
	per_op->insns = (double)(i2 - i1) / n;
	per_op->locked = l2 > l1 ? (double)(l2 - l1) / n : 0;
	return 0;
}

/* The same for one run on the thread's own (pinned) CPU. */
static inline int insn_count_per_op(int fd, int (*run)(void *arg, unsigned long long n), void *arg,
				    unsigned long long n, struct insn_count *per_op)
{
	struct insn_count_step step = { .run = run, .arg = arg, .cpu = -1 };

	return insn_count_steps_per_op(fd, &step, 1, n, per_op);
}

#endif /* __LIBARENA_INSN_COUNT_H */
