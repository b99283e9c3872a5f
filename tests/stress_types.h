/* SPDX-License-Identifier: BSD-2-Clause */
/* State of the multi-CPU and fault tests, shared with the runner
 * (skeleton types). */
#ifndef __LIBARENA_STRESS_TYPES_H
#define __LIBARENA_STRESS_TYPES_H

#include <libarena/internal/common.h>

#define RING_SIZE	1024

struct stress_worker {
	__u64 seq;
	__u64 ops;
	__u64 reallocs;
};

struct pc_ring {
	__u64 head;		/* next slot the producer fills */
	__u64 tail;		/* next slot the consumer empties */
	__u64 produced;
	__u64 consumed;
	__u64 peak_bytes;	/* buddy-level peak, for the runner to print */
	__u64 slots[RING_SIZE];
};

/* What a fault-injection run saw (reliability_tests.h). */
struct fault_run {
	__u64 nulls;		/* allocations that failed */
	__u64 free_errors;	/* frees refused (lock), retried later */
};

#endif /* __LIBARENA_STRESS_TYPES_H */
