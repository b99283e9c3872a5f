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
 * 194, 256 B and 4 KiB 201 (0 locked); cached 64 KiB 203 (0 locked, now
 * inline); uncached 16 B 651, 4 KiB 785 (4 locked).  History of the
 * cached pair: 241 while the guard asked CONFIG_PREEMPTION, 227 after,
 * 201 with the cheaper checks; 64 KiB was 688 (2 locked) in the slow
 * path.  Uncached: 1721 and 1153 before the lock went inline and the
 * free was validated once, 1459 and 899 before the free released inline
 * and a class kept its empty last slab, 759 and 845 before the slab free
 * became one call and the locked free read the chunk once.
 */
#define COUNT_CACHED_PAIR		210	/* 16 B .. 4 KiB, no lock */
#define COUNT_CACHED_LARGE_PAIR		213	/* 64 KiB */
#define COUNT_CACHED_LARGE_LOCKED	0
#define COUNT_UNCACHED_SMALL_PAIR	680	/* 16 B: a slab object */
#define COUNT_UNCACHED_PAGE_PAIR	820	/* 4 KiB: a buddy block */
#define COUNT_UNCACHED_LOCKED		4	/* one lock round trip per operation */

#endif /* __LIBARENA_COUNT_BUDGETS_H */
