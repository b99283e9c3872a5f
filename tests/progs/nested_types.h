/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/progs/nested.bpf.c and its driver in tests/nested.c. */
#ifndef __LIBARENA_NESTED_TYPES_H
#define __LIBARENA_NESTED_TYPES_H

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
};

#endif /* __LIBARENA_NESTED_TYPES_H */
