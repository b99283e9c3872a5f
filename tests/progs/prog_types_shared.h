/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by tests/progs/prog_types*.bpf.c and their driver, tests/prog_types.c:
 * the arena global through which the driver asks a program for a phase of
 * work and reads what it found (the skeleton carries no type definitions).
 */
#ifndef __LIBARENA_PROG_TYPES_SHARED_H
#define __LIBARENA_PROG_TYPES_SHARED_H

#define PT_RUNS		4		/* invocations doing mixed rounds */
#define PT_ROUNDS	256		/* rounds per such invocation */
#define PT_BATCH	4		/* blocks live at once in a round */
#define PT_MAX_SIZE	4096		/* mixed sizes: 16 B .. 4 KiB */
#define PT_BIG		(64u << 10)	/* what exhausts the reserve */
#define PT_MAX_HOLD	64		/* 4 MiB of big blocks: past the default reserve */

/* What the driver asks for, in this order; the program acknowledges each. */
enum pt_phase {
	PT_IDLE,
	PT_INIT,	/* first use of the default instance, an own instance */
	PT_MIXED,	/* PT_RUNS invocations of PT_ROUNDS mixed rounds */
	PT_EXHAUST,	/* hold big blocks until the reserve runs dry, or
			 * grow past it where the program grows inline */
	PT_REFILLED,	/* after arena_buddy_refill: one more must fit */
	PT_FREE_ALL,	/* free what is held, trim, compare bytes in use */
};

struct pt_state {
	__u32 phase;		/* asked by the driver */
	__u32 ack;		/* the last phase the program finished */
	__u32 busy;		/* one invocation works at a time */
	__u32 tgid;		/* event programs count only the driver's events */
	__u32 grows;		/* libarena_grows_inline() in the program */
	__u32 pad;
	__s64 own_init;		/* buddy_init() of an own instance, in context */
	__u64 populated_before;	/* libarena_heap.stats.chunks_populated before exhaust */
	__u64 populated_after;
	__u64 invocations;	/* times the program ran, working or not */
	__u64 runs;		/* invocations that did mixed rounds */
	__u64 rounds;
	__u64 allocs;		/* blocks allocated, every phase */
	__u64 seq;		/* stamp sequence */
	__u64 held;		/* big blocks in hold[] */
	__u64 dry_nulls;	/* NULLs that ended the exhaust phase */
	__u64 dry_before;	/* libarena_heap.stats.reserve_dry before it */
	__u64 dry_after;
	__u64 failed_before;	/* libarena_heap.stats.failed_allocs before it */
	__u64 failed_after;
	__u64 refill_wanted;	/* libarena_heap.refill_wanted after it */
	__u64 base_in_use;	/* bytes in use (less cache metadata) at first */
	__u64 end_in_use;	/* the same after free all and trim */
	__s64 trimmed;		/* buddy_trim()'s result */
	__u64 blk[PT_BATCH];
	__u64 size[PT_BATCH];
	__u64 hold[PT_MAX_HOLD];
};

#endif /* __LIBARENA_PROG_TYPES_SHARED_H */
