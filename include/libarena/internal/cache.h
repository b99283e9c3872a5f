/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-CPU cache fast paths, inlined into the caller: a global function
 * call costs more than the whole fast path.  Anything unusual (cache empty
 * or full, no cache yet, a pointer that fails a check, the cache busy) goes
 * to the global slow path, which decides.
 *
 * Why this is safe in any BPF context.  A CPU's stacks are touched only by
 * programs running on that CPU (BPF programs do not migrate; another CPU
 * that wants a cache trimmed posts a request its owner serves), and only
 * between libarena_guard_enter() and libarena_guard_exit() on the cache's
 * busy flag, with plain loads and stores.  What can interleave on one CPU:
 *  - a program nested in ours (hardirq, softirq, NMI: perf_event, tracing,
 *    networking) runs to completion before ours resumes.  If it arrives
 *    inside our section it finds the flag set and goes around the cache
 *    (to the buddy, whose lock tells it that this CPU holds it if so: then
 *    NULL or a deferred free, never a spin).  If it arrives before we set
 *    the flag, it finishes its whole section first and we then read the
 *    stack afresh.  Either way no slot is read or written by two users.
 *  - another task, if the kernel preempts the program: the guard disables
 *    preemption for the section where the kernel is preemptible.
 * The slow paths follow the same rule and never call out of a section
 * (no lock, no helper inside it), so sections are a few instructions long.
 *
 * Define LIBARENA_IRQ_CONTEXT (before including libarena.h) in a file whose
 * programs run where the kernel cannot preempt them (XDP, tc and socket
 * filters run in softirq, perf_event programs in hardirq or NMI): the busy
 * flag stays (an interrupt can still nest) and the preemption guard goes.
 * Define LIBARENA_EXCLUSIVE_CONTEXT only if nothing else can run libarena
 * on a CPU while your program does: no preemption, no program nesting into
 * it.  The guard then costs nothing.  Both only change the inline fast
 * path; the library's slow paths keep the full guard.
 */
#ifndef __LIBARENA_CACHE_H
#define __LIBARENA_CACHE_H

#include "block.h"
#include "entry.h"

typedef struct pcpu_cache __arena pcpu_cache_t;

#if defined(LIBARENA_EXCLUSIVE_CONTEXT)
#define pcpu_enter(pc)	true
#define pcpu_exit(pc)	do { } while (0)
#elif defined(LIBARENA_IRQ_CONTEXT)
#define pcpu_enter(pc)	libarena_flag_enter(&(pc)->busy)
#define pcpu_exit(pc)	libarena_flag_exit(&(pc)->busy)
#else
#define pcpu_enter(pc)	libarena_guard_enter(&(pc)->busy)
#define pcpu_exit(pc)	libarena_guard_exit(&(pc)->busy)
#endif

static __always_inline pcpu_cache_t *pcpu_of(struct buddy __arena *b, __u32 cpu)
{
	if (cpu >= LIBARENA_MAX_CPUS)
		return NULL;
	return arena_ptr(*arena_elem(b->pcpu, cpu));
}

static __always_inline struct pcpu_class __arena *pcpu_class(pcpu_cache_t *pc, __u32 cls)
{
	return arena_elem(pc->cls, cls);	/* cls < PCPU_NR_CLASSES */
}

/*
 * Top of a class stack, or 0.  Inside the guard.  A count never passes
 * PCPU_SLOTS (pushes stop at the class's cap, which cache_set_caps()
 * clamps to it); the mask keeps a corrupted one inside the slots for one
 * instruction where a test costs two.
 */
static __always_inline __u64 class_pop(struct pcpu_class __arena *c)
{
	__u32 n = c->count;

	if (!n)
		return 0;
	c->count = n - 1;
	return *arena_elem(c->slots, (n - 1) & (PCPU_SLOTS - 1));
}

static __always_inline __u64 pcpu_pop(pcpu_cache_t *pc, __u32 cls)
{
	return class_pop(pcpu_class(pc, cls));
}

/* An allocation of size bytes the cache served from class c: plain
 * counts, per CPU.  Inside the guard. */
static __always_inline void class_count_alloc(struct pcpu_class __arena *c, __u64 size)
{
	c->allocs++;
	c->requested += size;
}

/* addr onto a class stack unless it is full.  Inside the guard. */
static __always_inline bool class_push(struct pcpu_class __arena *c, __u64 addr)
{
	__u32 n = c->count;

	if (n >= c->cap)
		return false;
	*arena_elem(c->slots, n & (PCPU_SLOTS - 1)) = addr;	/* see class_pop() */
	c->count = n + 1;
	return true;
}

static __always_inline __u64 __arena *pcpu_tag(__u64 addr)
{
	return arena_ptr(addr + PCPU_TAG_OFF);
}

/*
 * Blocks in the library's custody (per-CPU caches, depot, deferred frees,
 * in both modes) are allocated as far as the buddy knows and carry a tag
 * at byte 8, so that freeing one again is recognised as a double free.
 */
static __always_inline void custody_tag(struct buddy __arena *b, __u64 addr)
{
	*pcpu_tag(addr) = addr ^ b->cache_key;
}

static __always_inline bool custody_tagged(struct buddy __arena *b, __u64 addr)
{
	return *pcpu_tag(addr) == (addr ^ b->cache_key);
}

/* A free onto class c's stack: pushed, tagged (in custody) and counted;
 * false if the stack is full.  Inside the guard. */
static __always_inline bool class_push_free(struct buddy __arena *b,
					    struct pcpu_class __arena *c, __u64 addr)
{
	if (!class_push(c, addr))
		return false;
	custody_tag(b, addr);
	c->frees++;
	return true;
}

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
				*pcpu_tag(addr) = 0;
				class_count_alloc(c, size);
			}
			pcpu_exit(pc);
			if (addr)
				return addr;
		}
	}
	return __buddy_alloc_slow(b, size);
}

/* The class a free may push addr onto, or PCPU_NR_CLASSES: the checks of
 * the slow path that a push must not skip (the alignment aside). */
static __always_inline __u32 free_class(struct buddy __arena *b, __u64 addr)
{
	if (!block_is_live(b, addr) || custody_tagged(b, addr))
		return PCPU_NR_CLASSES;	/* not ours, not live, cached already */
	return block_class(addr);	/* PCPU_NR_CLASSES for a slab itself */
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
	cls = free_class(b, addr);
	if (cls >= PCPU_NR_CLASSES || !class_push_free(b, pcpu_class(pc, cls), addr)) {
		pcpu_exit(pc);
		return __buddy_free_slow(b, addr);	/* refused, or full */
	}
	pcpu_exit(pc);
	return 0;
}

#endif /* __LIBARENA_CACHE_H */
