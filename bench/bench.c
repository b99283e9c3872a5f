// SPDX-License-Identifier: BSD-2-Clause
/*
 * `make bench` (full) and the benchmark half of `make run` (--quick):
 * libarena against what a BPF author would use instead, timed inside BPF,
 * on one CPU and on two at once.  Prints tables as it goes, writes
 * build/bench/results.json and PNG plots (gnuplot).
 *
 * Allocators:
 *   cached     libarena, per-CPU caches (the default)
 *   irq        the same fast path built with LIBARENA_IRQ_CONTEXT (no
 *              preemption guard: for programs that cannot be preempted)
 *   exclusive  the same fast path built with LIBARENA_EXCLUSIVE_CONTEXT
 *              (plain stores; valid here: one benchmark thread per CPU)
 *   uncached   libarena without caches: every operation takes the lock
 *   obj_new    the kernel's bpf_obj_new/bpf_obj_drop (up to 2 KiB: a
 *              4096-byte type returned NULL here)
 *   pages      bpf_arena_alloc_pages/bpf_arena_free_pages (4 KiB and up)
 *
 * Workloads: fixed-size pairs of every size class 16 B .. 512 KiB; larson (random sizes, 1024
 * live blocks per CPU, free one and allocate one); producer/consumer
 * (allocated on CPU 0, freed on CPU 1); free-all (16384 live blocks, then
 * free them all: memory held and given back); realloc growth (16 B doubled
 * to 512 KiB).  A cell that does not apply is in the JSON with its reason.
 *
 * Under scripts/kernel-vm --count-insns (make bench and make run do where
 * the VM runs them), qemu counts the x86 instructions each pair and
 * realloc executes, and the locked ones: exact where the emulated CPU's
 * nanoseconds are not.  They print beside the ns and go into the JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>
#include "bench.h"
#include "count_run.h"
#include "../tools/insn-count/insn_count.h"
#include "../tests/progs/budget_types.h"	/* the verifier budgets make test checks */
#include "bench.skel.h"

#define MAX_REPEATS	31

enum alloc { CACHED, IRQ, EXCLUSIVE, UNCACHED, OBJNEW, PAGES, NR_ALLOCS };

static const char *const alloc_names[NR_ALLOCS] = {
	"cached", "irq", "exclusive", "uncached", "obj_new", "pages",
};

/* Every size class in the full run, every other one in --quick. */
#define NR_SIZES	16
static __u64 sizes[NR_SIZES];
static int nr_sizes;

static void pick_sizes(int quick)
{
	int order;

	for (order = 0; order < NR_SIZES; order++)
		if (!quick || !(order & 1) || order == 7)
			sizes[nr_sizes++] = 16ull << order;
}

struct opts {
	int repeats;
	__u64 iters;		/* pairs per run */
	__u64 pc_blocks;	/* producer/consumer */
	const char *out_dir;
	int quick;
};

/* One measured cell: the median run and its spread. */
struct cell {
	int valid;
	const char *na;		/* why it does not apply */
	double ns_per_op;	/* median; aggregate over CPUs */
	double min, max;
	double mops;
	double locks_per_op;
	int counted;		/* instructions counted by qemu */
	double insns, locked;	/* executed per operation, 1 CPU */
};

struct job {
	struct bpf_program *prog;
	struct bench_args args;
	int cpu;
	pthread_barrier_t *start;
	volatile __u64 *count;	/* producer/consumer: run until *count >= target */
	__u64 target;
	int err;
};

static struct bench *skel;
static int count_fd = -1;	/* the counting plugin's file, or -errno */
static FILE *json;
static int json_first = 1;

static int run_prog(struct bpf_program *prog, struct bench_args *args)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = args ? sizeof(*args) : 0);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	return opts.retval;
}

static void *job_run(void *arg)
{
	struct job *job = arg;
	int rounds = 0;

	job->err = insn_count_pin(job->cpu);
	pthread_barrier_wait(job->start);
	if (job->err)
		return NULL;
	do {
		job->err = run_prog(job->prog, &job->args);
	} while (!job->err && job->count && *job->count < job->target &&
		 ++rounds < 10000000);
	return NULL;
}

/* Run jobs[0..n) at once, each on its CPU. */
static int run_jobs(struct job *jobs, int n)
{
	pthread_barrier_t start;
	pthread_t th[2];
	int i, err = 0;

	pthread_barrier_init(&start, NULL, n);
	for (i = 0; i < n; i++) {
		jobs[i].start = &start;
		pthread_create(&th[i], NULL, job_run, &jobs[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].err)
			err = jobs[i].err;
	}
	pthread_barrier_destroy(&start);
	return err;
}

static struct buddy *instance(enum alloc a)
{
	return a == UNCACHED ? &skel->arena->bench_uncached : &skel->arena->bench_cached;
}

/* One timed run of prog on ncpus CPUs; ns per op over all of them. */
static int measure(struct bpf_program *prog, enum alloc a, __u64 size, __u64 iters,
		   int ncpus, double *ns_per_op, double *locks_per_op)
{
	__u64 locks0 = instance(a)->stats.lock_acquisitions, start = ~0ull, end = 0, ops = 0;
	struct job jobs[2];
	int i, err;

	for (i = 0; i < ncpus; i++)
		jobs[i] = (struct job){ .prog = prog, .cpu = i,
			.args = { .size = size, .iters = iters, .uncached = a == UNCACHED } };
	err = run_jobs(jobs, ncpus);
	if (err)
		return err;
	for (i = 0; i < ncpus; i++) {
		struct bench_result *r = &skel->arena->bench_results[i];

		start = r->start_ns < start ? r->start_ns : start;
		end = r->end_ns > end ? r->end_ns : end;
		ops += r->pairs;
	}
	if (!ops)
		return -ENODATA;
	*ns_per_op = (double)(end - start) / ops;
	*locks_per_op = (double)(instance(a)->stats.lock_acquisitions - locks0) / (2.0 * ops);
	return 0;
}

/* Instructions per operation of prog on this (pinned) thread's CPU, where
 * qemu counts: n iterations against 2n, ops_per_iter operations each.  A
 * cell that cannot be counted keeps its ns alone. */
static void count_cell(struct cell *c, struct bpf_program *prog, enum alloc a, __u64 size,
		       __u64 n, double ops_per_iter)
{
	struct count_run run = { .prog = prog,
		.args = { .size = size, .uncached = a == UNCACHED } };
	struct insn_count per;
	int err;

	if (count_fd < 0)
		return;
	err = insn_count_per_op(count_fd, count_run_prog, &run, n, &per);
	if (err) {
		fprintf(stderr, "bench: counting %s: %s\n", bpf_program__name(prog), strerror(-err));
		return;
	}
	c->counted = 1;
	c->insns = per.insns / ops_per_iter;
	c->locked = per.locked / ops_per_iter;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void cell_from_runs(struct cell *c, double *ns, int n, double locks)
{
	qsort(ns, n, sizeof(double), cmp_double);
	c->valid = 1;
	c->ns_per_op = ns[n / 2];
	c->min = ns[0];
	c->max = ns[n - 1];
	c->mops = 1e3 / c->ns_per_op;
	c->locks_per_op = locks / n;
}

static int run_cell(struct bpf_program *prog, enum alloc a, __u64 size, __u64 iters,
		    int ncpus, const struct opts *o, struct cell *c)
{
	double ns[MAX_REPEATS], locks = 0, lpo;
	int i, err;

	for (i = 0; i < o->repeats; i++) {
		err = measure(prog, a, size, iters, ncpus, &ns[i], &lpo);
		if (err)
			return err;
		locks += lpo;
	}
	cell_from_runs(c, ns, o->repeats, locks);
	return 0;
}

static void json_cell(const char *workload, const char *allocator, __u64 size, int ncpus,
		      const struct cell *c, const char *extra)
{
	fprintf(json, "%s\n    {\"workload\": \"%s\", \"allocator\": \"%s\", \"size\": %llu, \"cpus\": %d",
		json_first ? "" : ",", workload, allocator, (unsigned long long)size, ncpus);
	json_first = 0;
	if (!c->valid)
		fprintf(json, ", \"na\": \"%s\"", c->na ? c->na : "failed");
	else
		fprintf(json, ", \"ns_per_op\": %.2f, \"ns_min\": %.2f, \"ns_max\": %.2f, "
			"\"mops\": %.3f, \"locks_per_op\": %.5f",
			c->ns_per_op, c->min, c->max, c->mops, c->locks_per_op);
	if (c->valid && c->counted)
		fprintf(json, ", \"insns_per_op\": %.1f, \"locked_per_op\": %.2f", c->insns, c->locked);
	fprintf(json, "%s}", extra ? extra : "");
}

/* Fresh instances and no stale slots: each workload starts clean. */
static int reset_instances(void)
{
	return run_prog(skel->progs.bench_setup, NULL) ?: run_prog(skel->progs.bench_clear, NULL);
}

static int step, steps;

static void progress(const char *what)
{
	fprintf(stderr, "\r  [%d/%d] %-60s", ++step, steps, what);
	fflush(stderr);
}

static void progress_done(void)
{
	fprintf(stderr, "\r%80s\r", "");
}

/* A step failed: clear the progress line, say which step and why. */
static int step_failed(const char *what, int err)
{
	progress_done();
	fprintf(stderr, "bench: %s: %s\n", what, strerror(-err));
	return err;
}

/* Why allocations failed, for a run that stopped at a NULL. */
static void print_failure_stats(const struct buddy *b)
{
	const struct buddy_stats *st = &b->stats;

	fprintf(stderr, "bench: the instance: %llu failed allocations, %llu found the reserve dry, "
		"%llu lock timeouts, %llu lock deadlocks, %llu chunks\n",
		(unsigned long long)st->failed_allocs, (unsigned long long)st->reserve_dry,
		(unsigned long long)st->lock_timeouts, (unsigned long long)st->lock_deadlocks,
		(unsigned long long)st->chunks);
}

/* A cell that failed: what, and why allocations failed if one of the
 * bench's instances served it. */
static int cell_failed(const char *what, int err, enum alloc a)
{
	step_failed(what, err);
	if (a != OBJNEW && a != PAGES)
		print_failure_stats(instance(a));
	return err;
}

static struct bpf_program *pairs_prog(enum alloc a)
{
	switch (a) {
	case EXCLUSIVE:
		return skel->progs.bench_pairs_excl;
	case IRQ:
		return skel->progs.bench_pairs_irq;
	case OBJNEW:
		return skel->progs.bench_objnew;
	case PAGES:
		return skel->progs.bench_pages;
	default:
		return skel->progs.bench_pairs;
	}
}

static const char *pairs_na(enum alloc a, __u64 size)
{
	if (a == OBJNEW && size > 2048)
		return "bpf_obj_new returned NULL for a 4096-byte type here";
	if (a == PAGES && size < 4096)
		return "arena pages are 4 KiB";
	return NULL;
}

static double fmt_ns(const struct cell *c)
{
	return c->valid ? c->ns_per_op : 0;
}

static void print_ns(const struct cell *c)
{
	if (c->valid)
		printf(" %9.1f", c->ns_per_op);
	else
		printf(" %9s", "-");
}

/* "instructions/locked" per operation, or "-". */
static void print_count(const struct cell *c)
{
	char buf[32];

	if (c->valid && c->counted)
		snprintf(buf, sizeof(buf), "%.0f/%.0f", c->insns, c->locked);
	else
		snprintf(buf, sizeof(buf), "-");
	printf(" %10s", buf);
}

static void print_pairs_counts(struct cell cells[NR_ALLOCS][2][NR_SIZES])
{
	int a, s;

	printf("Fixed-size alloc+free pairs, x86 instructions/locked ones executed per pair\n"
	       "(counted by qemu, 1 CPU; the loop's own few instructions included)\n\n");
	printf("    size |     cached        irq  exclusive   uncached    obj_new      pages\n");
	printf("  -------+------------------------------------------------------------------\n");
	for (s = 0; s < nr_sizes; s++) {
		printf("  %6llu |", (unsigned long long)sizes[s]);
		for (a = 0; a < NR_ALLOCS; a++)
			print_count(&cells[a][0][s]);
		printf("\n");
	}
	printf("\n");
}

/* Fixed-size pairs: every allocator x size x CPU count. */
static int bench_pairs(const struct opts *o, struct cell cells[NR_ALLOCS][2][NR_SIZES])
{
	char what[96];
	int a, n, s, err;
	__u64 iters;

	for (s = 0; s < nr_sizes; s++) {
		for (a = 0; a < NR_ALLOCS; a++) {
			for (n = 1; n <= 2; n++) {
				struct cell *c = &cells[a][n - 1][s];

				c->na = pairs_na(a, sizes[s]);
				if (c->na)
					continue;
				/* Page allocation costs grow with the size. */
				iters = a == PAGES ? o->iters / 25 / (sizes[s] >> 12) + 20 : o->iters;
				snprintf(what, sizeof(what), "pairs %s %llu B on %d CPU%s",
					 alloc_names[a], (unsigned long long)sizes[s], n, n > 1 ? "s" : "");
				progress(what);
				err = run_cell(pairs_prog(a), a, sizes[s], iters, n, o, c);
				if (err)
					return cell_failed(what, err, a);
				if (n == 1)
					count_cell(c, pairs_prog(a), a, sizes[s], a == PAGES ? 50 : 500, 1);
			}
		}
	}
	progress_done();
	printf("Fixed-size alloc+free pairs, ns per pair (median of %d runs; 2 CPUs: wall time / all pairs)\n\n",
	       o->repeats);
	printf("    size |   cached       irq exclusive  uncached   obj_new     pages | 2 CPUs:  cached  uncached   obj_new     pages\n");
	printf("  -------+------------------------------------------------------------+------------------------------------------\n");
	for (s = 0; s < nr_sizes; s++) {
		printf("  %6llu |", (unsigned long long)sizes[s]);
		for (a = 0; a < NR_ALLOCS; a++)
			print_ns(&cells[a][0][s]);
		printf(" |        ");
		print_ns(&cells[CACHED][1][s]);
		print_ns(&cells[UNCACHED][1][s]);
		print_ns(&cells[OBJNEW][1][s]);
		print_ns(&cells[PAGES][1][s]);
		printf("\n");
	}
	printf("\n");
	if (count_fd >= 0)
		print_pairs_counts(cells);
	return 0;
}

/* The allocator's arena lock word beside the kernel's bpf_res_spin_lock. */
static const char *const lock_names[BENCH_NR_LOCKS] = { "arena_lock", "res_spin_lock" };
static const char *const lock_titles[BENCH_NR_LOCKS] = { "arena lock", "bpf_res_spin_lock" };

struct lock_cell {
	struct cell c;
	__u64 failed;		/* lock calls that failed, over all runs */
};

static struct bpf_program *lock_prog(enum bench_lock l)
{
	return l == BENCH_ARENA_LOCK ? skel->progs.bench_lock_arena : skel->progs.bench_lock_res;
}

/* No allocator instance is involved (CACHED only fills measure()'s
 * argument): locks per op come from the program's own counters. */
static int run_lock_cell(enum bench_lock l, int ncpus, const struct opts *o,
			 struct lock_cell *lc)
{
	struct bench_lock_count *count = &skel->arena->bench_lock_counts[l], before = *count;
	__u64 taken;
	int err;

	err = run_cell(lock_prog(l), CACHED, 0, o->iters, ncpus, o, &lc->c);
	if (err)
		return err;
	taken = count->taken - before.taken;
	lc->failed = count->failed - before.failed;
	lc->c.locks_per_op = (double)taken / (taken + lc->failed);
	return 0;
}

/* Why a lock cannot be measured on this kernel, or NULL. */
static const char *lock_na(enum bench_lock l)
{
	struct btf *btf;
	bool have;

	if (l != BENCH_RES_SPIN_LOCK)
		return NULL;
	btf = btf__load_vmlinux_btf();
	have = btf && btf__find_by_name_kind(btf, "bpf_res_spin_lock", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return have ? NULL : "this kernel has no bpf_res_spin_lock (Linux 6.15+)";
}

static int bench_locks(const struct opts *o, struct lock_cell cells[BENCH_NR_LOCKS][2])
{
	const char *na;
	char what[96];
	int l, n, err;

	for (l = 0; l < BENCH_NR_LOCKS; l++) {
		na = lock_na(l);
		for (n = 1; n <= 2; n++) {
			cells[l][n - 1].c.na = na;
			if (na)
				continue;
			snprintf(what, sizeof(what), "lock %s on %d CPU%s", lock_titles[l], n,
				 n > 1 ? "s" : "");
			progress(what);
			err = run_lock_cell(l, n, o, &cells[l][n - 1]);
			if (err)
				return step_failed(what, err);
		}
	}
	progress_done();
	printf("Locks, ns per lock+unlock pair (median of %d runs; 2 CPUs: wall time / all pairs)\n\n",
	       o->repeats);
	printf("                      |     1 CPU    2 CPUs | failed lock calls: 1 CPU  2 CPUs\n");
	printf("  --------------------+---------------------+-----------------------------------\n");
	for (l = 0; l < BENCH_NR_LOCKS; l++) {
		printf("  %-19s |", lock_titles[l]);
		print_ns(&cells[l][0].c);
		print_ns(&cells[l][1].c);
		if (cells[l][0].c.na)
			printf(" | %s\n", cells[l][0].c.na);
		else
			printf(" |                    %5llu  %6llu\n",
			       (unsigned long long)cells[l][0].failed,
			       (unsigned long long)cells[l][1].failed);
	}
	printf("\n");
	return 0;
}

/* larson: random sizes up to each of larson_max[], cached and uncached, 1 and
 * 2 CPUs. */
#define NR_LARSON	2
static const __u64 larson_max[NR_LARSON] = { BENCH_SMALL_MAX, 64 << 10 };

static int bench_larson(const struct opts *o, struct cell cells[NR_LARSON][NR_ALLOCS][2])
{
	enum alloc allocs[] = { CACHED, UNCACHED };
	char what[96];
	int i, n, m, err;

	for (m = 0; m < NR_LARSON; m++)
	for (i = 0; i < 2; i++) {
		for (n = 1; n <= 2; n++) {
			snprintf(what, sizeof(what), "larson %llu KiB %s on %d CPU%s",
				 (unsigned long long)larson_max[m] >> 10, alloc_names[allocs[i]],
				 n, n > 1 ? "s" : "");
			progress(what);
			err = run_cell(skel->progs.bench_larson, allocs[i], larson_max[m],
				       o->iters, n, o, &cells[m][allocs[i]][n - 1]);
			if (err)
				return cell_failed(what, err, allocs[i]);
			if (n == 1)	/* an op: a random free and a random alloc */
				count_cell(&cells[m][allocs[i]][0], skel->progs.bench_larson,
					   allocs[i], larson_max[m], 500, 1);
		}
	}
	progress_done();
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Blocks per counted run (twice as many fit the ring). */
#define PRODCONS_COUNTED	400

/*
 * Producer/consumer counted: n blocks allocated on CPU 0, then all freed
 * on CPU 1, one after the other, so that no waiting is counted; each
 * block's instructions on both CPUs added up.
 */
static void count_prodcons(struct cell *c, enum alloc a)
{
	struct bench_ring *ring = &skel->arena->bench_ring;
	struct bench_args args = { .uncached = a == UNCACHED };
	struct count_run produce = { .prog = skel->progs.bench_produce, .args = args };
	struct count_run consume = { .prog = skel->progs.bench_consume, .args = args };
	struct insn_count_step steps[] = {
		{ .run = count_run_prog, .arg = &produce, .cpu = 0 },
		{ .run = count_run_prog, .arg = &consume, .cpu = 1 },
	};
	struct insn_count per;
	int err;

	if (count_fd < 0)
		return;
	/* What the timed runs left in the ring, freed on the consumer's CPU. */
	err = insn_count_pin(1) ?: count_run_prog(&consume, BENCH_RING);
	if (!err && ring->head != ring->tail)
		err = -EBUSY;
	err = err ?: insn_count_steps_per_op(count_fd, steps, 2, PRODCONS_COUNTED, &per);
	err = insn_count_pin(0) ?: err;		/* counting reads CPU 0 */
	if (err) {
		fprintf(stderr, "bench: counting producer/consumer: %s\n", strerror(-err));
		return;
	}
	c->counted = 1;
	c->insns = per.insns;
	c->locked = per.locked;
}

/* Producer on CPU 0, consumer on CPU 1; wall time per block, from user
 * space (includes one bpf_prog_test_run per batch of up to 1000). */
static int bench_prodcons(const struct opts *o, struct cell *cells)
{
	enum alloc allocs[] = { CACHED, UNCACHED };
	struct bench_ring *ring = &skel->arena->bench_ring;
	double ns[MAX_REPEATS], locks, t0;
	__u64 locks0;
	int i, r, err;

	for (i = 0; i < 2; i++) {
		enum alloc a = allocs[i];
		char what[64];

		locks = 0;
		snprintf(what, sizeof(what), "producer/consumer %s", alloc_names[a]);
		progress(what);
		for (r = 0; r < o->repeats; r++) {
			struct bench_args args = { .iters = 1000, .uncached = a == UNCACHED };
			struct job jobs[2] = {
				{ .prog = skel->progs.bench_produce, .cpu = 0, .args = args,
				  .count = &ring->head, .target = ring->head + o->pc_blocks },
				{ .prog = skel->progs.bench_consume, .cpu = 1, .args = args,
				  .count = &ring->tail, .target = ring->tail + o->pc_blocks },
			};

			locks0 = instance(a)->stats.lock_acquisitions;
			t0 = now_ns();
			err = run_jobs(jobs, 2);
			ns[r] = (now_ns() - t0) / o->pc_blocks;
			if (err)
				return cell_failed(what, err, a);
			locks += (double)(instance(a)->stats.lock_acquisitions - locks0) /
				 (2.0 * o->pc_blocks);
		}
		cell_from_runs(&cells[a], ns, o->repeats, locks);
		count_prodcons(&cells[a], a);
	}
	progress_done();
	return 0;
}

/* Memory held at the peak of a free-all or fixed-size run, in bytes. */
struct freeall_cell {
	struct cell c;
	double requested, handed, pow2, in_use, populated, populated_after;
};

/* What the heap costs: blocks and slabs in use plus their chunks'
 * metadata pro rata (the chunk count itself moves in 1 MiB steps). */
static double footprint(const struct freeall_cell *f)
{
	return f->in_use * CHUNK_SIZE / CHUNK_CAPACITY;
}

static void freeall_from_result(struct freeall_cell *f, const struct bench_result *res)
{
	f->requested = res->requested;
	f->handed = res->handed;
	f->pow2 = res->pow2;
	f->in_use = res->in_use;
	f->populated = res->populated;
	f->populated_after = res->populated_after;
}

static int bench_freeall(const struct opts *o, struct freeall_cell *cells)
{
	enum alloc allocs[] = { CACHED, UNCACHED };
	double ns[MAX_REPEATS], lpo;
	int i, r, err;

	for (i = 0; i < 2; i++) {
		struct freeall_cell *f = &cells[allocs[i]];
		struct bench_result *res = &skel->arena->bench_results[0];
		char what[64];

		snprintf(what, sizeof(what), "free-all %s", alloc_names[allocs[i]]);
		progress(what);
		for (r = 0; r < o->repeats; r++) {
			err = measure(skel->progs.bench_freeall, allocs[i], 0, 0, 1, &ns[r], &lpo);
			if (err)
				return cell_failed(what, err, allocs[i]);
		}
		cell_from_runs(&f->c, ns, o->repeats, 0);
		freeall_from_result(f, res);
	}
	progress_done();
	return 0;
}

/* Fixed sizes a BPF program typically allocates (records of tasks, flows,
 * nodes), each with MEM_OBJECTS[] objects live at once, cached instance. */
#define NR_MEM_SIZES	6
#define NR_MEM_COUNTS	2
static const __u64 mem_sizes[NR_MEM_SIZES] = { 48, 72, 200, 520, 1100, 3000 };
static const __u64 mem_counts[NR_MEM_COUNTS] = { 10000, 50000 };

static int bench_memory(const struct opts *o, struct freeall_cell cells[NR_MEM_SIZES][NR_MEM_COUNTS])
{
	double ns, lpo;
	int i, k, err;

	for (i = 0; i < NR_MEM_SIZES; i++) {
		for (k = 0; k < (o->quick ? 1 : NR_MEM_COUNTS); k++) {
			char what[64];

			snprintf(what, sizeof(what), "memory %llu x %llu B",
				 (unsigned long long)mem_counts[k], (unsigned long long)mem_sizes[i]);
			progress(what);
			err = measure(skel->progs.bench_freeall, CACHED, mem_sizes[i], mem_counts[k],
				      1, &ns, &lpo);
			if (err)
				return cell_failed(what, err, CACHED);
			cell_from_runs(&cells[i][k].c, &ns, 1, 0);
			freeall_from_result(&cells[i][k], &skel->arena->bench_results[0]);
		}
	}
	progress_done();
	return 0;
}

static int bench_realloc(const struct opts *o, struct cell *c)
{
	progress("realloc growth");
	if (run_cell(skel->progs.bench_realloc, CACHED, 0, o->quick ? 100 : 400, 1, o, c)) {
		progress_done();
		fprintf(stderr, "bench: realloc growth failed\n");
		return -1;
	}
	/* An iteration: malloc, 15 reallocs, free. */
	count_cell(c, skel->progs.bench_realloc, CACHED, 0, 20, 15);
	progress_done();
	return 0;
}

/* Everything measured: what the JSON, the tables and the plots show. */
struct results {
	struct cell pairs[NR_ALLOCS][2][NR_SIZES];
	struct lock_cell locks[BENCH_NR_LOCKS][2];
	struct cell larson[NR_LARSON][NR_ALLOCS][2];
	struct cell pc[NR_ALLOCS];
	struct freeall_cell fa[NR_ALLOCS];
	struct freeall_cell mem[NR_MEM_SIZES][NR_MEM_COUNTS];
	struct cell re;
	__u32 alloc_insns, free_insns, pair_insns;	/* verified_insns */
};

static __u32 verified_insns(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len) ? 0 :
	       info.verified_insns;
}

/* What a program calling only that costs the verifier (any-context build). */
static void read_verifier_cost(struct results *r)
{
	r->alloc_insns = verified_insns(skel->progs.probe_alloc);
	r->free_insns = verified_insns(skel->progs.probe_free);
	r->pair_insns = verified_insns(skel->progs.probe_pair);
}

static void print_insns(const char *what, __u32 insns, __u32 budget)
{
	printf("%s %u of %u%s", what, insns, budget, insns > budget ? " (OVER BUDGET)" : "");
}

static const char *const pairs_sizes_na = "not measured: one size class per run only";
static const char *const na_libarena_only = "libarena workloads only (random sizes need a heap)";

static void print_larson(const struct cell larson[NR_ALLOCS][2], __u64 max)
{
	enum alloc allocs[] = { CACHED, UNCACHED };
	int i;

	printf("  larson (random 16 B..%llu KiB, %d live per CPU; free one, alloc one):\n",
	       (unsigned long long)max >> 10, BENCH_LIVE);
	for (i = 0; i < 2; i++) {
		const struct cell *one = &larson[allocs[i]][0];

		printf("     %-8s %7.1f ns (1 CPU) %7.1f ns (2 CPUs, aggregate)   locks/op %.4f",
		       alloc_names[allocs[i]], fmt_ns(one), fmt_ns(&larson[allocs[i]][1]),
		       larson[allocs[i]][1].locks_per_op);
		if (one->valid && one->counted)
			printf("   %.0f/%.2f instructions/locked per op (1 CPU)", one->insns, one->locked);
		printf("\n");
	}
}

/* The fixed-size memory table: footprint (blocks and slabs in use, plus
 * chunk metadata pro rata) and whole chunks, each over the bytes asked. */
static void print_memory(const struct opts *o, const struct results *r)
{
	int i, k;

	printf("Memory at the peak, fixed sizes (cached instance), over the bytes asked:\n\n");
	printf("    size  objects | footprint  chunks | power-of-two classes would hand out\n");
	printf("  ----------------+-------------------+------------------------------------\n");
	for (i = 0; i < NR_MEM_SIZES; i++)
		for (k = 0; k < (o->quick ? 1 : NR_MEM_COUNTS); k++) {
			const struct freeall_cell *m = &r->mem[i][k];

			printf("  %6llu  %7llu |     %.3f   %5.2f |  %.3f\n",
			       (unsigned long long)mem_sizes[i], (unsigned long long)mem_counts[k],
			       footprint(m) / m->requested, m->populated / m->requested,
			       m->pow2 / m->requested);
		}
	printf("\n");
}

/* The workloads' table, after the pairs and locks tables printed as they ran. */
static void print_tables(const struct opts *o, const struct results *r)
{
	const struct freeall_cell *fa = r->fa;
	const struct cell *pc = r->pc;
	int a, m;

	printf("Workloads, ns per operation (median of %d runs)\n\n", o->repeats);
	for (m = 0; m < NR_LARSON; m++)
		print_larson(r->larson[m], larson_max[m]);
	printf("  producer/consumer (alloc on CPU 0, free on CPU 1, wall time per block):\n");
	for (a = CACHED; a <= UNCACHED; a += UNCACHED - CACHED) {
		printf("     %-8s %7.1f ns   locks/op %.4f", alloc_names[a], fmt_ns(&pc[a]),
		       pc[a].locks_per_op);
		if (pc[a].valid && pc[a].counted)
			printf("   %.0f/%.2f instructions/locked per block (both CPUs, "
			       "one after the other)", pc[a].insns, pc[a].locked);
		printf("\n");
	}
	printf("  free-all (%d live blocks of 16 B..4 KiB, then free all and trim):\n", BENCH_FREEALL);
	for (a = CACHED; a <= UNCACHED; a += UNCACHED - CACHED)
		printf("     %-8s %.2f MiB asked, %.2f MiB handed out (%.2f in powers of two), "
		       "footprint %.2fx, %.0f MiB of chunks at the peak (%.2fx), %.0f MiB after\n",
		       alloc_names[a], fa[a].requested / 1048576, fa[a].handed / 1048576,
		       fa[a].pow2 / 1048576, footprint(&fa[a]) / fa[a].requested,
		       fa[a].populated / 1048576, fa[a].populated / fa[a].requested,
		       fa[a].populated_after / 1048576);
	printf("  realloc growth (16 B doubled to 512 KiB): %.1f ns per realloc", fmt_ns(&r->re));
	if (r->re.counted)
		printf(", %.0f instructions (%.2f locked; its chain's malloc and free included)",
		       r->re.insns, r->re.locked);
	printf("\n\n");
	print_memory(o, r);
	printf("Verifier cost (verified_insns of a program calling only that, any-context build):\n     ");
	print_insns("buddy_alloc_addr", r->alloc_insns, BUDGET_ENTRY_INSNS);
	print_insns(", buddy_free_addr", r->free_insns, BUDGET_ENTRY_INSNS);
	print_insns(", arena_malloc+arena_free", r->pair_insns, BUDGET_PAIR_INSNS);
	printf("\n\n");
}

static void json_pairs(const struct results *r)
{
	int a, n, s;

	for (s = 0; s < nr_sizes; s++)
		for (a = 0; a < NR_ALLOCS; a++)
			for (n = 1; n <= 2; n++)
				json_cell("pairs", alloc_names[a], sizes[s], n,
					  &r->pairs[a][n - 1][s], NULL);
}

static void json_locks(const struct results *r)
{
	char extra[64];
	int l, n;

	for (l = 0; l < BENCH_NR_LOCKS; l++) {
		for (n = 1; n <= 2; n++) {
			extra[0] = 0;
			if (!r->locks[l][n - 1].c.na)
				snprintf(extra, sizeof(extra), ", \"failures\": %llu",
					 (unsigned long long)r->locks[l][n - 1].failed);
			json_cell("lock", lock_names[l], 0, n, &r->locks[l][n - 1].c, extra);
		}
	}
}

/* The size of a larson cell is its largest random size. */
static void json_larson(const struct results *r)
{
	int a, n, m;

	for (m = 0; m < NR_LARSON; m++) {
		for (a = 0; a < NR_ALLOCS; a++) {
			for (n = 1; n <= 2; n++) {
				struct cell c = r->larson[m][a][n - 1];

				if (!c.valid)
					c.na = a == EXCLUSIVE || a == IRQ ? pairs_sizes_na :
									    na_libarena_only;
				json_cell("larson", alloc_names[a], larson_max[m], n, &c, NULL);
			}
		}
	}
}

static void json_prodcons(const struct results *r)
{
	int a;

	for (a = 0; a < NR_ALLOCS; a++) {
		struct cell one = { .na = "producer/consumer needs two CPUs" }, c = r->pc[a];

		if (!c.valid)
			c.na = a == EXCLUSIVE || a == IRQ ? pairs_sizes_na :
						"kernel pointers cannot travel through arena memory";
		json_cell("producer_consumer", alloc_names[a], 0, 1, &one, NULL);
		json_cell("producer_consumer", alloc_names[a], 0, 2, &c, NULL);
	}
}

static void json_freeall(const struct results *r)
{
	char extra[256];
	int a;

	for (a = 0; a < NR_ALLOCS; a++) {
		const struct freeall_cell *fa = &r->fa[a];
		struct cell c = fa->c, two = { .na = "measured on one CPU" };

		extra[0] = 0;
		if (c.valid)
			snprintf(extra, sizeof(extra),
				 ", \"requested_bytes\": %.0f, \"handed_bytes\": %.0f, "
				 "\"pow2_bytes\": %.0f, \"in_use_bytes\": %.0f, \"footprint_ratio\": %.4f, "
				 "\"populated_bytes\": %.0f, \"populated_after_bytes\": %.0f",
				 fa->requested, fa->handed, fa->pow2, fa->in_use,
				 footprint(fa) / fa->requested, fa->populated, fa->populated_after);
		else
			c.na = na_libarena_only;
		json_cell("free_all", alloc_names[a], 0, 1, &c, extra);
		json_cell("free_all", alloc_names[a], 0, 2, &two, NULL);
	}
}

static void json_memory(const struct results *r)
{
	char extra[320];
	int i, k;

	for (i = 0; i < NR_MEM_SIZES; i++)
		for (k = 0; k < NR_MEM_COUNTS; k++) {
			const struct freeall_cell *m = &r->mem[i][k];
			struct cell c = m->c;

			extra[0] = 0;
			if (c.valid)
				snprintf(extra, sizeof(extra),
					 ", \"objects\": %llu, \"requested_bytes\": %.0f, "
					 "\"handed_bytes\": %.0f, \"pow2_bytes\": %.0f, "
					 "\"in_use_bytes\": %.0f, \"populated_bytes\": %.0f, "
					 "\"footprint_ratio\": %.4f, \"chunk_ratio\": %.4f",
					 (unsigned long long)mem_counts[k], m->requested, m->handed,
					 m->pow2, m->in_use, m->populated, footprint(m) / m->requested,
					 m->populated / m->requested);
			else
				c.na = "not measured in --quick";
			json_cell("memory", alloc_names[CACHED], mem_sizes[i], 1, &c, extra);
		}
}

static void json_realloc(const struct results *r)
{
	int a;

	for (a = 0; a < NR_ALLOCS; a++) {
		struct cell na = { .na = "arena_realloc() serves the default instance" };
		struct cell c = a == CACHED ? r->re : na, two = { .na = "measured on one CPU" };

		json_cell("realloc_growth", alloc_names[a], 0, 1, &c, NULL);
		json_cell("realloc_growth", alloc_names[a], 0, 2, &two, NULL);
	}
}

/* Every cell, a reason where it does not apply, and the verifier cost;
 * main wrote the header. */
static void write_json(const struct results *r)
{
	json_pairs(r);
	json_locks(r);
	json_larson(r);
	json_prodcons(r);
	json_freeall(r);
	json_memory(r);
	json_realloc(r);
	fprintf(json, "\n  ],\n  \"verified_insns\": {\"alloc\": %u, \"free\": %u, \"pair\": %u}\n}\n",
		r->alloc_insns, r->free_insns, r->pair_insns);
}

/* name in the output directory, open for writing; NULL if it cannot be. */
static FILE *open_out(const struct opts *o, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", o->out_dir, name);
	return fopen(path, "w");
}

/* A column per allocator over the sizes, one CPU: Mops/s, or (insns)
 * instructions per pair; NaN where a cell has no such value. */
static int write_sizes_dat(const struct opts *o, const struct results *r, int insns)
{
	FILE *f = open_out(o, insns ? "insns.dat" : "pairs.dat");
	int a, s;

	if (!f)
		return -1;
	fprintf(f, "# size cached irq exclusive uncached obj_new pages (%s, 1 CPU)\n",
		insns ? "x86 instructions per pair" : "Mops/s");
	for (s = 0; s < nr_sizes; s++) {
		fprintf(f, "%llu", (unsigned long long)sizes[s]);
		for (a = 0; a < NR_ALLOCS; a++) {
			const struct cell *c = &r->pairs[a][0][s];

			if (insns ? c->valid && c->counted : c->valid)
				fprintf(f, " %.4f", insns ? c->insns : c->mops);
			else
				fprintf(f, " NaN");
		}
		fprintf(f, "\n");
	}
	fclose(f);
	return 0;
}

static void scaling_row(FILE *f, const char *what, const struct cell *one, const struct cell *two)
{
	fprintf(f, "\"%s\" %.3f %.3f\n", what, one->mops, two->mops);
}

/* 64-byte pairs and the small larson, on one CPU and on two. */
static int write_scaling_dat(const struct opts *o, const struct results *r)
{
	const struct cell (*larson)[2] = r->larson[0];
	FILE *f = open_out(o, "scaling.dat");
	int s;

	if (!f)
		return -1;
	for (s = 0; s < nr_sizes && sizes[s] != 64; s++)
		;
	fprintf(f, "# case 1CPU 2CPUs (Mops/s)\n");
	scaling_row(f, "cached 64 B", &r->pairs[CACHED][0][s], &r->pairs[CACHED][1][s]);
	scaling_row(f, "uncached 64 B", &r->pairs[UNCACHED][0][s], &r->pairs[UNCACHED][1][s]);
	scaling_row(f, "obj_new 64 B", &r->pairs[OBJNEW][0][s], &r->pairs[OBJNEW][1][s]);
	scaling_row(f, "cached larson", &larson[CACHED][0], &larson[CACHED][1]);
	scaling_row(f, "uncached larson", &larson[UNCACHED][0], &larson[UNCACHED][1]);
	fclose(f);
	return 0;
}

static int write_memory_dat(const struct opts *o, const struct results *r)
{
	FILE *f = open_out(o, "memory.dat");
	int a;

	if (!f)
		return -1;
	fprintf(f, "# allocator asked handed peak_pages after (MiB)\n");
	for (a = CACHED; a <= UNCACHED; a += UNCACHED - CACHED)
		fprintf(f, "%s %.3f %.3f %.3f %.3f\n", alloc_names[a], r->fa[a].requested / 1048576,
			r->fa[a].handed / 1048576, r->fa[a].populated / 1048576,
			r->fa[a].populated_after / 1048576);
	fclose(f);
	return 0;
}

/* The fixed sizes with their fewest live objects: the footprint and what
 * power-of-two classes would hand out, each over the bytes asked. */
static int write_fixed_dat(const struct opts *o, const struct results *r)
{
	FILE *f = open_out(o, "fixed.dat");
	int i;

	if (!f)
		return -1;
	fprintf(f, "# size footprint pow2 (x the bytes asked, %llu live objects)\n",
		(unsigned long long)mem_counts[0]);
	for (i = 0; i < NR_MEM_SIZES; i++)
		fprintf(f, "\"%llu B\" %.4f %.4f\n", (unsigned long long)mem_sizes[i],
			footprint(&r->mem[i][0]) / r->mem[i][0].requested,
			r->mem[i][0].pow2 / r->mem[i][0].requested);
	fclose(f);
	return 0;
}

/* The gnuplot script: throughput.png, scaling.png, memory.png, fixed.png. */
static int write_plots_gp(const struct opts *o)
{
	FILE *f = open_out(o, "plots.gp");

	if (!f)
		return -1;
	fprintf(f,
		"set terminal pngcairo size 900,520 font 'sans,10' noenhanced\n"
		"cd '%s'\n"
		"set output 'throughput.png'\n"
		"set title 'alloc+free pairs inside BPF, 1 CPU (higher is better)'\n"
		"set logscale xy 2\nset xlabel 'block size (bytes)'\nset ylabel 'million pairs per second'\n"
		"set key outside right\nset grid\n"
		"plot for [i=2:7] 'pairs.dat' using 1:i with linespoints lw 2 title columnhead(i)\n"
		"unset logscale\n"
		"set output 'scaling.png'\n"
		"set title 'one CPU against two CPUs at once (higher is better)'\n"
		"set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8\n"
		"set ylabel 'million operations per second'\nset xlabel ''\nset xtics rotate by -20\n"
		"plot 'scaling.dat' using 2:xtic(1) title '1 CPU', '' using 3 title '2 CPUs'\n"
		"set output 'memory.png'\n"
		"set title 'free-all: 16384 blocks of 16 B..4 KiB'\nset ylabel 'MiB'\nset xtics norotate\n"
		"plot 'memory.dat' using 2:xtic(1) title 'asked', '' using 3 title 'handed out', "
		"'' using 4 title 'chunks at the peak', '' using 5 title 'chunks after free-all + trim'\n"
		"set output 'fixed.png'\n"
		"set title 'fixed sizes, %llu live objects: memory over the bytes asked (lower is better)'\n"
		"set ylabel 'x the bytes asked'\nset yrange [1:*]\n"
		"plot 'fixed.dat' using 2:xtic(1) title 'size classes (blocks, slabs, metadata)', "
		"'' using 3 title 'power-of-two classes'\n",
		o->out_dir, (unsigned long long)mem_counts[0]);
	if (count_fd >= 0)
		fprintf(f,
			"set output 'instructions.png'\n"
			"set title 'x86 instructions per alloc+free pair, counted by qemu, 1 CPU "
			"(lower is better)'\n"
			"set style data linespoints\nunset yrange\nset logscale xy 2\n"
			"set xlabel 'block size (bytes)'\nset ylabel 'instructions per pair'\n"
			"set xtics auto\n"
			"plot for [i=2:7] 'insns.dat' using 1:i lw 2 title columnhead(i)\n");
	fclose(f);
	return 0;
}

/* gnuplot data and scripts next to the JSON; PNGs if gnuplot is there. */
static void write_plots(const struct opts *o, const struct results *r)
{
	char cmd[1024];

	if (write_sizes_dat(o, r, 0) || write_sizes_dat(o, r, 1) || write_scaling_dat(o, r) ||
	    write_memory_dat(o, r) || write_fixed_dat(o, r) || write_plots_gp(o))
		return;
	/* columnhead() needs the header line without '#'. */
	snprintf(cmd, sizeof(cmd),
		 "sed -i '1s/^# //' '%s/pairs.dat' '%s/insns.dat' && gnuplot '%s/plots.gp' 2>/dev/null",
		 o->out_dir, o->out_dir, o->out_dir);
	if (system(cmd))
		printf("Plots: gnuplot failed or is missing; data in %s/*.dat\n", o->out_dir);
	else
		printf("Plots: %s/throughput.png, scaling.png, memory.png, fixed.png%s\n",
		       o->out_dir, count_fd >= 0 ? ", instructions.png" : "");
}

/* 0, or the exit status of a usage error. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->quick = 1;
			o->repeats = 3;
			o->iters = 20000;
			o->pc_blocks = 30000;
		} else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) {
			o->repeats = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			o->out_dir = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--quick] [--repeats N] [--out DIR]\n", argv[0]);
			return 2;
		}
	}
	if (o->repeats < 1 || o->repeats > MAX_REPEATS) {
		fprintf(stderr, "bench: --repeats must be 1..%d\n", MAX_REPEATS);
		return 2;
	}
	return 0;
}

/* The BPF side loaded, the instances ready, the JSON file open with its
 * header: 0, or the exit status. */
static int bench_setup(const struct opts *o, char *path, size_t size)
{
	struct utsname u;
	int err;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "bench: needs two online CPUs\n");
		return 1;
	}
	if (libarena__check_kernel())
		return 1;	/* it said what this kernel lacks */
	skel = bench__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench: cannot load the BPF programs: %s (root?)\n",
			strerror(errno));
		return 1;
	}
	err = reset_instances();
	if (err) {
		fprintf(stderr, "bench: setting up the instances: %d\n", err);
		return 1;
	}
	if (mkdir(o->out_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "bench: cannot create %s: %s\n", o->out_dir, strerror(errno));
		return 1;
	}
	snprintf(path, size, "%s/results.json", o->out_dir);
	json = fopen(path, "w");
	if (!json) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* The counts are read on the thread's own CPU: keep it on one. */
	count_fd = insn_count_open();
	if (count_fd >= 0 && insn_count_pin(0)) {
		close(count_fd);
		count_fd = -EINVAL;
	}
	uname(&u);
	fprintf(json, "{\n  \"kernel\": \"%s\",\n  \"repeats\": %d,\n  \"pairs_per_run\": %llu,\n"
		"  \"instructions_counted\": %s,\n  \"cells\": [",
		u.release, o->repeats, (unsigned long long)o->iters, count_fd >= 0 ? "true" : "false");
	printf("libarena benchmark%s: kernel %s, %d runs per cell, timed inside BPF%s\n\n",
	       o->quick ? " (quick)" : "", u.release, o->repeats,
	       count_fd >= 0 ? "; instructions counted by qemu" : "");
	return 0;
}

/* How many cells the run measures, for the progress lines. */
static int count_steps(const struct opts *o)
{
	int n = BENCH_NR_LOCKS * 2 + 4 * NR_LARSON + 2 + 2 + 1 +
		NR_MEM_SIZES * (o->quick ? 1 : NR_MEM_COUNTS);
	int i, a;

	for (i = 0; i < nr_sizes; i++)
		for (a = 0; a < NR_ALLOCS; a++)
			n += pairs_na(a, sizes[i]) ? 0 : 2;
	return n;
}

/* Every workload, each on fresh instances. */
static int run_workloads(const struct opts *o, struct results *r)
{
	return bench_pairs(o, r->pairs) ?: bench_locks(o, r->locks) ?:
	       reset_instances() ?: bench_larson(o, r->larson) ?:
	       reset_instances() ?: bench_prodcons(o, r->pc) ?: reset_instances() ?:
	       bench_freeall(o, r->fa) ?: reset_instances() ?: bench_memory(o, r->mem) ?:
	       reset_instances() ?: bench_realloc(o, &r->re);
}

int main(int argc, char **argv)
{
	static struct results r;
	struct opts o = { .repeats = 7, .iters = 200000, .pc_blocks = 100000,
			  .out_dir = "build/bench" };
	char path[512];
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err;
	pick_sizes(o.quick);
	err = bench_setup(&o, path, sizeof(path));
	if (err)
		return err;
	steps = count_steps(&o);
	if (run_workloads(&o, &r))
		return 1;
	read_verifier_cost(&r);
	write_json(&r);
	print_tables(&o, &r);
	fclose(json);
	printf("JSON: %s\n", path);
	write_plots(&o, &r);
	bench__destroy(skel);
	return 0;
}
