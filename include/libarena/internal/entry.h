/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The library's global entry points that the inline fast paths
 * (<libarena/internal/fast.h>) fall back to; <libarena/buddy.h> wraps
 * them in the API.  A global BPF function may not return a pointer: addresses travel
 * as __u64, arena pointer arguments carry __arg_arena.
 */
#ifndef __LIBARENA_ENTRY_H
#define __LIBARENA_ENTRY_H

#include "types.h"

typedef struct buddy __arena buddy_t;

/* Any program type: serve from what is populated, never sleep. */
__u64 buddy_alloc_addr(buddy_t *b __arg_arena, __u64 size);
int buddy_free_addr(buddy_t *b __arg_arena, __u64 addr);
__u64 buddy_usable_size_addr(buddy_t *b __arg_arena, __u64 addr);
/* Where the caller may populate pages (libarena_grows_inline(), or a
 * sleepable program): refill the reserve and retry / return surplus
 * chunks. */
__u64 buddy_alloc_addr_grow(buddy_t *b __arg_arena, __u64 size);
int buddy_free_addr_grow(buddy_t *b __arg_arena, __u64 addr);

#endif /* __LIBARENA_ENTRY_H */
