// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driver of tests/progs/async_refill.bpf.c.  User space runs the library's
 * arena_buddy_refill once, to arm the work item, and never refills after
 * that: it only runs the tc program and waits for the bpf_wq worker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/internal/types.h>
#include "kernel.h"
#include "suite.h"
#include "async_types.h"
#include "async_refill.skel.h"

#define ASYNC_WAIT_SECONDS	2.0

/* Wait until *counter exceeds before (the worker ran); false on timeout. */
static bool wait_for(volatile __u64 *counter, __u64 before)
{
	double end = test_now() + ASYNC_WAIT_SECONDS;

	while (*counter <= before && test_now() < end)
		usleep(1000);
	return *counter > before;
}

static enum test_status async_check(struct async_refill *skel)
{
	struct async_state *st = &skel->arena->async_state;
	struct buddy_stats *bs = &skel->arena->libarena_heap.stats;
	__u64 held, refills = bs->refills, shrinks;

	st->phase = ASYNC_HOLD;
	test_run_result(skel->progs.async_step);
	held = st->nr_held;
	if (!st->nulls || !bs->refill_kicks) {
		test_why("expected the reserve to run dry and a kick, got %llu NULLs, %llu kicks",
			 (unsigned long long)st->nulls, (unsigned long long)bs->refill_kicks);
		return TEST_FAIL;
	}
	if (!wait_for(&bs->refills, refills)) {
		test_why("no refill by the worker within %.0f s", ASYNC_WAIT_SECONDS);
		return TEST_FAIL;
	}
	test_run_result(skel->progs.async_step);	/* grown: allocates again */
	if (st->nr_held <= held) {
		test_why("after the worker's refill, expected more than %llu blocks held, got %u",
			 (unsigned long long)held, st->nr_held);
		return TEST_FAIL;
	}
	held = st->nr_held;
	shrinks = bs->shrinks;
	st->phase = ASYNC_FREE;
	test_run_result(skel->progs.async_step);
	if (st->free_errors || !wait_for(&bs->shrinks, shrinks)) {
		test_why("after freeing all: expected a shrink by the worker, got %llu (free errors %llu)",
			 (unsigned long long)(bs->shrinks - shrinks),
			 (unsigned long long)st->free_errors);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE"))
		test_why("%llu kicks, %llu refills, %llu shrinks; %llu blocks of 64 KiB held at the peak",
			 (unsigned long long)bs->refill_kicks, (unsigned long long)bs->refills,
			 (unsigned long long)bs->shrinks, (unsigned long long)held);
	return TEST_OK;
}

static enum test_status test_async_refill(struct test_env *e, const void *arg)
{
	struct async_refill *skel = e->skel;
	int err;

	if ((err = test_run_result(skel->progs.async_setup)) ||
	    (err = test_run_result(skel->progs.arena_buddy_refill)) < 0) {
		test_why("setup (async_setup, then arena_buddy_refill to arm): %d", err);
		return TEST_FAIL;
	}
	return async_check(skel);
}

TEST_SKELETON(async_refill)

static const struct test_case async_refill_cases[] = {
	{ "kernel/async_refill_bpf_wq", test_async_refill },
};

const struct test_suite async_refill_suite = {
	TEST_SKELETON_SUITE(async_refill),
	TEST_CASES(async_refill_cases),
};
