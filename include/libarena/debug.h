/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Debug mode: build your BPF objects with -DLIBARENA_DEBUG and link them
 * with libarena_debug.bpf.o.  Every allocation then gets
 *
 *   [ header: size, magic | left canary ][ your bytes ][ right redzone ]
 *
 * checked on free (and by arena_check()); freed blocks are filled with a
 * poison pattern and quarantined, the fill verified before the block is
 * reused; double and invalid frees are reported with the address.  A shadow
 * map (one byte per 8 bytes of heap, ASan's encoding: 0 = addressable, 1..7
 * = that many leading bytes, 0xfa = redzone, 0xfd = freed) follows every
 * allocation, and the __asan_load / __asan_store checks below read it: call
 * them yourself today; a compiler that can instrument BPF can call them.
 *
 * Reports go to the ring buffer map `libarena_reports` (struct
 * libarena_report; the test runner and tools drain it) and the latest one
 * stays in the arena global `libarena_last_report`.
 */
#ifndef __LIBARENA_DEBUG_H
#define __LIBARENA_DEBUG_H

#include "types.h"

enum libarena_report_kind {
	REPORT_NONE,
	REPORT_OVERFLOW,	/* right redzone written: offset >= size */
	REPORT_UNDERFLOW,	/* left canary written: offset < 0 */
	REPORT_USE_AFTER_FREE,	/* poison changed in quarantine, or a checked access */
	REPORT_DOUBLE_FREE,
	REPORT_INVALID_FREE,	/* not a block this allocator handed out */
	REPORT_BAD_ACCESS,	/* __asan_* on a redzone or unallocated memory */
	REPORT_NR_KINDS,
};

struct libarena_report {
	__u32 kind;		/* enum libarena_report_kind */
	__u32 cpu;
	__u64 addr;		/* the pointer the program used */
	__u64 block;		/* the allocation's start (as handed out), or 0 */
	__u64 size;		/* its requested size, or 0 */
	__s64 offset;		/* of the first bad byte, from block */
	__u64 found;		/* the byte (or shadow byte) found there */
	__u64 seq;		/* reports so far, this one included */
};

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
/* Sleepable callers: refills the reserve and retries when it runs dry. */
__u64 __dbg_alloc_sleepable(struct buddy __arena *b __arg_arena, __u64 size);
#ifdef LIBARENA_SLEEPABLE
#define __dbg_alloc_slow	__dbg_alloc_sleepable
#else
#define __dbg_alloc_slow	__dbg_alloc
#endif
int __dbg_free(struct buddy __arena *b __arg_arena, __u64 addr);
__u64 __dbg_usable_size(struct buddy __arena *b __arg_arena, __u64 addr);
/* Drop an instance's blocks from the quarantine (buddy_destroy does). */
int dbg_forget(struct buddy __arena *b __arg_arena);
/* 0 if the live block at addr is intact, else -EUCLEAN and a report. */
int arena_check_addr(__u64 addr);
/* Release every quarantined block now (verifying each): how many. */
int arena_debug_flush(void);

/*
 * Checked accesses: 0, or -EFAULT and a report.  Real global functions with
 * the names ASan instrumentation calls (the address in the first argument).
 * On the host the compiler's ASan runtime owns these names; ours get a
 * prefix there.
 */
#ifndef __BPF__
#define __asan_loadN	libarena_asan_loadN
#define __asan_storeN	libarena_asan_storeN
#define __asan_load1	libarena_asan_load1
#define __asan_load2	libarena_asan_load2
#define __asan_load4	libarena_asan_load4
#define __asan_load8	libarena_asan_load8
#define __asan_load16	libarena_asan_load16
#define __asan_store1	libarena_asan_store1
#define __asan_store2	libarena_asan_store2
#define __asan_store4	libarena_asan_store4
#define __asan_store8	libarena_asan_store8
#define __asan_store16	libarena_asan_store16
#endif
int __asan_loadN(__u64 addr, __u64 size);
int __asan_storeN(__u64 addr, __u64 size);
int __asan_load1(__u64 addr);
int __asan_load2(__u64 addr);
int __asan_load4(__u64 addr);
int __asan_load8(__u64 addr);
int __asan_load16(__u64 addr);
int __asan_store1(__u64 addr);
int __asan_store2(__u64 addr);
int __asan_store4(__u64 addr);
int __asan_store8(__u64 addr);
int __asan_store16(__u64 addr);

#define arena_check(p)		arena_check_addr(arena_addr(p))

extern struct libarena_report __arena libarena_last_report;

#endif /* __LIBARENA_DEBUG_H */
