// SPDX-License-Identifier: BSD-2-Clause
/*
 * The reserve: populated, free memory that alloc and free serve from in
 * any context.  Everything here populates or releases arena pages, kfuncs
 * that sleep before Linux 7.0, so there it runs only in sleepable code:
 * explicit calls, the library's SEC("syscall") programs that user space
 * runs (libarena__refill() and the refill thread), the bpf_wq callback
 * (wq.bpf.c), and the *_grow entry points; from 7.0 the *_grow entry
 * points run it from any program.
 *
 * Alloc raises refill_wanted when the free bytes fall under the low
 * watermark (REFILL_LOW) or a request found no block (REFILL_DRY: grow
 * even if the free bytes look sufficient, they are too fragmented); free
 * raises shrink_wanted when the empty chunks hold more than the high
 * watermark (and one can go with the low one still met).  buddy_refill()
 * services both.
 */
#include "instance.h"
#include <libarena/malloc.h>

/* Populate one chunk (no lock held) and hand it to the core. */
static __always_inline int reserve_grow_one(buddy_t *b)
{
	__u64 chunk = space_chunk_get();
	int err;

	if (!chunk)
		return -ENOMEM;
	err = core_add_chunk(b, chunk);
	if (err)
		space_chunk_put(chunk);
	return err;
}

/* Grow until `bytes` are free, by at least one chunk if `one`; chunks
 * added, or -errno if none could be. */
static __always_inline int reserve_fill(buddy_t *b, __u64 bytes, bool one)
{
	__u32 n;
	int err = 0;

	for (n = opaque(0); n < SPACE_MAX_SLICES && can_loop; n++) {
		if (!one && buddy_stats_free_bytes(&b->stats) >= bytes)
			break;
		err = reserve_grow_one(b);
		if (err)
			break;
		one = false;
	}
	return n ? n : err;
}

/* Give back empty chunks while they hold more than the high mark; how
 * many (a service that returned any counts as a shrink). */
static __always_inline int reserve_shrink(buddy_t *b)
{
	__u64 chunk;
	__u32 n;

	for (n = opaque(0); n < SPACE_MAX_SLICES && can_loop; n++) {
		chunk = core_unlink_surplus(b);
		if (!chunk)
			break;
		space_chunk_put(chunk);
	}
	if (n)
		atomic_add(&b->stats.shrinks, 1);
	return n;
}

__noinline int buddy_refill(buddy_t *b __arg_arena)
{
	__u32 why;
	int grown, shrunk = 0;

	if (!buddy_ready(b))
		return -EINVAL;
	why = __sync_lock_test_and_set(&b->refill_wanted, 0);
	WRITE_ONCE(b->notify_pending, 0);	/* a new request wakes again */
	/* Served late (an asynchronous refill): the reserve nearly ran out
	 * on the way, so it is too small for this workload. */
	if (why && buddy_stats_free_bytes(&b->stats) < b->reserve_low / 4)
		reserve_raise(b, 1);
	/* A request that found no block is stale once a chunk is empty: an
	 * empty chunk serves any size. */
	grown = reserve_fill(b, b->reserve_low, why == REFILL_DRY && !READ_ONCE(b->nr_empty));
	if (grown < 0) {
		reserve_want_refill(b, why);	/* still wanted */
		return grown;
	}
	if (grown)
		atomic_add(&b->stats.refills, 1);
	else if (READ_ONCE(b->shrink_wanted))
		shrunk = reserve_shrink(b);
	return grown + shrunk;
}

__noinline int buddy_reserve(buddy_t *b __arg_arena, __u64 bytes)
{
	int grown;

	if (!buddy_ready(b))
		return -EINVAL;
	grown = reserve_fill(b, bytes, false);
	if (grown > 0)
		atomic_add(&b->stats.refills, 1);
	return grown;
}

__noinline int buddy_shrink(buddy_t *b __arg_arena)
{
	int trimmed = buddy_trim(b);

	if (trimmed < 0)
		return trimmed;
	/* Stays asked for if the lock cannot be had now. */
	WRITE_ONCE(b->shrink_wanted, 1);
	return reserve_shrink(b);
}

/*
 * Wake user space for a request a program could not serve itself (it may
 * not populate pages): once, until a refill runs.  Also for the default
 * instance before it is initialised, whose fields are all zero then.  Out
 * of line: the ring buffer record lives on this frame, not the caller's.
 */
__noinline int reserve_notify(buddy_t *b __arg_arena)
{
	if (READ_ONCE(b->notify_pending) || cmpxchg(&b->notify_pending, 0, 1))
		return 0;
	platform_notify(arena_addr(b));
	atomic_add(&b->stats.refill_notifies, 1);
	return 1;
}

/* Any context: only sets the marks; the next refill applies them. */
__noinline int buddy_set_reserve(buddy_t *b __arg_arena, __u64 low, __u64 high)
{
	__u64 window = (__u64)SPACE_MAX_SLICES * CHUNK_SIZE;

	if (!buddy_ready(b))
		return -EINVAL;
	if (low > high || high > window)
		return -ERANGE;
	WRITE_ONCE(b->reserve_low, low);
	WRITE_ONCE(b->reserve_high, high);
	WRITE_ONCE(b->reserve_fixed, 1);
	if (buddy_stats_free_bytes(&b->stats) < low)
		reserve_want_refill(b, REFILL_LOW);
	if (reserve_surplus(b))
		WRITE_ONCE(b->shrink_wanted, 1);
	return 0;
}
