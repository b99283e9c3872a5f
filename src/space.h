/* SPDX-License-Identifier: BSD-2-Clause */
/* The arena's buddy window: 1 MiB slices shared by all instances. */
#ifndef __LIBARENA_SPACE_H
#define __LIBARENA_SPACE_H

#include <libarena/internal/block.h>
#include "platform.h"

extern struct libarena_faults __arena libarena_faults;

/* Should this call fail on purpose?  (Fault injection; off: one load.) */
static __always_inline bool fault_hit(enum libarena_fault kind, __u32 every)
{
	struct libarena_faults __arena *f = &libarena_faults;

	if (!every)
		return false;
	if (__sync_fetch_and_add(arena_elem(f->calls, kind), 1) % every)
		return false;
	__sync_fetch_and_add(arena_elem(f->injected, kind), 1);
	return true;
}

int space_init(void);
/* A fresh, populated, zeroed chunk, or 0 when the window or arena is full. */
__u64 space_chunk_get(void);
int space_chunk_put(__u64 chunk);

#endif /* __LIBARENA_SPACE_H */
