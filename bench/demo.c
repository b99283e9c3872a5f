// SPDX-License-Identifier: BSD-2-Clause
/*
 * `make run`: load libarena into the running kernel, run a short workload
 * inside BPF and print what the allocator did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>
#include "demo.h"
#include "demo.skel.h"

#define RUNS	5
#define BPF_FS_MAGIC	0xcafe4a11

static int run(struct bpf_program *prog, const char *what)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
		fprintf(stderr, "demo: running %s: %s\n", what, strerror(errno));
		return -errno;
	}
	if ((int)opts.retval < 0) {
		fprintf(stderr, "demo: %s returned %d\n", what, (int)opts.retval);
		return -EIO;
	}
	return opts.retval;	/* 0, or a count (arena_buddy_refill) */
}

/*
 * What the allocator looks like from outside while the burst is live:
 * pin the arena and run arenactl on it (the same view any process gets).
 */
static void show_with_arenactl(struct demo *skel)
{
	char pin[64], cmd[256];
	struct statfs st;

	if ((statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC) &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		fprintf(stderr, "demo: no bpffs at /sys/fs/bpf (%s): skipping arenactl\n",
			strerror(errno));
		return;
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/libarena_demo_%d", getpid());
	if (bpf_obj_pin(bpf_map__fd(skel->maps.arena), pin)) {
		fprintf(stderr, "demo: pinning the arena: %s\n", strerror(errno));
		return;
	}
	printf("\n  While the burst is live, from another process:\n");
	printf("  $ arenactl pinned %s --instance %#lx stats\n", pin,
	       (unsigned long)&skel->arena->libarena_heap);
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "%s pinned %s --instance %#lx stats | sed 's/^/  /'",
		 ARENACTL, pin, (unsigned long)&skel->arena->libarena_heap);
	if (system(cmd))
		fprintf(stderr, "demo: arenactl failed\n");
	printf("  $ arenactl pinned %s frag | head -6\n", pin);
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "%s pinned %s --instance %#lx frag | head -6 | sed 's/^/  /'",
		 ARENACTL, pin, (unsigned long)&skel->arena->libarena_heap);
	if (system(cmd))
		fprintf(stderr, "demo: arenactl failed\n");
	snprintf(cmd, sizeof(cmd), "%s pinned %s --instance %#lx frag --png build/bench/frag.png "
		 ">/dev/null 2>&1", ARENACTL, pin, (unsigned long)&skel->arena->libarena_heap);
	if (!system(cmd))
		printf("  (the same as a heatmap: build/bench/frag.png)\n");
	printf("\n");
	unlink(pin);
}

/* A tc program run needs a packet; any 64 bytes do. */
static int run_tc(struct bpf_program *prog)
{
	static char frame[64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame));

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
		fprintf(stderr, "demo: %s: %s\n", bpf_program__name(prog), strerror(errno));
		return -errno;
	}
	return 0;
}

/* Wait up to a second for a counter the refill thread moves. */
static bool wait_above(volatile __u64 *counter, __u64 before)
{
	int i;

	for (i = 0; i < 1000 && *counter <= before; i++)
		usleep(1000);
	return *counter > before;
}

/*
 * A tc program is not sleepable.  Where the kernel lets any program
 * populate arena pages (Linux 7.0+) the heap grows inline, in the tc
 * program; elsewhere it takes from the reserve until that runs dry, and
 * the library wakes the refill thread (libarena__start_refill()).
 */
static int show_tc_program(struct demo *skel)
{
	struct demo_tc_result *r = &skel->arena->demo_tc;
	struct buddy *b = &skel->arena->libarena_heap;
	__u64 held, populated = b->stats.chunks_populated, refills;
	int err;

	err = run_tc(skel->progs.demo_tc_hold);
	if (err)
		return err;
	held = r->held;
	if (!r->nulls) {
		printf("  %-36s %llu records of 16 KiB, 0 NULL: it grew the heap itself "
		       "(%llu chunks populated inline)\n", "a tc program (not sleepable):",
		       (unsigned long long)held,
		       (unsigned long long)(b->stats.chunks_populated - populated));
		return run_tc(skel->progs.demo_tc_release);
	}
	refills = b->stats.refills;
	printf("  %-36s %llu records of 16 KiB from the reserve, then NULL: this kernel "
	       "sleeps in the page kfuncs,\n  %-36s so the library woke the refill "
	       "thread (%llu wake-ups so far)\n", "a tc program (not sleepable):",
	       (unsigned long long)held, "", (unsigned long long)b->stats.refill_notifies);
	if (!wait_above(&b->stats.refills, refills))
		printf("  %-36s no refill within a second\n", "");
	err = run_tc(skel->progs.demo_tc_hold);
	if (err)
		return err;
	printf("  %-36s %llu chunk(s) now; the tc program took %llu more records\n",
	       "the refill thread served it:", (unsigned long long)b->stats.chunks,
	       (unsigned long long)(r->held - held));
	return run_tc(skel->progs.demo_tc_release);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static double mib(__u64 bytes)
{
	return bytes / (1024.0 * 1024.0);
}

static struct demo *load_demo(void)
{
	struct demo *skel;

	if (libarena__check_kernel())
		return NULL;	/* it said what this kernel lacks */
	skel = demo__open();

	/* Where arenactl, in its own process, can map the arena too. */
	if (skel)
		bpf_map__set_map_extra(skel->maps.arena, LIBARENA_ARENA_ADDR);
	if (skel && demo__load(skel)) {
		demo__destroy(skel);
		skel = NULL;
	}
	if (!skel)
		fprintf(stderr, "demo: cannot load the BPF programs: %s (root?)\n",
			strerror(errno));
	return skel;
}

/* alloc+free pairs with and without the per-CPU caches: the median run. */
static int show_pairs(struct demo *skel)
{
	struct demo_result *d = &skel->arena->demo;
	__u64 ns[RUNS], uncached_ns[RUNS];
	int i, err = 0;

	for (i = 0; i < RUNS && !err; i++) {
		err = run(skel->progs.demo_pairs, "demo_pairs");
		ns[i] = d->pairs_ns;
		uncached_ns[i] = d->uncached_pairs_ns;
	}
	if (err)
		return err;
	qsort(ns, RUNS, sizeof(ns[0]), cmp_u64);
	qsort(uncached_ns, RUNS, sizeof(uncached_ns[0]), cmp_u64);
	printf("  %-36s %.1f ns/pair (median of %d x %llu; min %.1f, max %.1f)\n",
	       "alloc+free 64 B, per-CPU caches:", (double)ns[RUNS / 2] / d->pairs,
	       RUNS, (unsigned long long)d->pairs, (double)ns[0] / d->pairs,
	       (double)ns[RUNS - 1] / d->pairs);
	printf("  %-36s %.1f ns/pair (median; min %.1f, max %.1f): caches %.1fx faster\n",
	       "the same, uncached (global lock):", (double)uncached_ns[RUNS / 2] / d->uncached_pairs,
	       (double)uncached_ns[0] / d->uncached_pairs, (double)uncached_ns[RUNS - 1] / d->uncached_pairs,
	       (double)uncached_ns[RUNS / 2] / ns[RUNS / 2]);
	return 0;
}

/* Many live blocks at once, then arenactl's view of them. */
static int show_burst(struct demo *skel)
{
	struct demo_result *d = &skel->arena->demo;
	int err = run(skel->progs.demo_burst, "demo_burst");
	struct buddy_totals t;

	if (err)
		return err;
	buddy_read_totals(&skel->arena->libarena_heap, &t);	/* the burst is live */
	printf("  %-36s %llu live blocks of 16 B..4 KiB in %.1f us (%.1f ns each)\n",
	       "burst:", (unsigned long long)d->burst_blocks, d->burst_ns / 1e3,
	       (double)d->burst_ns / d->burst_blocks);
	printf("  %-36s %.2f MiB asked, %.2f MiB handed out (%.0f%% rounding to the classes),\n"
	       "  %-36s %.2f MiB in use (with the slabs' free room), %llu chunks of 1 MiB\n",
	       "memory at the peak:", mib(d->burst_requested), mib(t.live_bytes),
	       100.0 * (t.live_bytes - d->burst_requested) / d->burst_requested, "",
	       mib(d->burst_in_use), (unsigned long long)d->burst_chunks);
	show_with_arenactl(skel);
	return 0;
}

/* Free the burst: the chunks given back, and the heap walk after it. */
static int show_free(struct demo *skel)
{
	struct demo_result *d = &skel->arena->demo;
	int err = run(skel->progs.demo_free, "demo_free");

	if (err)
		return err;
	printf("  %-36s %.1f us; %llu chunk(s) kept, %llu returned to the kernel\n",
	       "free all, then trim the caches:", d->free_ns / 1e3,
	       (unsigned long long)d->chunks_after,
	       (unsigned long long)(d->burst_chunks - d->chunks_after));
	printf("  %-36s %s\n", "heap consistency walk:",
	       d->check ? "FAILED" : "OK (orders, bitmaps, freelists, totals agree)");
	return 0;
}

static void show_totals(struct demo *skel)
{
	struct buddy_stats *st = &skel->arena->libarena_heap.stats;
	struct buddy_totals tot;

	buddy_read_totals(&skel->arena->libarena_heap, &tot);
	printf("\n  stats: %llu allocs (%llu from the caches), %llu frees, %llu failed,\n"
	       "         %llu lock acquisitions, %llu lock failures, peak %.2f MiB\n",
	       (unsigned long long)tot.allocs, (unsigned long long)tot.alloc_hits,
	       (unsigned long long)tot.frees,
	       (unsigned long long)st->failed_allocs,
	       (unsigned long long)st->lock_acquisitions,
	       (unsigned long long)st->lock_failures, mib(st->peak_bytes));
}

int main(void)
{
	struct libarena_refiller *refiller = NULL;
	struct utsname u;
	struct demo *skel;
	int err;

	skel = load_demo();
	if (!skel)
		return 1;
	uname(&u);
	printf("libarena demo: a heap inside a BPF arena, kernel %s, libbpf %s\n\n",
	       u.release, libbpf_version_string());
	/* Initialises the heap, then serves it whenever the BPF side asks. */
	err = libarena__start_refill(skel->obj, &refiller);
	err = err ?: show_pairs(skel) ?: show_burst(skel) ?: show_free(skel) ?:
	      show_tc_program(skel);
	if (!err) {
		show_totals(skel);
		err = skel->arena->demo.check ? -EUCLEAN : 0;
	}
	libarena__stop_refill(refiller);
	demo__destroy(skel);
	return err ? 1 : 0;
}
