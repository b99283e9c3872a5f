// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driver of tests/progs/nested.bpf.c: a syscall-program loop on one CPU,
 * interrupted there by a perf_event (cpu-clock, hardirq) program that
 * allocates and frees too.  Passes if no block was handed out twice, none
 * was lost, the heap walk agrees, and the interrupts really landed inside
 * the library (collisions counted, or the test tested nothing).  The
 * users' arena lock the same way, taken from two CPUs besides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/internal/types.h>
#include "kernel.h"
#include "suite.h"
#include "nested_types.h"
#include "nested.skel.h"

#define NESTED_SECONDS	2.0
#define NESTED_CPU	0	/* where TEST_ON_CPU0 keeps the runner */
#define NESTED_FREQ	20000	/* samples per second asked for */

/* The perf_event program on NESTED_CPU's cpu-clock: its link (destroying
 * it closes the event too), or NULL with the reason said. */
static struct bpf_link *attach_irq(struct nested *skel)
{
	struct bpf_link *link;
	int fd = test_cpu_clock_event(NESTED_CPU, NESTED_FREQ);

	if (fd < 0) {
		test_why("perf_event_open(cpu-clock): %s", strerror(-fd));
		return NULL;
	}
	link = bpf_program__attach_perf_event(skel->progs.nested_irq, fd);
	if (!link) {
		test_why("attach perf_event: %s", strerror(errno));
		close(fd);
	}
	return link;
}

/* Run the outer loop for NESTED_SECONDS with the interrupt armed. */
static int nested_hammer(struct nested *skel, struct bpf_link *link)
{
	double end = test_now() + NESTED_SECONDS;
	int ret = 0;

	skel->arena->nested_ctl.armed = 1;
	while (test_now() < end && !ret)
		ret = test_run_result(skel->progs.nested_outer);
	skel->arena->nested_ctl.armed = 0;
	return ret;
}

static enum test_status nested_verdict(struct nested *skel, int drained)
{
	struct nested_side *o = &skel->arena->nested_outer_side;
	struct nested_side *q = &skel->arena->nested_irq_side;
	struct buddy_stats *st = &skel->arena->libarena_heap.stats;
	__u64 lost = st->bytes_in_use - st->cache_meta_bytes;
	__u64 busy = test_pcpu_stat(&skel->arena->libarena_heap, NESTED_CPU,
				    offsetof(struct pcpu_stats, busy));

	test_why("outer: %llu allocations in %llu runs, %llu NULL; irq: %llu allocations in %llu interrupts, %llu NULL",
		 (unsigned long long)o->ops, (unsigned long long)o->runs, (unsigned long long)o->nulls,
		 (unsigned long long)q->ops, (unsigned long long)q->runs, (unsigned long long)q->nulls);
	test_why("collisions: %llu entries found the cache busy, %llu found the lock held by the interrupted program, %llu frees deferred",
		 (unsigned long long)busy,
		 (unsigned long long)st->lock_deadlocks,
		 (unsigned long long)st->deferred_frees);
	if (o->clobbered + q->clobbered || o->not_live + q->not_live) {
		test_why("expected no block handed out twice, got %llu clobbered and %llu not-live blocks",
			 (unsigned long long)(o->clobbered + q->clobbered),
			 (unsigned long long)(o->not_live + q->not_live));
		return TEST_FAIL;
	}
	if (drained) {
		test_why("drain and heap walk: expected 0, got %d", drained);
		return TEST_FAIL;
	}
	if (lost) {
		test_why("expected every block back after the drain, %llu bytes are lost",
			 (unsigned long long)lost);
		return TEST_FAIL;
	}
	if (!q->ops || !o->ops || !(busy + st->lock_deadlocks)) {
		test_why("the interrupt never landed inside the library: nothing was tested");
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* arg: the instance's flags, with the caches or without. */
static enum test_status test_nested(struct test_env *e, const void *arg)
{
	struct nested *skel = e->skel;
	__u64 flags = *(const __u64 *)arg;
	struct bpf_link *link;
	int err, drained;

	memset(&skel->arena->nested_outer_side, 0, sizeof(struct nested_side));
	memset(&skel->arena->nested_irq_side, 0, sizeof(struct nested_side));
	skel->arena->nested_ctl.cpu = NESTED_CPU;
	skel->arena->nested_ctl.flags = flags;
	skel->arena->nested_ctl.mode = NESTED_MODE_ALLOC;
	err = test_run_result(skel->progs.nested_setup);
	if (err) {
		test_why("nested_setup: %d", err);
		return TEST_FAIL;
	}
	link = attach_irq(skel);
	if (!link)
		return TEST_FAIL;
	err = nested_hammer(skel, link);
	bpf_link__destroy(link);
	if (err) {
		test_why("nested_outer: %d", err);
		return TEST_FAIL;
	}
	drained = test_run_result(skel->progs.nested_drain);
	return nested_verdict(skel, drained);
}

static enum test_status nested_lock_verdict(struct nested *skel, struct cpu_job *jobs)
{
	struct nested_lock_state *ls = &skel->arena->nested_lock;
	__u64 ops = ls->outer_ops[0] + ls->outer_ops[1] + ls->irq_ops;
	int i;

	test_why("outer: %llu increments on CPU 0, %llu on CPU 1, %llu timeouts; irq: %llu "
		 "increments in %llu interrupts, %llu found the lock held by their CPU (-EDEADLK), "
		 "%llu timed out",
		 (unsigned long long)ls->outer_ops[0], (unsigned long long)ls->outer_ops[1],
		 (unsigned long long)ls->outer_timeouts, (unsigned long long)ls->irq_ops,
		 (unsigned long long)ls->irq_runs, (unsigned long long)ls->irq_deadlocks,
		 (unsigned long long)ls->irq_timeouts);
	for (i = 0; i < 2; i++)
		if (jobs[i].ret) {
			test_why("lock_outer on CPU %d: expected 0, got %d", jobs[i].cpu, jobs[i].ret);
			return TEST_FAIL;
		}
	if (ls->counter != ops) {
		test_why("counter: expected %llu (every increment under the lock), got %llu",
			 (unsigned long long)ops, (unsigned long long)ls->counter);
		return TEST_FAIL;
	}
	if (ls->lock.word || ls->lock.deadlocks != ls->irq_deadlocks ||
	    ls->lock.timeouts != ls->outer_timeouts + ls->irq_timeouts) {
		test_why("lock: expected free, %llu deadlocks, %llu timeouts; got word %u, %u, %u",
			 (unsigned long long)ls->irq_deadlocks,
			 (unsigned long long)(ls->outer_timeouts + ls->irq_timeouts), ls->lock.word,
			 ls->lock.deadlocks, ls->lock.timeouts);
		return TEST_FAIL;
	}
	if (!ls->irq_deadlocks || !ls->irq_ops || !ls->outer_ops[0] || !ls->outer_ops[1]) {
		test_why("expected increments on both CPUs and interrupts that found the lock "
			 "held and free: nothing was tested");
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* The users' arena lock: lock_outer from CPUs 0 and 1 at once, interrupted
 * on CPU 0 by the perf_event program taking the same lock. */
static enum test_status test_nested_lock(struct test_env *e, const void *arg)
{
	struct nested *skel = e->skel;
	double deadline = test_now() + NESTED_SECONDS;
	struct cpu_job jobs[2] = {
		{ .step = test_prog_step, .arg = skel->progs.lock_outer, .cpu = 0,
		  .rounds = 1 << 30, .deadline = deadline },
		{ .step = test_prog_step, .arg = skel->progs.lock_outer, .cpu = 1,
		  .rounds = 1 << 30, .deadline = deadline },
	};
	struct bpf_link *link;

	memset(&skel->arena->nested_lock, 0, sizeof(struct nested_lock_state));
	skel->arena->nested_ctl.cpu = NESTED_CPU;
	skel->arena->nested_ctl.mode = NESTED_MODE_LOCK;
	link = attach_irq(skel);
	if (!link)
		return TEST_FAIL;
	skel->arena->nested_ctl.armed = 1;
	run_cpu_jobs(jobs);
	skel->arena->nested_ctl.armed = 0;
	bpf_link__destroy(link);
	return nested_lock_verdict(skel, jobs);
}

TEST_SKELETON(nested)

static const struct test_case nested_cases[] = {
	{ "kernel/nested_perf_event_cache", test_nested, TEST_ON_CPU0, &(const __u64){ 0 } },
	{ "kernel/nested_perf_event_uncached", test_nested, TEST_ON_CPU0,
	  &(const __u64){ BUDDY_NO_PCPU_CACHE } },
	{ "kernel/nested_perf_event_user_lock", test_nested_lock, TEST_TWO_CPUS },
};

const struct test_suite nested_suite = {
	TEST_SKELETON_SUITE(nested),
	TEST_CASES(nested_cases),
};
