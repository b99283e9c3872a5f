// SPDX-License-Identifier: BSD-2-Clause
/*
 * An instance's lifecycle: init, destroy, reset, and the default instance
 * `libarena_heap` of the malloc-style API, set up on first use.  These populate or
 * release pages (sleepable callers before Linux 7.0).
 *
 * Laying out an instance (lifecycle_setup()) and filling its reserve
 * (buddy_refill()) are sibling calls from each entry point, never one
 * under the other, so that no chain here is deeper than the refill's:
 * entry point -> buddy_refill -> core_add_chunk -> instance_lock_slow.
 */
#include "instance.h"
#include <libarena/malloc.h>

struct buddy __arena libarena_heap;

/* Take a registry slot (for tools) once per instance. */
static __always_inline int buddy_register(buddy_t *b)
{
	__u32 slot;

	if (b->magic == BUDDY_MAGIC && b->slot)
		return 0;
	slot = __sync_fetch_and_add(&libarena_space.next_slot, 1);
	if (slot >= LIBARENA_MAX_INSTANCES)
		return -ENOSPC;
	b->slot = slot + 1;
	*arena_elem(libarena_space.instances, slot) = arena_addr(b);
	return 0;
}

/* Lay out an instance, ready and empty: 0 or -errno.  The caller fills
 * the reserve. */
static __noinline int lifecycle_setup(buddy_t *b, __u64 flags)
{
	int err;

	err = space_init() ?: buddy_register(b);
	if (err)
		return err;
	b->flags = flags;
	/* Volatile: clang 19 merges adjacent zero stores into one that loses
	 * the arena address space. */
	WRITE_ONCE(b->chunks, 0);
	WRITE_ONCE(b->nr_empty, 0);
	WRITE_ONCE(b->lock, 0);
	WRITE_ONCE(b->refill_wanted, 0);
	WRITE_ONCE(b->shrink_wanted, 0);
	WRITE_ONCE(b->notify_pending, 0);
	WRITE_ONCE(b->reserve_fixed, 0);
	WRITE_ONCE(b->deferred, 0);
	arena_zero(b->hint, sizeof(b->hint));
	slab_reset(b);
	b->reserve_low = BUDDY_DEFAULT_RESERVE_LOW;
	b->reserve_high = BUDDY_DEFAULT_RESERVE_HIGH;
	arena_zero(&b->stats, sizeof(b->stats));
	arena_zero(&b->check, sizeof(b->check));
	b->stats.version = BUDDY_STATS_VERSION;
	err = cache_init(b);
	if (err)
		return err;
	b->magic = BUDDY_MAGIC;
	WRITE_ONCE(b->state, BUDDY_READY);
	return 0;
}

/* Start with the reserve full: allocation can then run in any context. */
static __always_inline int lifecycle_fill(buddy_t *b)
{
	int err = buddy_refill(b);

	return err < 0 ? err : 0;
}

__noinline int buddy_init_flags(buddy_t *b __arg_arena, __u64 flags)
{
	if (flags & ~BUDDY_KNOWN_FLAGS)
		return -EINVAL;
	if (buddy_ready(b))
		return -EBUSY;
	return lifecycle_setup(b, flags) ?: lifecycle_fill(b);
}

/* Destroying an instance that is not initialised is a no-op. */
__noinline int buddy_destroy(buddy_t *b __arg_arena)
{
	__u64 chunk, next;
	__u32 n;

	if (!buddy_ready(b))
		return 0;
#ifdef LIBARENA_DEBUG
	dbg_forget(b);	/* before its chunks go: the owner test reads them */
#endif
	chunk = core_unlink_all(b);
	if (READ_ONCE(b->state) != BUDDY_DEAD)
		return -EBUSY;	/* the lock could not be taken */
	for (n = opaque(0); chunk && n < SPACE_MAX_SLICES && can_loop; n++) {
		next = chunk_hdr(chunk)->next;
		space_chunk_put(chunk);
		b->stats.chunks_returned++;
		chunk = next;
	}
	b->stats.chunks = 0;
	b->stats.bytes_in_use = 0;
	b->stats.cache_meta_bytes = 0;
	b->nr_empty = 0;
	/* The caches' and the deferred list's blocks went with their chunks. */
	WRITE_ONCE(b->deferred, 0);
	n = cache_init(b);
	return chunk ? -EUCLEAN : n;
}

__noinline int buddy_reset(buddy_t *b __arg_arena)
{
	__u64 flags = b->flags;
	int err;

	err = buddy_destroy(b);
	if (err)
		return err;
	return lifecycle_setup(b, flags) ?: lifecycle_fill(b);
}

/*
 * Lay out the default instance once, whichever CPU gets here first: 0
 * when it is ready (set up here or by another CPU), else -errno.  Its
 * reserve is the caller's to fill.
 */
__noinline int lifecycle_default_setup(void)
{
	buddy_t *b = &libarena_heap;
	__u64 state = READ_ONCE(b->state);
	int err;

	if (state == BUDDY_READY)
		return 0;
	if (state != BUDDY_BUSY && cmpxchg(&b->state, state, BUDDY_BUSY) == state) {
		err = lifecycle_setup(b, 0);
		if (err)
			WRITE_ONCE(b->state, BUDDY_UNINIT);
		return err;
	}
	while (can_loop)
		if (READ_ONCE(b->state) == BUDDY_READY)
			return 0;
	return -EBUSY;
}

/* Sleepable (it fills the reserve); any-context callers only check
 * buddy_ready(). */
__noinline int buddy_default_ready(void)
{
	if (buddy_ready(&libarena_heap))
		return 0;
	return lifecycle_default_setup() ?: lifecycle_fill(&libarena_heap);
}
