// SPDX-License-Identifier: BSD-2-Clause
/*
 * The allocator tests (tests/progs/buddy_tests.bpf.c): every program named
 * test_* runs after a reset of the default instance (arena_buddy_reset),
 * and the heap walk (arena_buddy_check) must pass after it.  The C tests
 * here drive the object's other programs: the library's syscall programs,
 * the two-CPU stress from threads pinned to CPUs 0 and 1, and arenactl on
 * the live arena.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <libarena/stats.h>
#include <libarena/user.h>
#include "kernel.h"
#include "suite.h"
#include "stress_types.h"
#include "buddy_tests.skel.h"

/* Chunks a new instance populates to meet the default low watermark. */
#define DEFAULT_RESERVE_CHUNKS \
	((BUDDY_DEFAULT_RESERVE_LOW + CHUNK_CAPACITY - 1) / CHUNK_CAPACITY)

TEST_PROGS_SKELETON(buddy_tests)

/* The copy arenactl inspects: at an address free in any process. */
static int buddy_open(struct test_env *e)
{
	struct buddy_tests *skel;
	int err = buddy_tests_open(e);

	if (err)
		return err;
	skel = e->skel;
	return bpf_map__set_map_extra(skel->maps.arena, LIBARENA_ARENA_ADDR);
}

/* With LIBARENA_TEST_VERBOSE, a fault-injection test says what it saw. */
static void why_faults(struct buddy_tests *skel)
{
	struct libarena_faults *f = &skel->arena->libarena_faults;

	test_why("injected: %llu population, %llu lock, %llu depot failures; "
		 "seen: %llu NULL allocations, %llu refused frees (retried)",
		 (unsigned long long)f->injected[FAULT_POPULATE],
		 (unsigned long long)f->injected[FAULT_LOCK],
		 (unsigned long long)f->injected[FAULT_DEPOT],
		 (unsigned long long)skel->arena->fault_run.nulls,
		 (unsigned long long)skel->arena->fault_run.free_errors);
}

/* A test program on a reset default instance; the heap walk must pass
 * after it. */
static enum test_status buddy_run_prog(struct test_env *e, struct bpf_program *prog)
{
	struct buddy_tests *skel = e->skel;
	enum test_status status;
	int err, ret;

	err = test_run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset failed: err %d, retval %d", err, ret);
		return TEST_FAIL;
	}
	status = run_test_prog(e, prog);
	if (status != TEST_OK)
		return status;
	err = test_run_prog(skel->progs.arena_buddy_check, &ret);
	if (err || ret) {
		test_why("heap check after the test: err %d, retval %d", err, ret);
		test_print_check(&skel->arena->libarena_heap.check);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE") && strstr(bpf_program__name(prog), "faults"))
		why_faults(skel);
	return TEST_OK;
}

/* Two programs at once, each from a thread pinned to its own CPU. */
static enum test_status run_jobs(struct cpu_job *jobs, struct buddy_tests *skel)
{
	int i;

	for (i = 0; i < 2; i++)
		jobs[i].step = test_prog_step;
	run_cpu_jobs(jobs);
	for (i = 0; i < 2; i++) {
		const char *name = bpf_program__name(jobs[i].arg);

		if (jobs[i].ret < 0) {
			test_why("%s on CPU %d: %s", name, jobs[i].cpu, strerror(-jobs[i].ret));
			return TEST_FAIL;
		}
		if (jobs[i].ret) {
			test_why("%s on CPU %d returned %d", name, jobs[i].cpu, jobs[i].ret);
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
		{ .arg = a, .cpu = 0, .rounds = seconds ? 1 << 30 : rounds, .deadline = deadline },
		{ .arg = b, .cpu = 1, .rounds = seconds ? 1 << 30 : rounds, .deadline = deadline },
	};

	return run_jobs(jobs, skel);
}

/* Run a program once; a failure explains itself. */
static enum test_status run_step(struct buddy_tests *skel, struct bpf_program *prog)
{
	int err, ret;

	err = test_run_prog(prog, &ret);
	if (err || ret) {
		test_why("%s: err %d, retval %d", bpf_program__name(prog), err, ret);
		if (ret == 1)
			test_print_report(&skel->arena->test_report);
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* Empty both CPUs' caches, each from its own CPU, then run the finishing
 * check, which wants every block back in the buddy. */
static enum test_status finish_on_two_cpus(struct buddy_tests *skel, struct bpf_program *finish)
{
	struct bpf_program *trim = skel->progs.trim_here;

	if (run_on_two_cpus(trim, trim, 1, 0, skel) || run_step(skel, finish))
		return TEST_FAIL;
	return TEST_OK;
}

#define STRESS_ROUNDS	150
#define PC_BLOCKS	150000	/* through the ring: ~150 MiB, over 4x the peak bound */
/* A round that finds the ring empty (or full) is cheap: on a slow CPU (an
 * emulated one) the consumer spends any round count long before the
 * producer has filled the ring often enough, so the run is bounded by
 * time, not rounds. */
#define PC_SECONDS	120

/* Random alloc/free/realloc with stamps on two CPUs at once. */
static enum test_status test_two_cpu_stress(struct buddy_tests *skel,
					    struct bpf_program *begin, int seconds)
{
	struct bpf_program *worker = skel->progs.stress_worker;
	struct stress_worker *w = skel->arena->stress_workers;

	if (run_step(skel, begin) ||
	    run_on_two_cpus(worker, worker, STRESS_ROUNDS, seconds, skel) ||
	    finish_on_two_cpus(skel, skel->progs.stress_finish))
		return TEST_FAIL;
	if (seconds || getenv("LIBARENA_TEST_VERBOSE"))
		test_why("%llu operations (%llu reallocs) on 2 CPUs in %s",
			 (unsigned long long)(w[0].ops + w[1].ops),
			 (unsigned long long)(w[0].reallocs + w[1].reallocs),
			 seconds ? "the given time" : "the fixed rounds");
	return TEST_OK;
}

/* Blocks allocated on CPU 0, freed on CPU 1: memory flows back to CPU 0
 * through the depot, the heap stays bounded, nothing leaks. */
static enum test_status test_producer_consumer(struct test_env *e, const void *arg)
{
	struct buddy_tests *skel = e->skel;
	const struct buddy *b = &skel->arena->libarena_heap;
	struct pc_ring *ring = &skel->arena->pc_ring;
	double deadline = test_now() + PC_SECONDS;
	struct cpu_job jobs[2] = {
		{ .arg = skel->progs.pc_produce, .cpu = 0, .rounds = 1 << 30,
		  .count = &ring->produced, .target = PC_BLOCKS, .deadline = deadline },
		{ .arg = skel->progs.pc_consume, .cpu = 1, .rounds = 1 << 30,
		  .count = &ring->consumed, .target = PC_BLOCKS, .deadline = deadline },
	};

	if (run_step(skel, skel->progs.stress_begin_cache) || run_jobs(jobs, skel) ||
	    finish_on_two_cpus(skel, skel->progs.pc_finish))
		return TEST_FAIL;
	if (ring->consumed < PC_BLOCKS) {
		test_why("expected %d blocks through the ring within %d s, got %llu", PC_BLOCKS,
			 PC_SECONDS, (unsigned long long)ring->consumed);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE"))
		test_why("%llu blocks through the ring, heap peak %.2f MiB, %llu depot hits on CPU 0",
			 (unsigned long long)ring->consumed, ring->peak_bytes / 1048576.0,
			 (unsigned long long)test_pcpu_stat(b, 0, offsetof(struct pcpu_stats, depot_hits)));
	if (!test_pcpu_stat(b, 0, offsetof(struct pcpu_stats, depot_hits)) ||
	    !test_pcpu_stat(b, 1, offsetof(struct pcpu_stats, depot_puts))) {
		test_why("expected batches through the depot, got %llu puts on CPU 1, %llu hits on CPU 0",
			 (unsigned long long)test_pcpu_stat(b, 1, offsetof(struct pcpu_stats, depot_puts)),
			 (unsigned long long)test_pcpu_stat(b, 0, offsetof(struct pcpu_stats, depot_hits)));
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
static enum test_status test_reset_program(struct test_env *e, const void *arg)
{
	struct buddy_tests *skel = e->skel;
	struct buddy_stats *st = &skel->arena->libarena_heap.stats;
	int err, ret, cpu;

	err = test_run_prog(skel->progs.arena_buddy_reset, &ret);
	if (!err && !ret)
		err = test_run_prog(skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill_default: expected 100 blocks, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	if (st->bytes_in_use < 100 * 64 || buddy_total_allocs(&skel->arena->libarena_heap) != 100) {
		test_why("stats read from user space: expected >= 6400 bytes in 100 allocs, got %llu in %llu",
			 (unsigned long long)st->bytes_in_use,
			 (unsigned long long)buddy_total_allocs(&skel->arena->libarena_heap));
		return TEST_FAIL;
	}
	err = test_run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset: expected 0, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	/* Empty, but with its reserve populated again. */
	if (st->bytes_in_use || st->chunks != DEFAULT_RESERVE_CHUNKS ||
	    buddy_total_allocs(&skel->arena->libarena_heap) ||
	    skel->arena->libarena_heap.state != BUDDY_READY) {
		test_why("after reset: expected an empty ready instance with %llu reserve chunks, "
			 "got %llu bytes, %llu chunks, state %llu", DEFAULT_RESERVE_CHUNKS,
			 (unsigned long long)st->bytes_in_use,
			 (unsigned long long)st->chunks,
			 (unsigned long long)skel->arena->libarena_heap.state);
		return TEST_FAIL;
	}
	for (cpu = 0; cpu < LIBARENA_MAX_CPUS; cpu++) {
		if (skel->arena->libarena_heap.pcpu[cpu]) {
			test_why("after reset: CPU %d still has a cache", cpu);
			return TEST_FAIL;
		}
	}
	err = test_run_prog(skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill after reset: expected 100, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* arena_alloc_reserve (upstream's name): grows the reserve by nr_pages. */
static enum test_status test_alloc_reserve_program(struct test_env *e, const void *arg)
{
	struct buddy_tests *skel = e->skel;
	struct arena_alloc_reserve_args args = { .nr_pages = 1024 };	/* 4 MiB */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	const struct buddy_stats *st = &skel->arena->libarena_heap.stats;
	__u64 free_before, free_after;
	int err, ret;

	err = test_run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset: err %d, retval %d", err, ret);
		return TEST_FAIL;
	}
	free_before = buddy_stats_free_bytes(st);
	err = test_run_opts(skel->progs.arena_alloc_reserve, &opts);
	if (err) {
		test_why("arena_alloc_reserve: %s", strerror(-err));
		return TEST_FAIL;
	}
	free_after = buddy_stats_free_bytes(st);
	if ((int)opts.retval < 4 || free_after < free_before + (4ull << 20)) {
		test_why("arena_alloc_reserve(1024 pages): expected >= 4 chunks added and %llu more "
			 "bytes free, got retval %d and %llu more", 4ull << 20, (int)opts.retval,
			 (unsigned long long)(free_after - free_before));
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* Run arenactl with args; its output in out, its exit status returned. */
static int arenactl(const char *args, char *out, size_t size)
{
	char cmd[768];
	size_t n = 0;
	FILE *f;
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", ARENACTL, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < size && fgets(out + n, size - n, f))
		n += strlen(out + n);
	out[n] = 0;
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The number after "key": in a JSON text, or ~0. */
static __u64 json_u64(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	return p ? strtoull(p + strlen(pat), NULL, 0) : ~0ull;
}

struct arenactl_env {
	struct buddy_tests *skel;
	char pin[128];
	char args[256];		/* "pinned PATH --instance ADDR" */
	char out[65536];
};

#define BPF_FS_MAGIC	0xcafe4a11
#define BPF_FS		"/sys/fs/bpf"

/* Pinning needs bpffs; mount it where it usually is if nobody did. */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs(BPF_FS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	return mount("bpf", BPF_FS, "bpf", 0, NULL) ? -errno : 0;
}

static enum test_status arenactl_setup(struct arenactl_env *e)
{
	int err, ret;

	err = ensure_bpffs();
	if (err) {
		test_why("cannot mount bpffs on %s: %s", BPF_FS, strerror(-err));
		return TEST_FAIL;
	}
	snprintf(e->pin, sizeof(e->pin), BPF_FS "/libarena_test_%d", getpid());
	unlink(e->pin);
	err = test_run_prog(e->skel->progs.arena_buddy_reset, &ret);
	if (!err && !ret)
		err = test_run_prog(e->skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill_default: expected 100, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	if (bpf_obj_pin(bpf_map__fd(e->skel->maps.arena), e->pin)) {
		test_why("pinning the arena at %s: %s", e->pin, strerror(errno));
		return TEST_FAIL;
	}
	snprintf(e->args, sizeof(e->args), "pinned %s --instance %#llx", e->pin,
		 (unsigned long long)(unsigned long)&e->skel->arena->libarena_heap);
	return TEST_OK;
}

/* arenactl's figures are exactly what the workload did. */
static enum test_status arenactl_stats(struct arenactl_env *e)
{
	const struct buddy *b = &e->skel->arena->libarena_heap;
	struct buddy_totals t;
	char args[384];
	int rc;

	snprintf(args, sizeof(args), "--json %s stats", e->args);
	rc = arenactl(args, e->out, sizeof(e->out));
	buddy_read_totals(b, &t);
	if (rc || json_u64(e->out, "allocs") != 100 || t.allocs != 100 ||
	    json_u64(e->out, "bytes_requested") != 6400 ||
	    json_u64(e->out, "live_bytes") != 6400 || t.live_bytes != 6400 ||
	    json_u64(e->out, "bytes_in_use") != b->stats.bytes_in_use ||
	    json_u64(e->out, "chunks") != b->stats.chunks ||
	    json_u64(e->out, "cached_bytes") != t.cached_bytes) {
		test_why("arenactl stats (exit %d): expected 100 allocs, 6400 bytes asked and live "
			 "(totals say %llu), %llu in use, "
			 "%llu chunks, %llu cached; got:\n%s", rc, (unsigned long long)t.live_bytes,
			 (unsigned long long)b->stats.bytes_in_use,
			 (unsigned long long)b->stats.chunks,
			 (unsigned long long)t.cached_bytes, e->out);
		return TEST_FAIL;
	}
	/* fill_default's 100 x 64 B, all of one class: asked = handed out. */
	if (!strstr(e->out, "\"classes\": [{\"size\": 64, \"allocs\": 100, "
			    "\"requested\": 6400, \"handed_out\": 6400}]")) {
		test_why("arenactl stats: expected one class, 64 B: 100 allocs, 6400 bytes asked "
			 "and handed out; got:\n%s", e->out);
		return TEST_FAIL;
	}
	if (json_u64(e->out, "free_bytes") !=
	    buddy_stats_free_bytes(&b->stats) ||
	    json_u64(e->out, "low") != b->reserve_low ||
	    json_u64(e->out, "high") != b->reserve_high ||
	    json_u64(e->out, "refill_requests") != b->stats.refill_requests) {
		test_why("arenactl stats: expected the reserve %llu bytes free, watermarks %llu/%llu, "
			 "%llu refill requests; got:\n%s",
			 (unsigned long long)buddy_stats_free_bytes(&b->stats),
			 (unsigned long long)b->reserve_low, (unsigned long long)b->reserve_high,
			 (unsigned long long)b->stats.refill_requests, e->out);
		return TEST_FAIL;
	}
	snprintf(args, sizeof(args), "%s stats", e->args);
	if (arenactl(args, e->out, sizeof(e->out)) || !strstr(e->out, "100 allocs") ||
	    !strstr(e->out, "reserve ")) {
		test_why("arenactl stats (human): expected '100 allocs' and a reserve line, got:\n%s",
			 e->out);
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* check passes on a healthy heap, names the fault in a corrupted one. */
static enum test_status arenactl_check(struct arenactl_env *e)
{
	struct buddy *b = &e->skel->arena->libarena_heap;
	struct chunk_hdr *h;
	char args[384];
	int rc;

	snprintf(args, sizeof(args), "%s check", e->args);
	rc = arenactl(args, e->out, sizeof(e->out));
	if (rc || !strstr(e->out, "consistent")) {
		test_why("arenactl check on a healthy heap: expected exit 0, got %d:\n%s", rc, e->out);
		return TEST_FAIL;
	}
	h = (struct chunk_hdr *)(unsigned long)(b->chunks + CHUNK_HDR_OFF);
	h->nr_allocated++;
	rc = arenactl(args, e->out, sizeof(e->out));
	h->nr_allocated--;
	if (rc != 1 || !strstr(e->out, "allocated/free totals disagree")) {
		test_why("arenactl check on a corrupted chunk: expected exit 1 naming the totals, "
			 "got %d:\n%s", rc, e->out);
		return TEST_FAIL;
	}
	if (arenactl(args, e->out, sizeof(e->out))) {
		test_why("arenactl check after repair: %s", e->out);
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* Every command, and not one arena page more afterwards. */
static enum test_status arenactl_reads_only(struct arenactl_env *e)
{
	static const char *const cmds[] = { "stats", "chunks", "freelists", "check", "frag",
					    "--json frag", "--json chunks" };
	char args[640], png[256];
	int before = 0, after = -1, err, rc;
	size_t i;

	err = test_run_prog(e->skel->progs.count_free_pages, &before);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && !err; i++) {
		snprintf(args, sizeof(args), "%s %s", e->args, cmds[i]);
		rc = arenactl(args, e->out, sizeof(e->out));
		if (rc) {
			test_why("arenactl %s: exit %d:\n%s", cmds[i], rc, e->out);
			return TEST_FAIL;
		}
	}
	snprintf(png, sizeof(png), "%s/../build/tests/frag.png", TESTS_DIR);
	snprintf(args, sizeof(args), "%s frag --png %s", e->args, png);
	rc = arenactl(args, e->out, sizeof(e->out));
	if (rc || access(png, R_OK)) {
		test_why("arenactl frag --png: exit %d:\n%s", rc, e->out);
		return TEST_FAIL;
	}
	if (!err)
		err = test_run_prog(e->skel->progs.count_free_pages, &after);
	if (err || before <= 0 || after != before) {
		test_why("free arena pages outside the window: expected %d after, got %d (err %d)",
			 before, after, err);
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* Each arenactl test on a fresh heap of 100 blocks, pinned for it alone. */
static enum test_status arenactl_test(struct test_env *te,
				      enum test_status (*fn)(struct arenactl_env *e))
{
	static struct arenactl_env e;
	enum test_status status;

	e.skel = te->skel;
	status = arenactl_setup(&e) ?: fn(&e);
	unlink(e.pin);
	return status;
}

static enum test_status test_arenactl_stats(struct test_env *e, const void *arg)
{
	return arenactl_test(e, arenactl_stats);
}

static enum test_status test_arenactl_check(struct test_env *e, const void *arg)
{
	return arenactl_test(e, arenactl_check);
}

static enum test_status test_arenactl_reads_only(struct test_env *e, const void *arg)
{
	return arenactl_test(e, arenactl_reads_only);
}

/*
 * Cross-CPU trim while both CPUs allocate: CPU 0 runs the stress rounds and
 * trims after each, which asks CPU 1 (running the plain rounds) to empty
 * its cache; CPU 1 must serve those requests on its way, and nothing may
 * break or leak.
 */
static enum test_status test_trim_while_allocating(struct test_env *e, const void *arg)
{
	struct buddy_tests *skel = e->skel;
	const struct buddy *b = &skel->arena->libarena_heap;
	__u64 served;

	if (run_step(skel, skel->progs.stress_begin_cache) ||
	    run_on_two_cpus(skel->progs.trim_worker, skel->progs.stress_worker,
			    STRESS_ROUNDS, e->stress_seconds, skel))
		return TEST_FAIL;
	served = test_pcpu_stat(b, 1, offsetof(struct pcpu_stats, trims));
	/* The finish destroys the instance: its statistics go with it. */
	if (finish_on_two_cpus(skel, skel->progs.stress_finish))
		return TEST_FAIL;
	if (!served) {
		test_why("expected CPU 1 to serve CPU 0's trim requests while allocating, "
			 "it served %llu", (unsigned long long)served);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE"))
		test_why("CPU 1 served %llu trim requests", (unsigned long long)served);
	return TEST_OK;
}

/* arg: the program that begins it, uncached or with the caches. */
static enum test_status test_stress(struct test_env *e, const void *arg)
{
	return test_two_cpu_stress(e->skel, bpf_object__find_program_by_name(e->obj, arg),
				   e->stress_seconds);
}

/* Bytes in one CPU's cache of b, read through the arena mapping. */
static __u64 cpu_cached_bytes(const struct buddy *b, int cpu)
{
	const struct pcpu_cache *pc = (const void *)(unsigned long)b->pcpu[cpu];
	struct buddy_totals t = { 0 };

	if (pc)
		buddy_add_pcpu(pc, &t);
	return t.cached_bytes;
}

/* libarena__trim(): what two CPUs' caches hold goes back to the buddy,
 * although neither CPU allocates again (buddy_trim() alone would only
 * ask the other one to). */
static enum test_status test_trim_every_cpu(struct test_env *e, const void *arg)
{
	struct buddy_tests *skel = e->skel;
	const struct buddy *b = &skel->arena->libarena_heap;
	struct bpf_program *fill = skel->progs.cache_here;
	__u64 left;
	int cpu, n;

	if (run_step(skel, skel->progs.stress_begin_cache) ||
	    run_on_two_cpus(fill, fill, 1, 0, skel))
		return TEST_FAIL;
	for (cpu = 0; cpu < 2; cpu++)
		if (!cpu_cached_bytes(b, cpu)) {
			test_why("expected blocks cached on CPU %d after cache_here, got none", cpu);
			return TEST_FAIL;
		}
	n = libarena__trim(skel->obj);
	if (n <= 0) {
		test_why("libarena__trim: expected > 0 given back, got %d", n);
		return TEST_FAIL;
	}
	for (cpu = 0; cpu < 2; cpu++)
		if (cpu_cached_bytes(b, cpu)) {
			test_why("CPU %d: expected 0 bytes cached after libarena__trim, got %llu",
				 cpu, (unsigned long long)cpu_cached_bytes(b, cpu));
			return TEST_FAIL;
		}
	left = b->stats.bytes_in_use - b->stats.cache_meta_bytes;
	if (left) {
		test_why("expected every block back in the buddy, %llu bytes are not",
			 (unsigned long long)left);
		return TEST_FAIL;
	}
	return TEST_OK;
}

static const struct test_case buddy_cases[] = {
	{ "kernel/reset_via_syscall_program", test_reset_program },
	{ "kernel/alloc_reserve_program", test_alloc_reserve_program },
	{ "kernel/uncached_two_cpu_stress", test_stress, TEST_TWO_CPUS, "stress_begin_uncached" },
	{ "kernel/cache_two_cpu_stress", test_stress, TEST_TWO_CPUS, "stress_begin_cache" },
	{ "kernel/cache_producer_consumer", test_producer_consumer, TEST_TWO_CPUS },
	{ "kernel/cache_trim_while_allocating", test_trim_while_allocating, TEST_TWO_CPUS },
	{ "kernel/trim_every_cpu", test_trim_every_cpu, TEST_TWO_CPUS },
	{ "kernel/arenactl_stats_exact", test_arenactl_stats },
	{ "kernel/arenactl_check_finds_corruption", test_arenactl_check },
	{ "kernel/arenactl_reads_no_new_pages", test_arenactl_reads_only },
};

const struct test_suite buddy_suite = {
	.object = "buddy_tests.bpf.o",
	.open = buddy_open,
	.load = buddy_tests_load,
	.destroy = buddy_tests_destroy,
	.prog_prefix = "test_",
	.name_prefix = "kernel/",
	.run_prog = buddy_run_prog,
	TEST_CASES(buddy_cases),
};
