// SPDX-License-Identifier: BSD-2-Clause
/*
 * The in-kernel test runner.  Loads the test objects (each linked with
 * libarena.bpf.o) into the running kernel and runs every SEC("syscall")
 * program named test_* with bpf_prog_test_run_opts(): before each, the
 * default instance is reset (arena_buddy_reset), after each the heap walk
 * (arena_buddy_check) must pass.  Tests named test_{seed,cache}_small_* run
 * in a second copy of the object whose arena is only a few MiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stddef.h>
#include <libarena/stats.h>
#include "runner.h"
#include "stress_types.h"
#include "buddy_tests.skel.h"

/* 8 MiB of window plus the 1 MiB guards and alignment slack. */
#define SMALL_ARENA_PAGES	((11u << 20) >> 12)

static int run_prog(struct bpf_program *prog, int *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	*retval = opts.retval;
	return err ? -errno : 0;
}

static struct buddy_tests *load(unsigned int arena_pages)
{
	struct buddy_tests *skel = buddy_tests__open();
	int err;

	if (!skel) {
		fprintf(stderr, "runner: cannot open test object: %s\n", strerror(errno));
		return NULL;
	}
	if (arena_pages)
		bpf_map__set_max_entries(skel->maps.arena, arena_pages);
	err = buddy_tests__load(skel);
	if (err) {
		fprintf(stderr, "runner: cannot load test object: %s\n", strerror(-err));
		buddy_tests__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Run one test program with the reset before and the heap walk after. */
static enum test_status run_one(struct buddy_tests *skel, struct bpf_program *prog)
{
	int err, ret;

	err = run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset failed: err %d, retval %d", err, ret);
		return TEST_FAIL;
	}
	memset(&skel->arena->test_report, 0, sizeof(skel->arena->test_report));
	err = run_prog(prog, &ret);
	if (err) {
		test_why("bpf_prog_test_run_opts: %s", strerror(-err));
		return TEST_FAIL;
	}
	if (ret) {
		if (ret == 1)
			test_print_report(&skel->arena->test_report);
		else
			test_why("program returned %d", ret);
		return TEST_FAIL;
	}
	if (!skel->arena->test_report.nr_asserts) {
		test_why("the test asserted nothing");
		return TEST_FAIL;
	}
	err = run_prog(skel->progs.arena_buddy_check, &ret);
	if (err || ret) {
		test_why("heap check after the test: err %d, retval %d", err, ret);
		test_print_check(&skel->arena->buddy.check);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE") && strstr(bpf_program__name(prog), "faults")) {
		struct libarena_faults *f = &skel->arena->libarena_faults;

		test_why("injected: %llu population, %llu lock, %llu depot failures; "
			 "seen: %llu NULL allocations, %llu refused frees (retried)",
			 (unsigned long long)f->injected[FAULT_POPULATE],
			 (unsigned long long)f->injected[FAULT_LOCK],
			 (unsigned long long)f->injected[FAULT_DEPOT],
			 (unsigned long long)skel->arena->fault_run.nulls,
			 (unsigned long long)skel->arena->fault_run.free_errors);
	}
	return TEST_OK;
}

static void run_buddy_tests(struct test_run *r, struct buddy_tests *skel)
{
	struct buddy_tests *small = NULL;
	struct bpf_program *prog;
	char name[128];

	bpf_object__for_each_program(prog, skel->obj) {
		const char *pname = bpf_program__name(prog);
		struct bpf_program *p = prog;
		struct buddy_tests *s = skel;

		if (strncmp(pname, "test_", 5))
			continue;
		snprintf(name, sizeof(name), "kernel/%s", pname + 5);
		if (!test_selected(r, name))
			continue;
		if (strstr(pname, "_small_")) {
			if (!small)
				small = load(SMALL_ARENA_PAGES);
			if (!small) {
				test_why("cannot load the small-arena copy");
				test_result(r, name, TEST_FAIL);
				continue;
			}
			s = small;
			p = bpf_object__find_program_by_name(small->obj, pname);
		}
		test_result(r, name, run_one(s, p));
	}
	buddy_tests__destroy(small);
}

/* Two programs at once, each from a thread pinned to its own CPU. */
struct cpu_job {
	struct bpf_program *prog;
	int cpu;
	int rounds;		/* at most */
	volatile __u64 *count;	/* or fewer, once *count reaches target */
	__u64 target;
	double deadline;	/* or until then, when nonzero */
	pthread_barrier_t *start;
	int err;
	int ret;
};

static void *cpu_job_run(void *arg)
{
	struct cpu_job *job = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(job->cpu, &set);
	job->err = sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
	pthread_barrier_wait(job->start);
	for (i = 0; i < job->rounds && !job->err && !job->ret; i++) {
		if (job->count && *job->count >= job->target)
			break;
		if (job->deadline && test_now() >= job->deadline)
			break;
		job->err = run_prog(job->prog, &job->ret);
	}
	return NULL;
}

static enum test_status run_jobs(struct cpu_job *jobs, struct buddy_tests *skel)
{
	pthread_barrier_t start;
	pthread_t threads[2];
	int i;

	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++)
		jobs[i].start = &start;
	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, cpu_job_run, &jobs[i]);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < 2; i++) {
		if (jobs[i].err) {
			test_why("%s on CPU %d: %s", bpf_program__name(jobs[i].prog),
				 jobs[i].cpu, strerror(-jobs[i].err));
			return TEST_FAIL;
		}
		if (jobs[i].ret) {
			test_why("%s on CPU %d returned %d", bpf_program__name(jobs[i].prog),
				 jobs[i].cpu, jobs[i].ret);
			if (jobs[i].ret == 1)
				test_print_report(&skel->arena->test_report);
			return TEST_FAIL;
		}
	}
	return TEST_OK;
}

static enum test_status run_on_two_cpus(struct bpf_program *a, struct bpf_program *b,
					int rounds, int seconds, struct buddy_tests *skel)
{
	double deadline = seconds ? test_now() + seconds : 0;
	struct cpu_job jobs[2] = {
		{ .prog = a, .cpu = 0, .rounds = seconds ? 1 << 30 : rounds, .deadline = deadline },
		{ .prog = b, .cpu = 1, .rounds = seconds ? 1 << 30 : rounds, .deadline = deadline },
	};

	return run_jobs(jobs, skel);
}

/* Run a program once; a failure explains itself. */
static enum test_status run_step(struct buddy_tests *skel, struct bpf_program *prog)
{
	int err, ret;

	err = run_prog(prog, &ret);
	if (err || ret) {
		test_why("%s: err %d, retval %d", bpf_program__name(prog), err, ret);
		if (ret == 1)
			test_print_report(&skel->arena->test_report);
		return TEST_FAIL;
	}
	return TEST_OK;
}

#define STRESS_ROUNDS	150
#define PC_BLOCKS	300000	/* through the ring */
#define PC_MAX_ROUNDS	100000

/* Random alloc/free/realloc with stamps on two CPUs at once. */
static enum test_status test_two_cpu_stress(struct buddy_tests *skel,
					    struct bpf_program *begin, int seconds)
{
	struct bpf_program *worker = skel->progs.stress_worker;
	struct stress_worker *w = skel->arena->stress_workers;

	if (run_step(skel, begin) ||
	    run_on_two_cpus(worker, worker, STRESS_ROUNDS, seconds, skel) ||
	    run_step(skel, skel->progs.stress_finish))
		return TEST_FAIL;
	if (seconds || getenv("LIBARENA_TEST_VERBOSE"))
		test_why("%llu operations (%llu reallocs) on 2 CPUs in %s",
			 (unsigned long long)(w[0].ops + w[1].ops),
			 (unsigned long long)(w[0].reallocs + w[1].reallocs),
			 seconds ? "the given time" : "the fixed rounds");
	return TEST_OK;
}

static __u64 pcpu_stat(const struct buddy *b, int cpu, size_t offset)
{
	const struct pcpu_cache *pc = (const void *)(unsigned long)b->pcpu[cpu];

	return pc ? *(const __u64 *)((const char *)&pc->stats + offset) : 0;
}

/* Blocks allocated on CPU 0, freed on CPU 1: memory flows back to CPU 0
 * through the depot, the heap stays bounded, nothing leaks. */
static enum test_status test_producer_consumer(struct buddy_tests *skel)
{
	const struct buddy *b = &skel->arena->buddy;
	struct pc_ring *ring = &skel->arena->pc_ring;
	struct cpu_job jobs[2] = {
		{ .prog = skel->progs.pc_produce, .cpu = 0, .rounds = PC_MAX_ROUNDS,
		  .count = &ring->produced, .target = PC_BLOCKS },
		{ .prog = skel->progs.pc_consume, .cpu = 1, .rounds = PC_MAX_ROUNDS,
		  .count = &ring->consumed, .target = PC_BLOCKS },
	};

	if (run_step(skel, skel->progs.stress_begin_cache) ||
	    run_jobs(jobs, skel) || run_step(skel, skel->progs.pc_finish))
		return TEST_FAIL;
	if (ring->consumed < PC_BLOCKS) {
		test_why("expected %d blocks through the ring, got %llu", PC_BLOCKS,
			 (unsigned long long)ring->consumed);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE"))
		test_why("%llu blocks through the ring, heap peak %.2f MiB, %llu depot hits on CPU 0",
			 (unsigned long long)ring->consumed, ring->peak_bytes / 1048576.0,
			 (unsigned long long)pcpu_stat(b, 0, offsetof(struct pcpu_stats, depot_hits)));
	if (!pcpu_stat(b, 0, offsetof(struct pcpu_stats, depot_hits)) ||
	    !pcpu_stat(b, 1, offsetof(struct pcpu_stats, depot_puts))) {
		test_why("expected batches through the depot, got %llu puts on CPU 1, %llu hits on CPU 0",
			 (unsigned long long)pcpu_stat(b, 1, offsetof(struct pcpu_stats, depot_puts)),
			 (unsigned long long)pcpu_stat(b, 0, offsetof(struct pcpu_stats, depot_hits)));
		return TEST_FAIL;
	}
	return TEST_OK;
}

static __u64 buddy_total_allocs(const struct buddy *b)
{
	struct buddy_totals t;

	buddy_read_totals(b, &t);
	return t.allocs;
}

/* arena_buddy_reset empties the default instance and leaves it usable. */
static enum test_status test_reset_program(struct buddy_tests *skel)
{
	struct buddy_stats *st = &skel->arena->buddy.stats;
	int err, ret, cpu;

	err = run_prog(skel->progs.arena_buddy_reset, &ret);
	if (!err && !ret)
		err = run_prog(skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill_default: expected 100 blocks, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	if (st->bytes_in_use < 100 * 64 || buddy_total_allocs(&skel->arena->buddy) != 100) {
		test_why("stats read from user space: expected >= 6400 bytes in 100 allocs, got %llu in %llu",
			 (unsigned long long)st->bytes_in_use,
			 (unsigned long long)buddy_total_allocs(&skel->arena->buddy));
		return TEST_FAIL;
	}
	err = run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset: expected 0, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	if (st->bytes_in_use || st->chunks || st->allocs ||
	    skel->arena->buddy.state != BUDDY_READY) {
		test_why("after reset: expected empty ready instance, got %llu bytes, %llu chunks, state %llu",
			 (unsigned long long)st->bytes_in_use,
			 (unsigned long long)st->chunks,
			 (unsigned long long)skel->arena->buddy.state);
		return TEST_FAIL;
	}
	for (cpu = 0; cpu < LIBARENA_MAX_CPUS; cpu++) {
		if (skel->arena->buddy.pcpu[cpu]) {
			test_why("after reset: CPU %d still has a cache", cpu);
			return TEST_FAIL;
		}
	}
	err = run_prog(skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill after reset: expected 100, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	return TEST_OK;
}

static void run_multi_cpu_tests(struct test_run *r, struct buddy_tests *skel)
{
	static const char *const names[] = {
		"kernel/seed_two_cpu_stress",
		"kernel/cache_two_cpu_stress",
		"kernel/cache_producer_consumer",
	};
	bool two = libbpf_num_possible_cpus() >= 2 && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	enum test_status status;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!test_selected(r, names[i]))
			continue;
		if (!two) {
			test_why("needs two online CPUs");
			test_result(r, names[i], TEST_SKIP);
			continue;
		}
		if (i == 0)
			status = test_two_cpu_stress(skel, skel->progs.stress_begin_seed,
						     r->stress_seconds);
		else if (i == 1)
			status = test_two_cpu_stress(skel, skel->progs.stress_begin_cache,
						     r->stress_seconds);
		else
			status = test_producer_consumer(skel);
		test_result(r, names[i], status);
	}
}

/* --verified: how much verifier work each program took. */
static void print_verified(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			printf("%8u %s\n", info.verified_insns, bpf_program__name(prog));
	}
}

int main(int argc, char **argv)
{
	struct buddy_tests *skel;
	struct test_run r;
	const char *name = "kernel/reset_via_syscall_program";

	test_run_init(&r, argc, argv);
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_ARENA, NULL) != 1) {
		test_result(&r, "kernel/*", TEST_SKIP);
		test_why("this kernel has no BPF arena (BPF_MAP_TYPE_ARENA); needs Linux >= 6.9");
		return test_finish(&r);
	}
	skel = load(0);
	if (!skel) {
		test_result(&r, "kernel/load", TEST_FAIL);
		return test_finish(&r);
	}
	if (argc > 1 && !strcmp(argv[argc - 1], "--verified")) {
		print_verified(skel->obj);
		buddy_tests__destroy(skel);
		return 0;
	}
	run_buddy_tests(&r, skel);
	if (test_selected(&r, name))
		test_result(&r, name, test_reset_program(skel));
	run_multi_cpu_tests(&r, skel);
	buddy_tests__destroy(skel);
	return test_finish(&r);
}
