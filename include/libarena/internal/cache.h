/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-CPU caches' stacks and the operations on them that the inline
 * fast paths (<libarena/internal/fast.h>) and the library's cache layer
 * (src/cache.bpf.c) share.  Nothing here calls out of line.
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

/* A free onto class c's stack: pushed, tagged (in custody) and counted;
 * false if the stack is full.  Inside the guard. */
static __always_inline bool class_push_free(struct buddy __arena *b,
					    struct pcpu_class __arena *c, __u64 addr)
{
	if (!class_push(c, addr))
		return false;
	custody_tag(b, addr);
	class_count_free(&c->stats, true);
	return true;
}

#endif /* __LIBARENA_CACHE_H */
