/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Output shared by the in-kernel and host test runners:
 *   #N name: OK|FAIL|SKIP       one line per test, reasons indented below
 *   N passed, N failed, N skipped
 * Options: -f SUBSTR (or SUBSTR alone) runs matching tests only; --first N
 * numbers from N; --counts FILE writes "passed failed skipped" there
 * instead of the summary (tests/run_all adds the runners up);
 * --stress-seconds N runs the two-CPU stress for N seconds instead of a
 * fixed number of rounds (make stress); --verified (kernel runner) prints
 * the verifier's work per program instead of testing.
 */
#ifndef __LIBARENA_RUNNER_H
#define __LIBARENA_RUNNER_H

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <libarena/stats.h>
#include "test_report.h"
#include "test_attrs.h"

enum test_status { TEST_OK, TEST_FAIL, TEST_SKIP };

struct test_run {
	int number;
	int passed, failed, skipped;
	const char *filter;
	const char *counts_file;
	int stress_seconds;	/* 0: the short, round-counted stress */
	int verified;		/* --verified */
};

/* An option it does not know stops the runner: ignored, a mistyped
 * filter would run everything. */
static inline void test_run_init(struct test_run *r, int argc, char **argv)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->number = 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc)
			r->filter = argv[++i];
		else if (!strcmp(argv[i], "--first") && i + 1 < argc)
			r->number = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--counts") && i + 1 < argc)
			r->counts_file = argv[++i];
		else if (!strcmp(argv[i], "--stress-seconds") && i + 1 < argc)
			r->stress_seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--verified"))
			r->verified = 1;
		else if (argv[i][0] != '-' && !r->filter)
			r->filter = argv[i];
		else
			break;
	}
	if (i < argc) {
		fprintf(stderr, "%s: unknown argument %s\nusage: %s [-f] [SUBSTR] [--first N] "
			"[--counts FILE] [--stress-seconds N] [--verified]\n", argv[0], argv[i],
			argv[0]);
		exit(2);
	}
}

static inline double test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The running kernel's release ("7.0.13+deb13-cloud-amd64"). */
static inline const char *test_kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "?";
	return u.release;
}

/* Is the running kernel major.minor or newer? */
static inline bool test_kernel_at_least(unsigned int major, unsigned int minor)
{
	unsigned int ma = 0, mi = 0;

	sscanf(test_kernel_release(), "%u.%u", &ma, &mi);
	return ma > major || (ma == major && mi >= minor);
}

static inline int test_selected(const struct test_run *r, const char *name)
{
	return !r->filter || strstr(name, r->filter);
}

/* The reasons given so far for the test that runs.  One for the whole
 * runner: weak, so that every file of it that includes this header
 * writes where test_result() reads. */
struct test_whys {
	char buf[8192];
	size_t len;
};

struct test_whys test_whys __attribute__((weak));

/* An indented reason line under the test's result. */
static inline void test_why(const char *fmt, ...)
{
	struct test_whys *w = &test_whys;
	size_t room = sizeof(w->buf) - w->len;
	va_list ap;
	int n;

	if (room < 8)
		return;
	memcpy(w->buf + w->len, "    ", 5);
	w->len += 4;
	room -= 4;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, room - 1, fmt, ap);
	va_end(ap);
	w->len += n < 0 ? 0 : ((size_t)n < room - 1 ? (size_t)n : room - 2);
	w->buf[w->len++] = '\n';
	w->buf[w->len] = 0;
}

/* Reasons collected by test_why() print under the result line. */
static inline void test_result(struct test_run *r, const char *name,
			enum test_status status)
{
	static const char *const words[] = { "OK", "FAIL", "SKIP" };

	printf("#%d %s: %s\n%s", r->number++, name, words[status], test_whys.buf);
	test_whys.len = 0;
	test_whys.buf[0] = 0;
	if (status == TEST_OK)
		r->passed++;
	else if (status == TEST_FAIL)
		r->failed++;
	else
		r->skipped++;
	fflush(stdout);
}

static inline void test_print_source_line(const char *path, unsigned long line)
{
	char buf[512];
	unsigned long n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f))
		if (++n == line) {
			buf[strcspn(buf, "\n")] = 0;
			test_why("| %s", buf + strspn(buf, "\t "));
			break;
		}
	fclose(f);
}

static const char *const test_src_paths[TEST_NR_SRCS] = {
	[TEST_SRC_BUDDY] = TESTS_DIR "/progs/buddy_tests.h",
	[TEST_SRC_CACHE] = TESTS_DIR "/progs/cache_tests.h",
	[TEST_SRC_STRESS] = TESTS_DIR "/progs/stress_tests.h",
	[TEST_SRC_RELIABILITY] = TESTS_DIR "/progs/reliability_tests.h",
	[TEST_SRC_DEBUG] = TESTS_DIR "/progs/debug_tests.h",
	[TEST_SRC_HOST] = TESTS_DIR "/host/host_runner.c",
	[TEST_SRC_PROG_TYPES] = TESTS_DIR "/progs/prog_types.bpf.c",
	[TEST_SRC_UPSTREAM] = TESTS_DIR "/progs/upstream_tests.h",
	[TEST_SRC_SLAB] = TESTS_DIR "/progs/slab_tests.h",
};

/* Explain a failed assertion: where, what was expected, what came. */
static inline void test_print_report(const struct test_report *rep)
{
	static const char *const rel[] = { "", "!= ", ">= ", "<= " };
	const char *src = rep->src < TEST_NR_SRCS ? test_src_paths[rep->src] : "?";
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;

	test_why("%s:%llu: expected %s%lld (%#llx), got %lld (%#llx)", base,
		 (unsigned long long)rep->line, rel[rep->cmp % 4],
		 (long long)rep->expected, (unsigned long long)rep->expected,
		 (long long)rep->got, (unsigned long long)rep->got);
	test_print_source_line(src, rep->line);
}

/* A test body's verdict from what it returned (1: an assertion failed)
 * and its report: it must have asserted something. */
static inline enum test_status test_verdict(int ret, const struct test_report *rep)
{
	if (ret == 1)
		test_print_report(rep);
	else if (ret)
		test_why("the test returned %d", ret);
	else if (!rep->nr_asserts)
		test_why("the test asserted nothing");
	else
		return TEST_OK;
	return TEST_FAIL;
}

static inline void test_print_check(const struct buddy_check_report *c)
{
	test_why("heap check: %s at chunk %#llx item %u: expected %llu, found %llu",
		 buddy_check_err_str(c->err), (unsigned long long)c->chunk, c->item,
		 (unsigned long long)c->expected, (unsigned long long)c->found);
}

/*
 * A job for one of two threads pinned to their own CPUs (the multi-CPU
 * tests): step() runs once per round until it returns nonzero, the rounds
 * run out, *count reaches target, or the deadline passes.
 */
struct cpu_job {
	int (*step)(struct cpu_job *job);
	void *arg;
	int cpu;
	int rounds;		/* at most */
	volatile __u64 *count;	/* or fewer, once *count reaches target */
	__u64 target;
	double deadline;	/* or until then, when nonzero */
	pthread_barrier_t *start;
	int ret;		/* step's nonzero result, or -errno from pinning */
};

/* Whether n CPUs are online; if not, says why the test skips. */
static inline int test_cpus_online(int n)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	if (online >= n)
		return 1;
	test_why("needs %d online CPUs, this machine has %ld", n, online);
	return 0;
}

/* Whether this machine can run a test with these needs (enum
 * test_needs); if not, says why it skips.  Both runners ask here. */
static inline int test_needs_met(unsigned int needs)
{
	return !(needs & TEST_TWO_CPUS) || test_cpus_online(2);
}

/* One counter of a CPU's cache statistics (offsetof(struct pcpu_stats,
 * ...)); 0 while that CPU has no cache. */
static inline __u64 test_pcpu_stat(const struct buddy *b, int cpu, size_t offset)
{
	const struct pcpu_cache *pc = (const void *)(unsigned long)b->pcpu[cpu];

	return pc ? *(const __u64 *)((const char *)&pc->stats + offset) : 0;
}

/* Keep the calling thread on one CPU: 0 or -errno. */
static inline int test_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static inline void *cpu_job_thread(void *arg)
{
	struct cpu_job *job = arg;
	int i;

	job->ret = test_pin_cpu(job->cpu);
	pthread_barrier_wait(job->start);
	for (i = 0; i < job->rounds && !job->ret; i++) {
		if (job->count && *job->count >= job->target)
			break;
		if (job->deadline && test_now() >= job->deadline)
			break;
		job->ret = job->step(job);
	}
	return NULL;
}

/* Run jobs[0] and jobs[1] at once, started together. */
static inline void run_cpu_jobs(struct cpu_job *jobs)
{
	pthread_barrier_t start;
	pthread_t threads[2];
	int i;

	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		jobs[i].start = &start;
		pthread_create(&threads[i], NULL, cpu_job_thread, &jobs[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
}

static inline int test_finish(const struct test_run *r)
{
	FILE *f;

	if (r->counts_file) {
		f = fopen(r->counts_file, "w");
		if (!f) {
			perror(r->counts_file);
			return 1;
		}
		fprintf(f, "%d %d %d\n", r->passed, r->failed, r->skipped);
		fclose(f);
	} else {
		printf("%d passed, %d failed, %d skipped\n", r->passed,
		       r->failed, r->skipped);
	}
	return r->failed ? 1 : 0;
}

#endif /* __LIBARENA_RUNNER_H */
