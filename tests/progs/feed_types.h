/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/progs/feed.bpf.c and tests/feed.c. */
#ifndef __LIBARENA_FEED_TYPES_H
#define __LIBARENA_FEED_TYPES_H

#define FEED_RECORDS	65536		/* events recorded, then the tracer stops */
#define FEED_HEADER	56		/* struct feed_rec, before the payload */
#define FEED_MIN_DATA	16		/* payload: 16 .. 600 bytes */
#define FEED_MAX_DATA	600
#define FEED_CPUS	8		/* lists per (CPU % 8, syscall nr % 64) */
#define FEED_SYSCALLS	64
#define FEED_LISTS	(FEED_CPUS * FEED_SYSCALLS)
#define FEED_WARMUP_NS	(100ull * 1000 * 1000)	/* NULLs before this are warm-up */

/* One traced syscall, linked into its list; the payload follows. */
struct feed_rec {
	__u64 next;		/* arena address of the next record, 0 ends */
	__u64 ts;
	__u64 size;		/* bytes allocated for it */
	__u64 args[2];
	__u32 cpu;
	__u32 id;		/* syscall number */
	__u64 seq;
	__u64 magic;		/* FEED_MAGIC ^ seq */
};
#define FEED_MAGIC	0xfeedfeed00000000ull

struct feed_state {
	__u32 armed;		/* set by the driver: record from now on */
	__u32 pad;
	__u64 start_ns;		/* the first recorded event */
	__u64 events;		/* events seen while armed (claims a seq) */
	__u64 records;		/* records allocated and linked */
	__u64 bytes;
	__u64 nulls;		/* allocations that returned NULL */
	__u64 late_nulls;	/* of which after FEED_WARMUP_NS */
	__u64 last_ns;		/* the last recorded event */
	__u64 heads[FEED_LISTS];
};

#endif /* __LIBARENA_FEED_TYPES_H */
