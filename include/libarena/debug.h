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

#include "internal/types.h"
#include "internal/dbg.h"

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

/* 0 if the live block at addr is intact, else -EUCLEAN and a report. */
int arena_check_addr(__u64 addr);
/* Release every quarantined block now (verifying each): how many. */
static __always_inline int arena_debug_flush(void)
{
	__u64 raw;
	__u32 i;
	int n = opaque(0);	/* imprecise: the verifier need not walk it */

	for (i = opaque(0); i < DBG_QUARANTINE && can_loop; i++) {
		raw = __dbg_unquarantine(i);
		if (raw && !__buddy_free_slow(dbg_owner(raw), raw))
			n++;
	}
	return n;
}

/*
 * Checked accesses: 0, or -EFAULT and a report.  Real global functions with
 * the names ASan instrumentation calls (the address in the first argument;
 * the host build renames them, see <libarena/internal/host.h>).
 */
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
