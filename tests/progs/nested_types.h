/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/progs/nested.bpf.c and its driver in tests/nested.c. */
#ifndef __LIBARENA_NESTED_TYPES_H
#define __LIBARENA_NESTED_TYPES_H

#include <libarena/lock.h>

#define NESTED_RING		32
#define NESTED_OUTER_STEPS	50000
#define NESTED_IRQ_STEPS	64

struct nested_side {
	__u64 ring[NESTED_RING];	/* live blocks, 0 = empty slot */
	__u64 stamp[NESTED_RING];	/* what each should still hold */
	__u64 seq;
	__u64 ops;		/* successful allocations */
	__u64 nulls;		/* allocations that returned NULL */
	__u64 clobbered;	/* a live block held someone else's stamp */
	__u64 not_live;		/* a live block the heap thought free */
	__u64 runs;		/* program invocations */
};

struct nested_ctl {
	__u32 cpu;		/* where both sides run */
	__u32 armed;		/* the irq side works only while set */
	__u64 flags;		/* buddy_init_flags() of the instance */
	__u32 mode;		/* enum nested_mode */
};

enum nested_mode {
	NESTED_MODE_ALLOC,	/* both sides allocate and free */
	NESTED_MODE_LOCK,	/* both sides take the users' arena lock */
};

#define NESTED_LOCK_CPUS	2
#define NESTED_LOCK_STEPS	5000
#define NESTED_LOCK_WINDOW	64	/* spins between a read and its write */

/* A counter that only the lock keeps exact: each side reads it, spins,
 * writes it + 1; a second holder in that window loses an update. */
struct nested_lock_state {
	struct arena_lock lock;
	__u64 counter;
	__u64 outer_ops[NESTED_LOCK_CPUS];	/* per CPU: exact without the lock */
	__u64 outer_timeouts;
	__u64 irq_ops;
	__u64 irq_deadlocks;	/* the interrupt found its CPU holding the lock */
	__u64 irq_timeouts;	/* held by the other CPU for 10 ms */
	__u64 irq_runs;
};

#endif /* __LIBARENA_NESTED_TYPES_H */
