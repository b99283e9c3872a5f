/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the benchmark programs and their driver. */
#ifndef __LIBARENA_BENCH_H
#define __LIBARENA_BENCH_H

#include <libarena/internal/types.h>

#define BENCH_MAX_CPUS	64
#define BENCH_LIVE	1024	/* larson: live blocks per CPU */
#define BENCH_SMALL_MAX	4096	/* random sizes: 16 B .. this */
#define BENCH_FREEALL	16384	/* free-all: blocks allocated first */
#define BENCH_MEM_MAX	(BENCH_MAX_CPUS * BENCH_LIVE)	/* memory: objects live at once */
#define BENCH_RING	1024	/* producer/consumer ring */

/* bpf_prog_test_run_opts() ctx of bench_pairs */
struct bench_args {
	__u64 size;
	__u64 iters;
	__u64 uncached;	/* 1: the instance without per-CPU caches */
};

/* What one run on one CPU measured (indexed by CPU). */
struct bench_result {
	__u64 start_ns;
	__u64 end_ns;
	__u64 pairs;		/* operations (pairs, blocks, reallocs) done */
	__u64 locks;		/* lock acquisitions of the instance meanwhile */
	/* free-all and memory workloads */
	__u64 requested;	/* bytes asked for */
	__u64 handed;		/* bytes of the blocks handed out */
	__u64 pow2;		/* what power-of-two classes would hand out */
	__u64 in_use;		/* blocks and whole slabs taken from the chunks */
	__u64 populated;	/* arena bytes backed by pages at the peak */
	__u64 populated_after;	/* after free-all and trim */
};

/* The locks side by side: bench_lock_counts[] is indexed by these. */
enum bench_lock { BENCH_ARENA_LOCK, BENCH_RES_SPIN_LOCK, BENCH_NR_LOCKS };

/* The arena lock word alone on its cache line. */
struct bench_arena_lock {
	__u32 word;
} __attribute__((aligned(64)));

/* What either lock protects: a counter and a few stores, one cache line. */
struct bench_lock_data {
	__u64 count;
	__u64 cpu;
	__u64 iter;
	__u64 sum;
} __attribute__((aligned(64)));

/* Lock calls of one lock's program over all its runs (in the arena). */
struct bench_lock_count {
	__u64 taken;
	__u64 failed;		/* lock returned an error */
};

/* The producer/consumer ring (in the arena). */
struct bench_ring {
	__u64 head;
	__u64 tail;
	__u64 slots[BENCH_RING];
};

#endif /* __LIBARENA_BENCH_H */
