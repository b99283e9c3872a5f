/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Debug mode's internals: the block layout (header, canary, redzone), the
 * quarantine and the debug layer's entry points that <libarena/buddy.h>
 * and <libarena/malloc.h> route to under LIBARENA_DEBUG (src/debug.bpf.c).
 */
#ifndef __LIBARENA_INTERNAL_DBG_H
#define __LIBARENA_INTERNAL_DBG_H

#include "types.h"
#include "fast.h"	/* the slow paths the wrappers call */

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

/*
 * The debug layer wraps the entry points inline, in the caller's program,
 * around global leaves of its own (src/debug.bpf.c) that never call the
 * allocator: a debug build takes no more call frames than a plain one.
 * The wrappers call the global entry points, not the inline fast paths,
 * whose kfunc calls would spill the wrappers' values into the caller's
 * frame (32 bytes more, tried).
 */
__u64 __dbg_wrap(__u64 raw, __u64 size);
__s64 __dbg_retire(__u64 addr);
int __dbg_free_refused(__u64 addr, int err);
__u64 __dbg_unquarantine(__u32 i);
__u64 __dbg_user_size(__u64 addr);
/* Drop an instance's blocks from the quarantine (buddy_destroy does). */
int dbg_forget(struct buddy __arena *b __arg_arena);

static __always_inline bool dbg_size_ok(__u64 size)
{
	return size && size <= BUDDY_MAX_SIZE - DBG_HEADER - DBG_MIN_REDZONE;
}

/* The allocation behind a debug block: header, the user's bytes and at
 * least the minimum redzone. */
static __always_inline __u64 __dbg_alloc_slow(struct buddy __arena *b, __u64 size)
{
	if (!dbg_size_ok(size))
		return buddy_alloc_addr(b, size ? BUDDY_MAX_SIZE + 1 : 0);	/* counted */
	return __dbg_wrap(__buddy_alloc_slow(b, size + DBG_HEADER + DBG_MIN_REDZONE), size);
}

/* A debug block's requested size; a plain block's usable size. */
static __always_inline __u64 __dbg_usable_size(struct buddy __arena *b, __u64 addr)
{
	return __dbg_user_size(addr) ?: buddy_usable_size_addr(b, addr);
}

/* The instance a block belongs to, from its chunk. */
static __always_inline struct buddy __arena *dbg_owner(__u64 raw)
{
	return (struct buddy __arena *)arena_ptr(chunk_hdr(chunk_of(raw))->owner);
}

/* A debug block goes to quarantine and the one it evicts to its owner; a
 * plain one to b, a refusal reported. */
static __always_inline int __dbg_free(struct buddy __arena *b, __u64 addr)
{
	__s64 out;
	int err;

	if (!addr)
		return 0;
	out = __dbg_retire(addr);
	if (out <= 0)
		return out;
	err = __buddy_free_slow((__u64)out == addr ? b : dbg_owner(out), out);
	if (err && (__u64)out == addr)
		return __dbg_free_refused(addr, err);
	return 0;
}

#endif /* __LIBARENA_INTERNAL_DBG_H */
