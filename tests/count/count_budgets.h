/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Executed x86 instructions per alloc+free pair (the benchmark's loop,
 * its few instructions of loop control included), default build, 1 CPU,
 * counted by tests/count/count.c under qemu.  Each budget is the count
 * measured plus less than 5%: a change that costs more fails make test.
 */
#ifndef __LIBARENA_COUNT_BUDGETS_H
#define __LIBARENA_COUNT_BUDGETS_H

/* The counter itself: a 6-instruction loop must read 6 per iteration. */
#define COUNT_CALIBRATION_SLACK		0.06

/*
 * Measured on 7.0.13 (every run gives the same integers): cached 16 B
 * 218, 256 B and 4 KiB 227 (0 locked); cached 64 KiB 688 (2 locked);
 * uncached 16 B 1738, 4 KiB 1167 (4 locked).  Before the preemption guard
 * stopped asking CONFIG_PREEMPTION: 232, 241, 701.
 */
#define COUNT_CACHED_PAIR		235	/* 16 B .. 4 KiB, no lock */
#define COUNT_CACHED_LARGE_PAIR		720	/* 64 KiB */
#define COUNT_CACHED_LARGE_LOCKED	2
#define COUNT_UNCACHED_SMALL_PAIR	1820	/* 16 B: a slab object */
#define COUNT_UNCACHED_PAGE_PAIR	1225	/* 4 KiB: a buddy block */
#define COUNT_UNCACHED_LOCKED		4	/* one lock round trip per operation */

#endif /* __LIBARENA_COUNT_BUDGETS_H */
