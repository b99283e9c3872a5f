/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers on an allocator instance shared by the library's sources. */
#ifndef __LIBARENA_INSTANCE_H
#define __LIBARENA_INSTANCE_H

#include <libarena/internal/chunk.h>
#include <libarena/internal/entry.h>
#include <libarena/internal/cache.h>	/* per-CPU counts of the lock */
#include "space.h"

static __always_inline bool buddy_ready(buddy_t *b)
{
	return b->magic == BUDDY_MAGIC && READ_ONCE(b->state) == BUDDY_READY;
}

static __always_inline bool cache_on(buddy_t *b)
{
	return !(b->flags & BUDDY_NO_PCPU_CACHE);
}

/* The lock just taken: the statistics' seqcount goes odd (updating), and
 * the acquisition is counted.  Per CPU plainly: while this CPU holds the
 * lock nothing else on it takes it (a nested program gets -EDEADLK). */
static __always_inline void lock_taken(buddy_t *b)
{
	pcpu_cache_t *pc;

	WRITE_ONCE(b->stats.seq, b->stats.seq + 1);
	b->stats.lock_acquisitions++;
	pc = cache_on(b) ? pcpu_of(b, libarena_cpu()) : NULL;
	if (pc)
		pc->stats.lock_acquisitions++;
}

/*
 * Is an empty chunk surplus?  The high watermark bounds the bytes kept in
 * entirely empty chunks (those serve any size, so counting fragmented free
 * space instead would give back the chunks the next large request needs),
 * and giving one back must leave the low watermark met.
 */
static __always_inline bool reserve_surplus(buddy_t *b)
{
	return (__u64)b->nr_empty * CHUNK_CAPACITY > b->reserve_high &&
	       buddy_stats_free_bytes(&b->stats) >= b->reserve_low + CHUNK_CAPACITY;
}

/* Why a refill is wanted (b->refill_wanted keeps the most urgent). */
enum refill_reason {
	REFILL_LOW = 1,		/* free bytes under the low watermark */
	REFILL_DRY = 2,		/* an allocation found no block: grow a chunk */
};

/* The most the low watermark rises to by itself (buddy_set_reserve()
 * may set more). */
#define RESERVE_LOW_MAX		(32ull << 20)

/*
 * The reserve ran dry (shift 2), or nearly (shift 1), before a refill
 * came: it is too small for the workload.  Multiply the low watermark by
 * 1 << shift, bounded; the high one follows so that low <= high holds.
 * Watermarks the user set stay.
 */
static __always_inline void reserve_raise(buddy_t *b, __u32 shift)
{
	__u64 low = READ_ONCE(b->reserve_low), want;

	if (READ_ONCE(b->reserve_fixed))
		return;
	want = (low < CHUNK_CAPACITY ? CHUNK_CAPACITY : low) << shift;
	if (want > RESERVE_LOW_MAX)
		want = RESERVE_LOW_MAX;
	if (want <= low)
		return;
	WRITE_ONCE(b->reserve_low, want);
	if (READ_ONCE(b->reserve_high) < want)
		WRITE_ONCE(b->reserve_high, want);
	atomic_add(&b->stats.reserve_raises, 1);
}

/* Ask for more memory (counted once per request); a dry one raises the
 * watermark. */
static __always_inline void reserve_want_refill(buddy_t *b, __u32 why)
{
	__u32 old = READ_ONCE(b->refill_wanted);

	if (old >= why || cmpxchg(&b->refill_wanted, old, why) != old)
		return;
	if (!old)
		atomic_add(&b->stats.refill_requests, 1);
	if (why == REFILL_DRY)
		reserve_raise(b, 2);
}

static __always_inline int buddy_reject(buddy_t *b, enum buddy_reject why, int err)
{
	atomic_add(arena_elem(b->stats.rejected, why), 1);
	return err;
}

/* A user's free of class cls that the buddy took (locked), or queued for
 * the next lock holder (not): every such free is counted here. */
static __always_inline void count_free(buddy_t *b, __u32 cls, bool locked)
{
	stat_add(&b->stats.frees, 1, locked);
	if (cls < NR_CLASSES)
		class_count_free(arena_elem(b->stats.classes, cls), locked);
}

/* Lists of blocks (batches, deferred frees) link through byte 0. */
static __always_inline __u64 __arena *block_link(__u64 addr)
{
	return arena_ptr(addr);
}

/*
 * Queue a free until the lock can be taken (a program nested in the lock
 * holder on this CPU, or a timeout): the next holder frees it.  Any CPU
 * may push; the CAS can only lose to another push, which does not repeat
 * forever, so this retries while the loop budget lasts.
 */
static __always_inline bool defer_free(buddy_t *b, __u64 addr)
{
	__u64 head;

	custody_tag(b, addr);
	while (can_loop) {
		head = READ_ONCE(b->deferred);
		*block_link(addr) = head;
		if (cmpxchg(&b->deferred, head, addr) == head) {
			atomic_add(&b->stats.deferred_frees, 1);
			return true;
		}
	}
	*custody_word(addr) = 0;
	return false;
}

/* Take the whole deferred list at once (an exchange: no ABA). */
static __always_inline __u64 take_deferred(buddy_t *b)
{
	return READ_ONCE(b->deferred) ? __sync_lock_test_and_set(&b->deferred, 0) : 0;
}

/*
 * Zero word by word through a volatile pointer: clang may fold a struct
 * clear into a memset that drops the arena address space.  Returns false
 * if the loop budget ran out first.
 */
static __always_inline bool arena_zero(void __arena *p, __u64 bytes)
{
	volatile __u64 __arena *w = p;
	__u64 i;

	for (i = opaque(0); i < bytes / 8 && can_loop; i++)
		*arena_elem(w, i) = 0;
	return i == bytes / 8;
}

/* The buddy core (src/buddy.bpf.c): calls nothing above it, never sleeps.
 * core_carve/core_release expect the lock held. */
__u64 core_carve(buddy_t *b __arg_arena, __u32 order);
int core_release(buddy_t *b __arg_arena, __u64 addr);
__u64 core_take(buddy_t *b __arg_arena, __u32 order, __u32 n);
__u64 core_take_objects(buddy_t *b __arg_arena, __u32 cls, __u32 n);
__u64 core_alloc_block(buddy_t *b __arg_arena, __u64 size, __u32 cls);
int core_give(buddy_t *b __arg_arena, __u64 head);
int core_free_block(buddy_t *b __arg_arena, __u64 addr);
int core_add_chunk(buddy_t *b __arg_arena, __u64 chunk);
__u64 core_unlink_surplus(buddy_t *b __arg_arena);
__u64 core_unlink_all(buddy_t *b __arg_arena);
int core_release_spares(buddy_t *b __arg_arena);

/* Slabs (src/slab.bpf.c): lock held, leaves; the core carves and
 * releases the slab blocks. */
int slab_reset(buddy_t *b __arg_arena);
__u64 slab_get_object(buddy_t *b __arg_arena, __u32 cls);
int slab_init(buddy_t *b __arg_arena, __u64 slab, __u32 cls);
__u64 slab_put_object(buddy_t *b __arg_arena, __u64 slab, __u64 obj);
__u64 slab_take_spare(buddy_t *b __arg_arena, __u32 cls);
__s64 slab_free_object(buddy_t *b __arg_arena, __u64 slab, __u64 addr);

/* Wake user space for a request (src/reserve.bpf.c): any context. */
int reserve_notify(buddy_t *b __arg_arena);

/* The default instance's first use (src/lifecycle.bpf.c): 0 once it is
 * laid out, its reserve still empty. */
int lifecycle_default_setup(void);

/* The refill work items (src/wq.bpf.c): sleepable callers only. */
int buddy_arm_refill(buddy_t *b __arg_arena);

/* The per-CPU cache layer (src/cache.bpf.c), above the core.  The entry
 * points call each of these directly (not through one another), which
 * keeps every chain at most entry -> cache -> core -> lock/carve/release. */
__u64 cache_alloc_slow(buddy_t *b __arg_arena, __u32 cls, __u64 size);
int cache_free_slow(buddy_t *b __arg_arena, __u64 addr, __u32 cls);
int cache_init(buddy_t *b __arg_arena);
__u64 pcpu_create(buddy_t *b __arg_arena);
int pcpu_trim(buddy_t *b __arg_arena);

#endif /* __LIBARENA_INSTANCE_H */
