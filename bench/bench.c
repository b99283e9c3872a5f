// SPDX-License-Identifier: BSD-2-Clause
/*
 * `make bench`: per-CPU caches against seed mode (the plain buddy with its
 * global lock), alloc+free pairs of fixed sizes timed inside BPF, on one CPU
 * and on two at once.  Prints a table and writes JSON.
 *
 * Variants: "cached" (the default fast path, CAS-committed), "seed" (no
 * per-CPU caches), "exclusive" (the cached fast path compiled with
 * LIBARENA_EXCLUSIVE_CONTEXT: plain stores, valid only when nothing else
 * runs libarena on the CPU, as here).
 *
 *   bench [--repeats N] [--iters N] [--json FILE]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "bench.skel.h"

static const __u64 sizes[] = { 16, 64, 256, 1024, 2048 };
#define NR_SIZES	(sizeof(sizes) / sizeof(sizes[0]))
#define MAX_REPEATS	31

struct cell {			/* one allocator x size x CPU count */
	double ns_per_pair[MAX_REPEATS];	/* per CPU, or aggregate for 2 */
	double median, min, max;
	double mops;		/* pairs per microsecond, all CPUs */
	double locks_per_op;
};

enum variant { CACHED, SEED, EXCLUSIVE, NR_VARIANTS };

static const char *const variant_names[NR_VARIANTS] = {
	"libarena-cached", "libarena-seed", "libarena-cached-exclusive",
};

struct job {
	struct bench *skel;
	struct bpf_program *prog;
	struct bench_args args;
	int cpu;
	pthread_barrier_t *start;
	int err;
};

static void *job_run(void *arg)
{
	struct job *job = arg;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &job->args,
		    .ctx_size_in = sizeof(job->args));
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(job->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		job->err = -errno;
		return NULL;
	}
	pthread_barrier_wait(job->start);
	if (bpf_prog_test_run_opts(bpf_program__fd(job->prog), &opts))
		job->err = -errno;
	else
		job->err = opts.retval;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One measurement on ncpus CPUs at once; ns per pair (aggregate for 2). */
static int measure(struct bench *skel, __u64 size, __u64 iters, enum variant v,
		   int ncpus, double *ns_per_pair, double *locks_per_op)
{
	int seed = v == SEED;
	struct buddy *b = seed ? &skel->arena->bench_seed : &skel->arena->bench_cached;
	struct bpf_program *prog = v == EXCLUSIVE ? skel->progs.bench_pairs_excl :
						    skel->progs.bench_pairs;
	__u64 locks0 = b->stats.lock_acquisitions, start = ~0ull, end = 0, pairs = 0;
	pthread_barrier_t barrier;
	struct job jobs[2];
	pthread_t th[2];
	int i, err = 0;

	pthread_barrier_init(&barrier, NULL, ncpus);
	for (i = 0; i < ncpus; i++) {
		jobs[i] = (struct job){ .skel = skel, .prog = prog, .cpu = i, .start = &barrier,
			.args = { .size = size, .iters = iters, .seed_mode = seed } };
		pthread_create(&th[i], NULL, job_run, &jobs[i]);
	}
	for (i = 0; i < ncpus; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].err)
			err = jobs[i].err;
	}
	pthread_barrier_destroy(&barrier);
	if (err)
		return err;
	for (i = 0; i < ncpus; i++) {
		struct bench_result *r = &skel->arena->bench_results[i];

		start = r->start_ns < start ? r->start_ns : start;
		end = r->end_ns > end ? r->end_ns : end;
		pairs += r->pairs;
	}
	*ns_per_pair = (double)(end - start) / pairs;
	*locks_per_op = (double)(b->stats.lock_acquisitions - locks0) / (2.0 * pairs);
	return 0;
}

static int run_cell(struct bench *skel, __u64 size, __u64 iters, enum variant v,
		    int ncpus, int repeats, struct cell *c)
{
	double locks = 0, lpo;
	int i, err;

	for (i = 0; i < repeats; i++) {
		err = measure(skel, size, iters, v, ncpus, &c->ns_per_pair[i], &lpo);
		if (err)
			return err;
		locks += lpo;
	}
	qsort(c->ns_per_pair, repeats, sizeof(double), cmp_double);
	c->median = c->ns_per_pair[repeats / 2];
	c->min = c->ns_per_pair[0];
	c->max = c->ns_per_pair[repeats - 1];
	c->mops = 1e3 / c->median;
	c->locks_per_op = locks / repeats;
	return 0;
}

static void json_cell(FILE *f, const char *alloc, __u64 size, int ncpus,
		      const struct cell *c, int *first)
{
	fprintf(f, "%s\n    {\"allocator\": \"%s\", \"size\": %llu, \"cpus\": %d, "
		"\"ns_per_pair_median\": %.2f, \"ns_per_pair_min\": %.2f, "
		"\"ns_per_pair_max\": %.2f, \"mops\": %.2f, \"locks_per_op\": %.5f}",
		*first ? "" : ",", alloc, (unsigned long long)size, ncpus,
		c->median, c->min, c->max, c->mops, c->locks_per_op);
	*first = 0;
}

int main(int argc, char **argv)
{
	static struct cell cells[NR_VARIANTS][2][NR_SIZES];	/* [variant][cpus-1][size] */
	const char *json = "build/bench/results.json";
	int repeats = 7, i, s, m, n, err, first = 1, step = 0;
	__u64 iters = 50000;
	struct utsname u;
	struct bench *skel;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
			repeats = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--repeats N] [--iters N] [--json FILE]\n", argv[0]);
			return 2;
		}
	}
	if (repeats < 1 || repeats > MAX_REPEATS) {
		fprintf(stderr, "bench: --repeats must be 1..%d\n", MAX_REPEATS);
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "bench: needs two online CPUs\n");
		return 1;
	}
	skel = bench__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench: cannot load the BPF programs: %s (root? BPF arenas?)\n",
			strerror(errno));
		return 1;
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts);

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.bench_setup), &opts) ||
		    opts.retval) {
			fprintf(stderr, "bench: bench_setup failed (%d)\n", (int)opts.retval);
			return 1;
		}
	}
	/* One untimed round per variant: chunks, caches, code all warm. */
	for (m = 0; m < NR_VARIANTS; m++) {
		double ns, lpo;

		if (measure(skel, sizes[0], iters, m, 2, &ns, &lpo)) {
			fprintf(stderr, "bench: warm-up failed\n");
			return 1;
		}
	}
	for (s = 0; s < (int)NR_SIZES; s++) {
		for (m = 0; m < NR_VARIANTS; m++) {
			for (n = 1; n <= 2; n++) {
				fprintf(stderr, "\r  measuring %d/%d: %s, %llu B, %d CPU%s   ",
					++step, (int)NR_SIZES * NR_VARIANTS * 2, variant_names[m],
					(unsigned long long)sizes[s], n, n > 1 ? "s" : "");
				err = run_cell(skel, sizes[s], iters, m, n, repeats,
					       &cells[m][n - 1][s]);
				if (err) {
					fprintf(stderr, "\nbench: run failed: %d\n", err);
					return 1;
				}
			}
		}
	}
	fprintf(stderr, "\r%60s\r", "");

	uname(&u);
	printf("alloc+free pairs inside BPF, median of %d runs of %llu pairs (kernel %s)\n\n",
	       repeats, (unsigned long long)iters, u.release);
	printf("                ns per pair (1 CPU)          | seed/cached | 2 CPUs vs 1 CPU (throughput) | locks/op\n");
	printf("  size |  cached | exclusive |    seed |             |  cached exclusive     seed  | cached 2 CPUs\n");
	printf("  -----+---------+-----------+---------+-------------+------------------------------+--------------\n");
	for (s = 0; s < (int)NR_SIZES; s++) {
		struct cell *c1 = &cells[CACHED][0][s], *c2 = &cells[CACHED][1][s];
		struct cell *e1 = &cells[EXCLUSIVE][0][s], *e2 = &cells[EXCLUSIVE][1][s];
		struct cell *s1 = &cells[SEED][0][s], *s2 = &cells[SEED][1][s];

		printf("  %4llu | %7.1f | %9.1f | %7.1f | %10.1fx |  %5.2fx    %5.2fx    %5.2fx  | %12.5f\n",
		       (unsigned long long)sizes[s], c1->median, e1->median, s1->median,
		       s1->median / c1->median, c2->mops / c1->mops,
		       e2->mops / e1->mops, s2->mops / s1->mops, c2->locks_per_op);
	}

	f = fopen(json, "w");
	if (!f) {
		fprintf(stderr, "bench: %s: %s\n", json, strerror(errno));
		return 1;
	}
	fprintf(f, "{\n  \"kernel\": \"%s\",\n  \"repeats\": %d,\n  \"iters\": %llu,\n  \"results\": [",
		u.release, repeats, (unsigned long long)iters);
	for (s = 0; s < (int)NR_SIZES; s++)
		for (m = 0; m < NR_VARIANTS; m++)
			for (n = 1; n <= 2; n++)
				json_cell(f, variant_names[m], sizes[s], n,
					  &cells[m][n - 1][s], &first);
	fprintf(f, "\n  ]\n}\n");
	fclose(f);
	printf("\n  JSON: %s\n", json);
	bench__destroy(skel);
	return 0;
}
