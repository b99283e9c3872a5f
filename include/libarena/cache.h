/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-CPU cache fast paths, inlined into the caller: a global function
 * call costs more than the whole fast path.  Anything unusual (cache empty
 * or full, no cache yet, a pointer that fails a check, a CAS lost
 * PCPU_CAS_TRIES times) goes to the global slow path, which decides.
 *
 * Why this is safe in any BPF context: a program cannot migrate, so only
 * code on this CPU pushes to or pops from this CPU's stacks (trim from
 * another CPU only pops, and pops are CAS-committed too).  A program that
 * preempts or interrupts us between reading the header and the CAS changes
 * the generation, so our CAS fails and we retry with fresh values: a popped
 * slot is never handed out twice, and a pushed slot is written before the
 * CAS that makes it visible.
 *
 * Define LIBARENA_EXCLUSIVE_CONTEXT (before including libarena.h) only if
 * nothing can run libarena on a CPU while your program does: no preemption
 * of it, no program nesting into it, no buddy_trim() from another CPU while
 * it runs.  The header is then committed with a plain store, which saves
 * the two locked instructions a pair otherwise costs.
 */
#ifndef __LIBARENA_CACHE_H
#define __LIBARENA_CACHE_H

#include "block.h"
#include "buddy.h"

typedef struct pcpu_cache __arena pcpu_cache_t;

#ifdef LIBARENA_EXCLUSIVE_CONTEXT
#define pcpu_commit(c, old, new)	(WRITE_ONCE((c)->hdr, (new)), true)
#else
#define pcpu_commit(c, old, new)	(cmpxchg(&(c)->hdr, (old), (new)) == (old))
#endif

static __always_inline pcpu_cache_t *pcpu_of(struct buddy __arena *b, __u32 cpu)
{
	if (cpu >= LIBARENA_MAX_CPUS)
		return NULL;
	return arena_ptr(b->pcpu[cpu]);
}

/* Top of a class stack, or 0. */
static __always_inline __u64 pcpu_pop(pcpu_cache_t *pc, __u32 order)
{
	struct pcpu_class __arena *c = &pc->cls[order];	/* order <= PCPU_MAX_ORDER */
	__u64 hdr, addr;
	__u32 n;
	int i;

	for (i = 0; i < PCPU_CAS_TRIES; i++) {
		hdr = READ_ONCE(c->hdr);
		n = (__u32)hdr;
		if (!n || n > PCPU_SLOTS)
			return 0;
		addr = c->slots[n - 1];
		/* count - 1, generation + 1 */
		if (pcpu_commit(c, hdr, hdr + (1ull << 32) - 1))
			return addr;
		pc->stats.cas_retries++;
	}
	return 0;
}

/* Push unless the stack holds cap blocks already. */
static __always_inline bool pcpu_push(pcpu_cache_t *pc, __u32 order, __u64 addr,
				      __u32 cap)
{
	struct pcpu_class __arena *c = &pc->cls[order];	/* order <= PCPU_MAX_ORDER */
	__u64 hdr;
	__u32 n;
	int i;

	for (i = 0; i < PCPU_CAS_TRIES; i++) {
		hdr = READ_ONCE(c->hdr);
		n = (__u32)hdr;
		if (n >= cap || n >= PCPU_SLOTS)
			return false;
		c->slots[n] = addr;
		/* count + 1, generation + 1 */
		if (pcpu_commit(c, hdr, hdr + (1ull << 32) + 1))
			return true;
		pc->stats.cas_retries++;
	}
	return false;
}

static __always_inline __u64 __arena *pcpu_tag(__u64 addr)
{
	return arena_ptr(addr + PCPU_TAG_OFF);
}

/*
 * May the fast path read this chunk's header?  In BPF any arena address
 * reads safely (an unpopulated page reads as zero, so the owner check
 * fails); on the host an unpopulated page faults, so ask the space map.
 */
static __always_inline bool fast_path_readable(__u64 chunk)
{
#ifdef __BPF__
	return true;
#else
	return space_is_populated(chunk);
#endif
}

/* The slow paths the inline fast paths fall back to (LIBARENA_SLEEPABLE:
 * the ones that may grow and shrink the instance). */
#ifdef LIBARENA_SLEEPABLE
#define __buddy_alloc_slow	__buddy_alloc_sleepable
#define __buddy_free_slow	__buddy_free_sleepable
#else
#define __buddy_alloc_slow	__buddy_alloc
#define __buddy_free_slow	__buddy_free
#endif

static __always_inline __u64 buddy_alloc_fast(struct buddy __arena *b, __u64 size)
{
	pcpu_cache_t *pc;
	__u64 addr;

	if (size - 1 < PCPU_MAX_SIZE) {		/* 1 .. 4 KiB */
		pc = pcpu_of(b, libarena_cpu());
		if (pc) {
			addr = pcpu_pop(pc, size_to_order(size));
			if (addr) {
				*pcpu_tag(addr) = 0;
				pc->stats.alloc_hits++;
				pc->stats.bytes_requested += size;
				return addr;
			}
		}
	}
	return __buddy_alloc_slow(b, size);
}

static __always_inline int buddy_free_fast(struct buddy __arena *b, __u64 addr)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());
	__u64 chunk = chunk_of(addr), tag = addr ^ b->cache_key;
	__u32 item = item_of(addr), order;

	/* The checks of the slow path that a cache push must not skip. */
	if (!pc || (addr & (BUDDY_MIN_SIZE - 1)) || !fast_path_readable(chunk) ||
	    !block_is_live(b, addr))
		return __buddy_free_slow(b, addr);
	order = item_order(chunk, item);
	if (order > PCPU_MAX_ORDER || *pcpu_tag(addr) == tag)
		return __buddy_free_slow(b, addr);	/* large, or already cached */
	*pcpu_tag(addr) = tag;
	if (pcpu_push(pc, order, addr, b->class_cap[order])) {
		pc->stats.free_hits++;
		return 0;
	}
	*pcpu_tag(addr) = 0;
	return __buddy_free_slow(b, addr);
}

#endif /* __LIBARENA_CACHE_H */
