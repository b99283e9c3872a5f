// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driver of tests/progs/feed.bpf.c: the heap keeps a syscall tracer fed
 * with no help from the test.  Two ways, one test each:
 *  - inline growth (Linux 7.0+): load, attach, make syscalls; no refill
 *    from user space at all, not even the first initialisation.  0 NULL.
 *  - inline growth off (libarena_no_inline_growth, what kernels before
 *    7.0 do) and the library's refill thread, woken by the BPF side: at
 *    most 0.1% NULL after the first 100 ms.
 * Both walk the lists afterwards: every record linked, intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>
#include "kernel.h"
#include "suite.h"
#include "feed_types.h"
#include "feed.skel.h"

#define FEED_SECONDS		120.0	/* to take FEED_RECORDS events */
#define FEED_LATE_PER_MILLE	1	/* NULLs after warm-up, at most */

/* Make syscalls (events for the tracer) until it took them all. */
static void feed_generate(volatile struct feed_state *st)
{
	double end = test_now() + FEED_SECONDS;

	while (st->events < FEED_RECORDS && test_now() < end)
		syscall(SYS_getppid);
}

/* Walk every list: records counted, each intact; -1 if one is not. */
static long feed_walk(const struct feed_state *st)
{
	const struct feed_rec *r;
	long n = 0;
	int i;

	for (i = 0; i < FEED_LISTS; i++) {
		for (r = (void *)(unsigned long)st->heads[i]; r;
		     r = (void *)(unsigned long)r->next) {
			if (r->magic != (FEED_MAGIC ^ r->seq) || r->seq >= FEED_RECORDS ||
			    (r->cpu % FEED_CPUS) * FEED_SYSCALLS + r->id % FEED_SYSCALLS != i ||
			    n > FEED_RECORDS)
				return -1;
			n++;
		}
	}
	return n;
}

/* What every run must show: all events seen, all records linked. */
static enum test_status feed_check_lists(const struct feed_state *st)
{
	long linked = feed_walk(st);

	if (st->events < FEED_RECORDS) {
		test_why("expected %d events within %.0f s, got %llu", FEED_RECORDS,
			 FEED_SECONDS, (unsigned long long)st->events);
		return TEST_FAIL;
	}
	if (linked != (long)st->records || st->records + st->nulls != FEED_RECORDS) {
		test_why("expected %llu records linked intact (%d events - %llu NULL), "
			 "the walk found %ld", (unsigned long long)st->records, FEED_RECORDS,
			 (unsigned long long)st->nulls, linked);
		return TEST_FAIL;
	}
	return TEST_OK;
}

static void feed_summary(const struct feed *skel, const char *how)
{
	const struct feed_state *st = &skel->arena->feed_state;
	const struct buddy *b = &skel->arena->libarena_heap;

	test_why("%s: %llu records (%llu KiB) in %.0f ms, %llu NULL (%llu after %llu ms); "
		 "%llu chunks populated, %llu refills, %llu wake-ups of user space, "
		 "low watermark %llu KiB (raised %llu times)", how,
		 (unsigned long long)st->records, (unsigned long long)st->bytes >> 10,
		 st->records ? (st->last_ns - st->start_ns) / 1e6 : 0.0, (unsigned long long)st->nulls,
		 (unsigned long long)st->late_nulls, FEED_WARMUP_NS / 1000000,
		 (unsigned long long)b->stats.chunks_populated,
		 (unsigned long long)b->stats.refills,
		 (unsigned long long)b->stats.refill_notifies,
		 (unsigned long long)b->reserve_low >> 10,
		 (unsigned long long)b->stats.reserve_raises);
}

/* Load with inline growth on or off, attach, arm, trace. */
static enum test_status feed_run(struct feed *skel, bool thread, struct libarena_refiller **r)
{
	struct bpf_link *link;
	int err;

	err = feed__load(skel);
	if (err) {
		test_why("loading feed.bpf.o: %s", strerror(-err));
		return TEST_FAIL;
	}
	if (thread && (err = libarena__start_refill(skel->obj, r))) {
		test_why("libarena__start_refill: %s", strerror(-err));
		return TEST_FAIL;
	}
	link = bpf_program__attach(skel->progs.feed_sys_enter);
	if (!link) {
		test_why("attaching to raw_syscalls/sys_enter: %s", strerror(errno));
		return TEST_FAIL;
	}
	skel->arena->feed_state.armed = 1;
	feed_generate(&skel->arena->feed_state);
	bpf_link__destroy(link);
	return feed_check_lists(&skel->arena->feed_state);
}

static enum test_status test_feed_inline(struct test_env *e, const void *arg)
{
	struct feed *skel;
	enum test_status st;
	__u64 populated;

	if (!test_kernel_at_least(7, 0)) {
		test_why("Linux %s: the page kfuncs sleep before 7.0, so a tracepoint cannot "
			 "grow the heap (kernel/feed_tracer_refill_thread covers it)",
			 test_kernel_release());
		return TEST_SKIP;
	}
	skel = feed__open();
	if (!skel) {
		test_why("opening feed.bpf.o: %s", strerror(errno));
		return TEST_FAIL;
	}
	st = feed_run(skel, false, NULL);
	populated = skel->arena->libarena_heap.stats.chunks_populated;
	if (st == TEST_OK && skel->arena->feed_state.nulls) {
		test_why("expected 0 NULL growing inline, got %llu",
			 (unsigned long long)skel->arena->feed_state.nulls);
		st = TEST_FAIL;
	}
	/* Nothing else populated a chunk: the tracepoint grew the heap. */
	if (st == TEST_OK && populated * CHUNK_CAPACITY < skel->arena->feed_state.bytes) {
		test_why("expected the tracepoint to populate the %llu KiB it took, got %llu chunks",
			 (unsigned long long)skel->arena->feed_state.bytes >> 10,
			 (unsigned long long)populated);
		st = TEST_FAIL;
	}
	if (st != TEST_OK || getenv("LIBARENA_TEST_VERBOSE"))
		feed_summary(skel, "inline growth");
	feed__destroy(skel);
	return st;
}

static enum test_status test_feed_thread(struct test_env *e, const void *arg)
{
	struct libarena_refiller *r = NULL;
	struct libarena_refill_stats rs = {};
	const struct feed_state *fs;
	struct feed *skel = feed__open();
	enum test_status st;

	if (!skel) {
		test_why("opening feed.bpf.o: %s", strerror(errno));
		return TEST_FAIL;
	}
	skel->rodata->libarena_no_inline_growth = 1;
	st = feed_run(skel, true, &r);
	if (r)
		libarena__refill_stats(r, &rs);
	libarena__stop_refill(r);
	fs = &skel->arena->feed_state;
	if (st == TEST_OK && fs->late_nulls * 1000 > FEED_RECORDS * FEED_LATE_PER_MILLE) {
		test_why("expected at most %d.%d%% NULL after the first %llu ms, got %llu of %d",
			 FEED_LATE_PER_MILLE / 10, FEED_LATE_PER_MILLE % 10,
			 FEED_WARMUP_NS / 1000000, (unsigned long long)fs->late_nulls,
			 FEED_RECORDS);
		st = TEST_FAIL;
	}
	if (st == TEST_OK && (!rs.wakeups || !skel->arena->libarena_heap.stats.refill_notifies)) {
		test_why("expected the BPF side to wake the refill thread, got %llu wake-ups "
			 "(%llu sent)", (unsigned long long)rs.wakeups,
			 (unsigned long long)skel->arena->libarena_heap.stats.refill_notifies);
		st = TEST_FAIL;
	}
	if (st != TEST_OK || getenv("LIBARENA_TEST_VERBOSE")) {
		feed_summary(skel, "refill thread");
		test_why("refill thread: %llu wake-ups, %llu records, %llu services, %llu chunks, "
			 "%llu errors", (unsigned long long)rs.wakeups,
			 (unsigned long long)rs.requests, (unsigned long long)rs.services,
			 (unsigned long long)rs.chunks, (unsigned long long)rs.errors);
	}
	feed__destroy(skel);
	return st;
}

static const struct test_case feed_cases[] = {
	{ "kernel/feed_tracer_inline", test_feed_inline },
	{ "kernel/feed_tracer_refill_thread", test_feed_thread },
};

const struct test_suite feed_suite = {
	.object = "feed.bpf.o",
	TEST_CASES(feed_cases),
};
