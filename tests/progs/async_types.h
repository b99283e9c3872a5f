/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/progs/async_refill.bpf.c and tests/async_refill.c. */
#ifndef __LIBARENA_ASYNC_TYPES_H
#define __LIBARENA_ASYNC_TYPES_H

#define ASYNC_SLOTS	64		/* 4 MiB of 64 KiB blocks at most */
#define ASYNC_BLOCK	(64 << 10)

enum async_phase { ASYNC_IDLE, ASYNC_HOLD, ASYNC_FREE };

struct async_state {
	__u32 phase;		/* enum async_phase: what async_step does */
	__u32 nr_held;
	__u64 nulls;		/* allocations that found the reserve dry */
	__u64 free_errors;
	__u64 held[ASYNC_SLOTS];
};

#endif /* __LIBARENA_ASYNC_TYPES_H */
