/* SPDX-License-Identifier: BSD-2-Clause */
/* What the demo's BPF programs measured, read by bench/demo.c. */
#ifndef __LIBARENA_DEMO_H
#define __LIBARENA_DEMO_H

#include <libarena/internal/types.h>

#define DEMO_PAIRS		100000
#define DEMO_BURST		4096
#define DEMO_TC_RECORD		(16u << 10)
#define DEMO_TC_SLOTS		1024	/* 16 MiB of records at most */

struct demo_result {
	__u64 pairs;		/* alloc+free pairs completed */
	__u64 pairs_ns;		/* time for all of them, inside BPF */
	__u64 uncached_pairs;	/* the same on an instance without caches */
	__u64 uncached_pairs_ns;
	__u64 burst_blocks;	/* blocks live at the burst's peak */
	__u64 burst_requested;	/* bytes asked for */
	__u64 burst_in_use;	/* bytes the buddy handed out: blocks, whole slabs */
	__u64 burst_chunks;	/* chunks owned at the peak */
	__u64 burst_ns;		/* allocating the burst */
	__u64 free_ns;		/* freeing it */
	__u64 chunks_after;	/* chunks still owned after free-all */
	__s64 check;		/* heap walk after free-all: 0 = consistent */
};

/* The tc program's records (bench/progs/demo_tc.bpf.c). */
struct demo_tc_result {
	__u64 runs;		/* program runs */
	__u64 held;		/* records held now */
	__u64 nulls;		/* allocations that found the reserve dry */
};

#endif /* __LIBARENA_DEMO_H */
