/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tracer.bpf.c and its loader: the records and their lists. */
#ifndef __TRACER_H
#define __TRACER_H

#include <libarena/lock.h>

#define TRACER_BUCKETS	64	/* lists, by syscall number */
#define TRACER_MAX_ARGS	6

/* One system call: its number and its first nargs arguments (1..6, so
 * records come in several sizes). */
struct tracer_rec {
	struct tracer_rec __arena *next;
	__u64 nr;
	__u64 nargs;
	__u64 args[];
};

struct tracer_bucket {
	struct arena_lock lock;		/* pushes from several CPUs */
	struct tracer_rec __arena *head;
	__u64 records;
	__u64 bytes;			/* usable bytes of its records */
};

struct tracer_state {
	struct tracer_bucket buckets[TRACER_BUCKETS];
	__u64 nulls;			/* events the heap could not take */
	__u64 lock_failures;
	__u64 freed;
	__u32 tgid;			/* only this process's calls */
};

#endif
