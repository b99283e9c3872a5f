/* SPDX-License-Identifier: BSD-2-Clause */
/* The arena's buddy window: 1 MiB slices shared by all instances. */
#ifndef __LIBARENA_SPACE_H
#define __LIBARENA_SPACE_H

#include "platform.h"

extern struct arena_space __arena libarena_space;

int space_init(void);
/* A fresh, populated, zeroed chunk, or 0 when the window or arena is full. */
__u64 space_chunk_get(void);
int space_chunk_put(__u64 chunk);

static __always_inline bool space_is_populated(__u64 chunk)
{
	struct arena_space __arena *s = &libarena_space;
	__u64 idx;

	if (READ_ONCE(s->state) != SPACE_READY || chunk < s->base)
		return false;
	idx = (chunk - s->base) >> CHUNK_SHIFT;
	if (idx >= s->nr_slices || idx >= SPACE_MAX_SLICES)
		return false;
	return READ_ONCE(s->populated[idx / 64]) & (1ull << (idx % 64));
}

#endif /* __LIBARENA_SPACE_H */
