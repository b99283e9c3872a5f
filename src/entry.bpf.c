// SPDX-License-Identifier: BSD-2-Clause
/*
 * The entry points programs call: alloc, free and usable size for any
 * program type (they reach the per-CPU caches and the buddy core, never a
 * page kfunc, and wake user space when the reserve needs serving), and
 * their *_grow twins that also grow and shrink the instance inline (for
 * callers that may populate pages: see libarena_grows_inline()).  The
 * lifecycle is in lifecycle.bpf.c.
 *
 *   entry.bpf.c  ->  cache.bpf.c  ->  buddy.bpf.c (core)
 *                ->  reserve.bpf.c (populates) -> buddy.bpf.c, space.bpf.c
 *                ->  lifecycle.bpf.c (the default instance's first use)
 */
#include "instance.h"
#include <libarena/malloc.h>

static __always_inline __u64 buddy_fail_alloc(buddy_t *b)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());

	atomic_add(&b->stats.failed_allocs, 1);
	if (pc)
		pc->stats.null_returns++;
	return 0;
}

/*
 * Will this CPU's cache take a block of this class?  Creates the cache on
 * first use and serves a trim request another CPU posted; both calls are
 * made from here so that no call chain gets deeper for them.
 */
static __always_inline bool cache_serves(buddy_t *b, __u32 cls)
{
	pcpu_cache_t *pc;

	if (!cache_on(b) || cls >= PCPU_NR_CLASSES || !*arena_elem(b->class_cap, cls) ||
	    libarena_cpu() >= LIBARENA_MAX_CPUS)
		return false;
	pc = pcpu_of(b, libarena_cpu()) ?: arena_ptr(pcpu_create(b));
	if (!pc)
		return false;
	if (READ_ONCE(pc->trim_wanted))
		pcpu_trim(b);
	return true;
}

static __always_inline bool size_valid(buddy_t *b, __u64 size)
{
	if (size && size <= BUDDY_MAX_SIZE)
		return true;
	atomic_add(&b->stats.bad_sizes, 1);
	return false;
}

/* An allocation of a valid size from what is populated, counted; 0 when
 * there is none (a failure the caller counts: it may retry). */
static __always_inline __u64 alloc_counted(buddy_t *b, __u64 size)
{
	__u32 cls = alloc_class(size);

	/* Dry, and too few free bytes in all: fail at once rather than queue
	 * on the lock that the refill, already asked for, needs. */
	if (READ_ONCE(b->refill_wanted) == REFILL_DRY &&
	    buddy_stats_free_bytes(&b->stats) < size)
		return 0;
	if (!cache_serves(b, cls))
		return core_alloc_block(b, size, cls);	/* counts under its lock */
	return cache_alloc_slow(b, cls, size);		/* counts per CPU */
}

/* Callers that cannot populate pages: whoever can is woken instead. */
__noinline __u64 buddy_alloc_addr(buddy_t *b __arg_arena, __u64 size)
{
	__u64 addr;

	if (!buddy_ready(b)) {
		if (b == &libarena_heap)	/* initialised on request */
			reserve_notify(b);
		return 0;
	}
	if (!size_valid(b, size))
		return buddy_fail_alloc(b);
	addr = alloc_counted(b, size);
	if (READ_ONCE(b->refill_wanted))
		reserve_notify(b);
	return addr ?: buddy_fail_alloc(b);
}

/* Serve what the reserve asked for; retry a failed allocation after (it
 * may also have failed on a lock timeout, which asks for nothing).  A
 * refill that timed out on the lock is retried too: another CPU holds it,
 * and may be adding the chunk this allocation needs. */
static __always_inline __u64 refill_and_retry(buddy_t *b, __u64 size, __u64 addr)
{
	int err;

	if (addr && !READ_ONCE(b->refill_wanted))
		return addr;
	err = buddy_refill(b);
	if (addr || (err < 0 && err != -ETIMEDOUT))
		return addr;
	return alloc_counted(b, size);
}

/*
 * Callers that may populate pages: serve the reserve's requests inline;
 * when it ran dry, refill and retry.  Three times, straight-line (a loop's state would not
 * fit the stack budget): another CPU can take what one refill added before
 * our retry gets to it.
 */
__noinline __u64 buddy_alloc_addr_grow(buddy_t *b __arg_arena, __u64 size)
{
	__u64 addr;

	if (!buddy_ready(b)) {
		if (b != &libarena_heap || lifecycle_default_setup())
			return 0;
		/* First use: fill the empty reserve.  Not buddy_default_ready(),
		 * which does both: one call frame less under this entry point. */
		buddy_refill(b);
	}
	if (!size_valid(b, size))
		return buddy_fail_alloc(b);
	addr = alloc_counted(b, size);
	if (addr && !READ_ONCE(b->refill_wanted))
		return addr;	/* the common case, tested once */
	addr = refill_and_retry(b, size, addr);
	addr = refill_and_retry(b, size, addr);
	addr = refill_and_retry(b, size, addr);
	if (addr)
		return addr;
	/* Populating is best-effort outside sleepable code: if it failed,
	 * the refill thread, where there is one, tries too. */
	if (READ_ONCE(b->refill_wanted))
		reserve_notify(b);
	return buddy_fail_alloc(b);
}

/*
 * A free the lock refused (-EDEADLK: nested in its holder on this CPU;
 * -ETIMEDOUT): queued for the next lock holder when it is a live block of
 * the caller's, counted now.  Out of line: its checks and the class
 * lookup would otherwise take stack slots in every free entry point's
 * frame.
 */
static __noinline int free_deferred(buddy_t *b, __u64 addr, int err)
{
	__u32 cls = user_block_class(b, addr);

	if (cls == CLASS_IN_CUSTODY)
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	if (cls >= NR_CLASSES || !defer_free(b, addr))
		return buddy_reject(b, BUDDY_REJECT_LOCK, err);
	count_free(b, cls, false);
	return 0;
}

/*
 * A free onto this CPU's cache: 0 when taken (counted per CPU), -EALREADY
 * for a block in the library's custody (a double free), 1 when the buddy
 * is to take it (and validate it under its lock).
 */
static __always_inline int free_to_cache(buddy_t *b, __u64 addr)
{
	__u32 cls = user_block_class(b, addr);

	if (cls == CLASS_IN_CUSTODY)
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	if (cache_serves(b, cls) && !cache_free_slow(b, addr, cls))
		return 0;
	return 1;
}

/*
 * A free the inline fast path did not take.  What can be checked before
 * reading the chunk is checked here; the buddy validates the block under
 * its lock, once (free_locked()).
 */
static __always_inline int free_addr(buddy_t *b, __u64 addr)
{
	int err;

	if (!addr)
		return 0;
	if (!buddy_ready(b))
		return -EINVAL;
	if (!space_is_populated(chunk_of(addr)))
		return buddy_reject(b, BUDDY_REJECT_OUTSIDE, -EFAULT);
	if (addr & (GRANULE_SIZE - 1))
		return buddy_reject(b, BUDDY_REJECT_MISALIGNED, -EINVAL);
	if (cache_on(b)) {
		err = free_to_cache(b, addr);
		if (err <= 0)
			return err;
	}
	err = core_free_block(b, addr);	/* counts under its lock */
	if (err != -EDEADLK && err != -ETIMEDOUT)
		return err;
	return free_deferred(b, addr, err);	/* never spin or fail a valid free */
}

__noinline int buddy_free_addr(buddy_t *b __arg_arena, __u64 addr)
{
	int err = free_addr(b, addr);

	if (READ_ONCE(b->shrink_wanted))
		reserve_notify(b);
	return err;
}

/* Callers that may release pages: return surplus empty chunks at once. */
__noinline int buddy_free_addr_grow(buddy_t *b __arg_arena, __u64 addr)
{
	int err = free_addr(b, addr);

	if (!err && READ_ONCE(b->shrink_wanted))
		buddy_refill(b);
	return err;
}

__noinline __u64 buddy_usable_size_addr(buddy_t *b __arg_arena, __u64 addr)
{
	if (!addr || !buddy_ready(b) || !space_is_populated(chunk_of(addr)) ||
	    (addr & (GRANULE_SIZE - 1)))
		return 0;
	if (user_block_class(b, addr) >= NR_CLASSES)
		return 0;	/* not a live block of the caller's */
	return block_size(addr);
}
