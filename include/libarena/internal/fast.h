/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-CPU cache fast paths, inlined into the caller: a global function
 * call costs more than the whole fast path.  Anything unusual (cache empty
 * or full, no cache yet, a pointer that fails a check, the cache busy) goes
 * to the global slow path, which decides.  <libarena/internal/cache.h> says
 * why this is safe in any context.
 *
 * The layering's one back-edge: this code runs at the top, in the user's
 * program, and calls the entry points' globals (src/entry.bpf.c); nothing
 * in the library calls it.
 */
#ifndef __LIBARENA_FAST_H
#define __LIBARENA_FAST_H

#include "cache.h"
#include "entry.h"

/*
 * The slow paths the inline fast paths fall back to.  By default: the
 * growing ones (refill inline, retry; give surplus chunks back) where this
 * program may populate pages (libarena_grows_inline(): a load-time
 * constant), else the any-context ones, which raise refill/shrink requests
 * that the library's own notification gets served (src/entry.bpf.c).
 * Overrides, defined before including libarena.h:
 *  - LIBARENA_SLEEPABLE: always grow inline (sleepable programs on kernels
 *    before 7.0, where the library cannot tell them apart);
 *  - LIBARENA_ASYNC_REFILL: never grow inline; kick the instance's bpf_wq
 *    work item when a request is raised (program types that may use a
 *    bpf_wq only, see <libarena/refill_wq.h>).
 */
#if defined(LIBARENA_SLEEPABLE)
#define __buddy_alloc_slow	buddy_alloc_addr_grow
#define __buddy_free_slow	buddy_free_addr_grow
#elif defined(LIBARENA_ASYNC_REFILL)
#include "../refill_wq.h"

static __always_inline __u64 __buddy_alloc_slow(struct buddy __arena *b, __u64 size)
{
	__u64 addr = buddy_alloc_addr(b, size);

	if (READ_ONCE(b->refill_wanted))
		buddy_kick_refill(b);	/* no-op while one is pending */
	return addr;
}

static __always_inline int __buddy_free_slow(struct buddy __arena *b, __u64 addr)
{
	int err = buddy_free_addr(b, addr);

	if (READ_ONCE(b->shrink_wanted))
		buddy_kick_refill(b);
	return err;
}
#else
/* The test is here, in the caller's code, for the verifier to prune. */
static __always_inline __u64 __buddy_alloc_slow(struct buddy __arena *b, __u64 size)
{
	if (libarena_grows_inline())
		return buddy_alloc_addr_grow(b, size);
	return buddy_alloc_addr(b, size);
}

static __always_inline int __buddy_free_slow(struct buddy __arena *b, __u64 addr)
{
	if (libarena_grows_inline())
		return buddy_free_addr_grow(b, addr);
	return buddy_free_addr(b, addr);
}
#endif

static __always_inline __u64 buddy_alloc_fast(struct buddy __arena *b, __u64 size)
{
	struct pcpu_class __arena *c;
	pcpu_cache_t *pc;
	__u64 addr = 0;
	__u32 cls;

	if (size - 1 < PCPU_MAX_SIZE) {		/* 1 B .. 512 KiB */
		pc = pcpu_of(b, libarena_cpu());
		if (pc && pcpu_enter(pc)) {
			cls = alloc_class(size);
			c = pcpu_class(pc, cls);
			addr = class_pop(c);
			if (addr) {
				*custody_word(addr) = 0;
				class_count_alloc(&c->stats, size, true);
			}
			pcpu_exit(pc);
			if (addr)
				return addr;
		}
	}
	return __buddy_alloc_slow(b, size);
}

/*
 * The checks run inside the guard: only b, addr and pc live across its
 * kfunc call (more would be stack slots in the caller's frame), and they
 * are plain loads, so the section stays short.
 */
static __always_inline int buddy_free_fast(struct buddy __arena *b, __u64 addr)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());
	__u32 cls;

	if (!pc || (addr & (GRANULE_SIZE - 1)) || !fast_path_readable(chunk_of(addr)) ||
	    !pcpu_enter(pc))
		return __buddy_free_slow(b, addr);
	cls = user_block_class(b, addr);	/* >= PCPU_NR_CLASSES: not for a push */
	if (cls >= PCPU_NR_CLASSES || !class_push_free(b, pcpu_class(pc, cls), addr)) {
		pcpu_exit(pc);
		return __buddy_free_slow(b, addr);	/* refused, or full */
	}
	pcpu_exit(pc);
	return 0;
}

#endif /* __LIBARENA_FAST_H */
