// SPDX-License-Identifier: BSD-2-Clause
/*
 * The host test runner: the allocator sources compiled for user space over
 * an mmap'ed region, under AddressSanitizer and UBSan.  Runs the shared
 * test bodies of tests/progs/buddy_tests.h plus host-only tests of the lock
 * (a thread re-entering its own lock, a lock held past the timeout).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include "../progs/cache_tests.h"
#include "../progs/reliability_tests.h"
#include "../progs/slab_tests.h"
#include "fuzz_ops.h"
#include "instance.h"
#include <libarena/malloc.h>
#include "runner.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_HOST

/* Re-entering the lock on the same thread fails at once, is counted, and
 * loses nothing (a nested BPF program on the holder's CPU gets the same). */
static int t_lock_reentry_fails_fast(__u64 flags)
{
	__u32 *l = &test_b1.lock;
	__u64 p;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	p = buddy_alloc_addr(&test_b1, 64);
	ASSERT_NE(p, 0);
	ASSERT_OK(platform_lock(l));
	ASSERT_EQ(buddy_alloc_addr(&test_b1, 64), 0);
	ASSERT_OK(buddy_free_addr(&test_b1, p));		/* deferred, not lost */
	ASSERT_EQ(buddy_free_addr(&test_b1, p), -EALREADY);	/* still a double free */
	platform_unlock(l);
	/* The double free is told under the lock, so it tried it too. */
	ASSERT_EQ(test_b1.stats.lock_failures, 3);
	ASSERT_EQ(test_b1.stats.failed_allocs, 1);
	ASSERT_EQ(test_b1.stats.deferred_frees, 1);
	ASSERT_EQ(test_b1.stats.rejected[BUDDY_REJECT_LOCK], 0);
	ASSERT_EQ(buddy_usable_size_addr(&test_b1, p), 0);	/* waiting for the lock */
	ASSERT_NE(p = buddy_alloc_addr(&test_b1, 64), 0);	/* the holder drains */
	ASSERT_EQ(test_b1.deferred, 0);
	ASSERT_OK(buddy_free_addr(&test_b1, p));
	ASSERT_OK(buddy_check(&test_b1));
	ASSERT_OK(buddy_destroy(&test_b1));
	return 0;
}

/* The users' arena lock: taken, refused on the holder's own thread
 * (counted), released; unlock by a non-holder changes nothing. */
static int t_user_lock(__u64 flags)
{
	static struct arena_lock l;

	l = (struct arena_lock){ 0 };
	ASSERT_OK(arena_trylock(&l));
	ASSERT_EQ(arena_trylock(&l), -EDEADLK);
	ASSERT_EQ(arena_lock(&l), -EDEADLK);
	ASSERT_OK(arena_unlock(&l));
	ASSERT_EQ(arena_unlock(&l), -EPERM);
	ASSERT_OK(arena_lock(&l));
	ASSERT_OK(arena_unlock(&l));
	ASSERT_EQ(l.word, 0);
	ASSERT_EQ(l.deadlocks, 2);
	return 0;
}

static void *hold_lock(void *arg)
{
	__u32 *l = arg;

	if (platform_lock(l))
		return (void *)1;
	usleep(200 * 1000);
	platform_unlock(l);
	return NULL;
}

/* A lock held too long by another thread: the caller gives up after the
 * timeout instead of hanging; the free is queued, not lost. */
static int t_lock_timeout_reported(__u64 flags)
{
	__u32 *l = &test_b1.lock;
	struct timespec t0, t1;
	pthread_t holder;
	void *ret;
	__u64 p, ms;

	ASSERT_OK(test_begin(flags));
	ASSERT_OK(buddy_init_flags(&test_b1, flags));
	p = buddy_alloc_addr(&test_b1, 64);
	libarena_host_set_lock_timeout(20 * 1000 * 1000);
	ASSERT_OK(pthread_create(&holder, NULL, hold_lock, l));
	usleep(20 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_OK(buddy_free_addr(&test_b1, p));		/* deferred */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(holder, &ret);
	libarena_host_set_lock_timeout(250 * 1000 * 1000);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ASSERT_EQ((long)ret, 0);
	ASSERT_GE(ms, 15);
	ASSERT_LE(ms, 150);
	ASSERT_EQ(test_b1.stats.lock_timeouts, 1);
	ASSERT_EQ(test_b1.stats.deferred_frees, 1);
	ASSERT_EQ(test_b1.stats.rejected[BUDDY_REJECT_LOCK], 0);
	ASSERT_NE(p = buddy_alloc_addr(&test_b1, 64), 0);	/* drains the queue */
	ASSERT_EQ(test_b1.deferred, 0);
	ASSERT_OK(buddy_free_addr(&test_b1, p));
	ASSERT_OK(buddy_check(&test_b1));
	ASSERT_OK(buddy_destroy(&test_b1));
	return 0;
}

/* The multi-CPU bodies as rounds of jobs on CPUs 0 and 1, as the kernel
 * runner does with BPF programs. */
static int stress_step(struct cpu_job *job)
{
	return t_stress_worker(0);
}

static int produce_step(struct cpu_job *job)
{
	return t_pc_produce(0);
}

static int consume_step(struct cpu_job *job)
{
	return t_pc_consume(0);
}

static int trim_step(struct cpu_job *job)
{
	return t_trim_here(0);
}

static int host_run_jobs(struct cpu_job *jobs)
{
	run_cpu_jobs(jobs);
	return jobs[0].ret || jobs[1].ret;
}

/* Each CPU trims its own cache, as the kernel runner does. */
static int trim_both_cpus(void)
{
	struct cpu_job jobs[2] = {
		{ .step = trim_step, .cpu = 0, .rounds = 1 },
		{ .step = trim_step, .cpu = 1, .rounds = 1 },
	};

	return host_run_jobs(jobs);
}

static int stress_seconds;	/* --stress-seconds */

static int t_two_cpu_stress(__u64 flags)
{
	double deadline = stress_seconds ? test_now() + stress_seconds : 0;
	int rounds = stress_seconds ? 1 << 30 : 100;
	struct cpu_job jobs[2] = {
		{ .step = stress_step, .cpu = 0, .rounds = rounds, .deadline = deadline },
		{ .step = stress_step, .cpu = 1, .rounds = rounds, .deadline = deadline },
	};

	CHECK_OK(t_stress_begin(flags));
	CHECK_OK(host_run_jobs(jobs));
	if (stress_seconds)
		test_why("%llu operations (%llu reallocs) on 2 CPUs in the given time",
			 (unsigned long long)(stress_workers[0].ops + stress_workers[1].ops),
			 (unsigned long long)(stress_workers[0].reallocs +
					      stress_workers[1].reallocs));
	CHECK_OK(trim_both_cpus());
	return t_stress_finish(flags);
}

static int t_producer_consumer(__u64 flags)
{
	struct cpu_job jobs[2] = {
		{ .step = produce_step, .cpu = 0, .rounds = 50000000,
		  .count = &pc_ring.produced, .target = 100000 },
		{ .step = consume_step, .cpu = 1, .rounds = 50000000,
		  .count = &pc_ring.consumed, .target = 100000 },
	};
	__u64 hits;

	CHECK_OK(t_stress_begin(flags));
	CHECK_OK(host_run_jobs(jobs));
	CHECK_OK(trim_both_cpus());
	CHECK_OK(t_pc_finish(flags));
	hits = pcpu_of(&libarena_heap, 0) ? pcpu_of(&libarena_heap, 0)->stats.depot_hits : 0;
	ASSERT_GE(hits, 1);
	ASSERT_GE(pc_ring.consumed, 100000);
	return 0;
}

/* Bytes a slab of order wastes on objects of size: header and tail. */
static __u64 slab_waste(__u32 order, __u64 size)
{
	return (order_size(order) - SLAB_HDR_SIZE) % size + SLAB_HDR_SIZE;
}

/* The slab geometry the allocator reads from tables and formulas, derived
 * again by brute force for every slab class: a first slab holds
 * SLAB_MIN_OBJS objects and is the smallest that does; the lean order is
 * the first that wastes at most 1/SLAB_LEAN_WASTE of itself, else the one
 * that wastes least. */
static int t_slab_geometry(__u64 flags)
{
	__u32 cls, order, first, lean;
	__u64 size;

	for (cls = 0; cls < NR_SMALL_CLASSES; cls++) {
		if (class_is_block(cls))
			continue;
		size = class_size(cls);
		for (first = SLAB_MIN_ORDER; first < SLAB_MAX_ORDER; first++)
			if (order_size(first) - SLAB_HDR_SIZE >= SLAB_MIN_OBJS * size)
				break;
		ASSERT_EQ(class_slab_order(cls), first);
		lean = first;
		for (order = first; order <= SLAB_MAX_ORDER; order++) {
			if (slab_waste(order, size) * SLAB_LEAN_WASTE <= order_size(order)) {
				lean = order;
				break;
			}
			if (slab_waste(order, size) * order_size(lean) <
			    slab_waste(lean, size) * order_size(order))
				lean = order;
		}
		ASSERT_EQ(slab_lean_order(cls), lean);
	}
	return 0;
}

/* The branch-free class formulas against their definition, for every
 * size: the smallest class that holds it. */
static int t_size_classes(__u64 flags)
{
	__u64 size;
	__u32 cls;

	for (size = 1; size <= BUDDY_MAX_SIZE; size++) {
		cls = alloc_class(size);
		ASSERT_LE(cls, NR_CLASSES - 1);
		ASSERT_GE(class_size(cls), size);
		if (cls)
			ASSERT_LE(class_size(cls - 1), size - 1);
	}
	ASSERT_EQ(alloc_class(SMALL_MAX_SIZE + 1), NR_SMALL_CLASSES);
	ASSERT_EQ(alloc_class(BUDDY_MAX_SIZE), NR_CLASSES - 1);
	return 0;
}

/* Every input of the fuzzing corpus through the fuzz target once. */
static int t_fuzz_corpus_replay(__u64 flags)
{
	int files;

	ASSERT_OK(fuzz_replay_dir(TESTS_DIR "/fuzz/corpus", &files));
	ASSERT_GE(files, 1);
	return 0;
}

struct host_test {
	const char *name;
	int (*fn)(__u64 flags);
	__u64 flags;
	unsigned int needs;	/* enum test_needs */
};

/* After the name, what the test needs: __small_arena and the like
 * (test_attrs.h), each "FLAG |" here. */
#define UNCACHED_ENTRY(name, ...) \
	{ "uncached_" #name, t_##name, BUDDY_NO_PCPU_CACHE, .needs = __VA_ARGS__ 0 },
#define CACHE_ENTRY(name, ...) { "cache_" #name, t_##name, 0, .needs = __VA_ARGS__ 0 },
#define CACHE_ONLY_ENTRY(name, ...) { #name, t_##name, 0, .needs = __VA_ARGS__ 0 },

static const struct host_test tests[] = {
	BUDDY_TESTS(UNCACHED_ENTRY)
	UNCACHED_TESTS(UNCACHED_ENTRY)
	RELIABILITY_TESTS(UNCACHED_ENTRY)
	RELIABILITY_UNCACHED_TESTS(UNCACHED_ENTRY)
	BUDDY_TESTS(CACHE_ENTRY)
	SLAB_TESTS(UNCACHED_ENTRY)
	SLAB_UNCACHED_TESTS(UNCACHED_ENTRY)
	SLAB_TESTS(CACHE_ENTRY)
	RELIABILITY_TESTS(CACHE_ENTRY)
	RELIABILITY_CACHE_TESTS(CACHE_ENTRY)
	CACHE_TESTS(CACHE_ONLY_ENTRY)
	{ "uncached_two_cpu_stress", t_two_cpu_stress, BUDDY_NO_PCPU_CACHE, TEST_TWO_CPUS },
	{ "cache_two_cpu_stress", t_two_cpu_stress, 0, TEST_TWO_CPUS },
	{ "cache_producer_consumer", t_producer_consumer, 0, TEST_TWO_CPUS },
	{ "fuzz_corpus_replay", t_fuzz_corpus_replay, 0 },
	{ "slab_geometry", t_slab_geometry, 0 },
	{ "size_classes", t_size_classes, 0 },
	{ "uncached_lock_reentry_fails_fast", t_lock_reentry_fails_fast,
	  BUDDY_NO_PCPU_CACHE },
	{ "uncached_lock_timeout_reported", t_lock_timeout_reported,
	  BUDDY_NO_PCPU_CACHE },
	{ "user_lock", t_user_lock, 0 },
};

/* Throw the whole heap away: a fresh arena of `size` bytes. */
static void fresh_arena(__u64 size)
{
	buddy_destroy(&libarena_heap);
	buddy_destroy(&test_b1);
	buddy_destroy(&test_b2);
	libarena_host_reset();
	libarena_host_set_arena_size(size);
}

static enum test_status run_one(const struct host_test *t)
{
	bool small = t->needs & TEST_SMALL_ARENA;
	enum test_status status;
	int err;

	if (!test_needs_met(t->needs))
		return TEST_SKIP;
	if (small)
		fresh_arena(TEST_SMALL_ARENA_BYTES);
	err = buddy_reset(&libarena_heap);
	if (err) {
		test_why("buddy_reset of the default instance: %d", err);
		return TEST_FAIL;
	}
	memset(&test_report, 0, sizeof(test_report));
	status = test_verdict(t->fn(t->flags), &test_report);
	if (status == TEST_OK && (err = buddy_check(&libarena_heap))) {
		test_why("heap check after the test: %d", err);
		test_print_check(&libarena_heap.check);
		status = TEST_FAIL;
	}
	if (small)
		fresh_arena(0);
	return status;
}

int main(int argc, char **argv)
{
	struct test_run r;
	char name[128];
	size_t i;

	test_run_init(&r, argc, argv);
	stress_seconds = r.stress_seconds;
	srandom(time(NULL));
	libarena_host_pin();
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		snprintf(name, sizeof(name), "host/%s", tests[i].name);
		if (test_selected(&r, name))
			test_result(&r, name, run_one(&tests[i]));
	}
	return test_finish(&r);
}
