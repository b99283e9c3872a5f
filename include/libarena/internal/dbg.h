/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Debug mode's internals: the block layout (header, canary, redzone), the
 * quarantine and the debug layer's entry points that <libarena/buddy.h>
 * and <libarena/malloc.h> route to under LIBARENA_DEBUG (src/debug.bpf.c).
 */
#ifndef __LIBARENA_INTERNAL_DBG_H
#define __LIBARENA_INTERNAL_DBG_H

#include "types.h"

#define DBG_HEADER		16	/* bytes before the user's */
#define DBG_MIN_REDZONE		16	/* bytes after, at least */
#define DBG_MAGIC		0x64626764u	/* "dgbd": live */
#define DBG_FREED		0x65657266u	/* "free": quarantined */
#define DBG_CANARY		0xcbcbcbcbcbcbcbcbull
#define DBG_REDZONE_BYTE	0xcb
#define DBG_POISON_BYTE		0xdd
#define DBG_QUARANTINE		256	/* freed blocks held before reuse */
#define SHADOW_REDZONE		0xfa
#define SHADOW_FREED		0xfd

struct dbg_header {
	__u32 magic;		/* DBG_MAGIC or DBG_FREED */
	__u32 size;		/* requested */
	__u64 canary;		/* DBG_CANARY ^ block address */
};

/* Freed blocks wait here (a ring claimed by atomic increment; a push
 * evicts what its slot held) before they go back to the allocator. */
struct dbg_quarantine {
	__u64 head;
	__u64 slots[DBG_QUARANTINE];
};

__u64 __dbg_alloc(struct buddy __arena *b __arg_arena, __u64 size);
/* Growing callers (see __buddy_alloc_slow): refills and retries when dry. */
__u64 __dbg_alloc_grow(struct buddy __arena *b __arg_arena, __u64 size);
/* As __buddy_alloc_slow (<libarena/internal/cache.h>) chooses. */
#if defined(LIBARENA_SLEEPABLE)
#define __dbg_alloc_slow	__dbg_alloc_grow
#elif defined(LIBARENA_ASYNC_REFILL)
#define __dbg_alloc_slow	__dbg_alloc
#else
static __always_inline __u64 __dbg_alloc_slow(struct buddy __arena *b, __u64 size)
{
	if (libarena_grows_inline())
		return __dbg_alloc_grow(b, size);
	return __dbg_alloc(b, size);
}
#endif
int __dbg_free(struct buddy __arena *b __arg_arena, __u64 addr);
__u64 __dbg_usable_size(struct buddy __arena *b __arg_arena, __u64 addr);
/* Drop an instance's blocks from the quarantine (buddy_destroy does). */
int dbg_forget(struct buddy __arena *b __arg_arena);

#endif /* __LIBARENA_INTERNAL_DBG_H */
