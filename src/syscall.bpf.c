// SPDX-License-Identifier: BSD-2-Clause
/*
 * SEC("syscall") programs that let user space drive the library with
 * bpf_prog_test_run_opts(): the return value is the result.  They are
 * sleepable, so they are where user space grows and shrinks instances
 * (libarena__refill() runs arena_buddy_refill).
 *
 * The library defines no license section: the linker rejects objects whose
 * licenses differ, so the application's object provides it (it must be
 * GPL-compatible, as the arena kfuncs are GPL-only).
 */
#include "instance.h"
#include <libarena/malloc.h>

SEC("syscall")
int arena_buddy_init(void *ctx)
{
	return buddy_default_ready();
}

SEC("syscall")
int arena_buddy_reset(void *ctx)
{
	int err = buddy_default_ready();

	return err ?: buddy_reset(&libarena_heap);
}

SEC("syscall")
int arena_buddy_check(void *ctx)
{
	return buddy_check(&libarena_heap);
}

/* Grow the default instance's reserve by args->nr_pages pages now (the
 * name upstream libarena's drivers run before their tests).  Chunks
 * added, or -errno. */
SEC("syscall")
int arena_alloc_reserve(struct arena_alloc_reserve_args *args)
{
	int err = buddy_default_ready();

	if (err)
		return err;
	return buddy_reserve(&libarena_heap, buddy_stats_free_bytes(&libarena_heap.stats) +
			     ((__u64)args->nr_pages << ARENA_PAGE_SHIFT));
}

/* Set the default instance's watermarks and apply them now: 0 or -errno. */
SEC("syscall")
int arena_set_reserve(struct arena_set_reserve_args *args)
{
	int err = buddy_default_ready();

	err = err ?: buddy_set_reserve(&libarena_heap, args->low, args->high);
	if (err)
		return err;
	err = buddy_refill(&libarena_heap);
	return err < 0 ? err : 0;
}

SEC("syscall")
int arena_buddy_destroy(void *ctx)
{
	return buddy_destroy(&libarena_heap);
}

/*
 * Give the calling CPU's cached blocks of every registered instance back
 * (libarena__trim() runs it on each CPU in turn): how many, or the first
 * -errno.
 */
SEC("syscall")
int arena_buddy_trim(void *ctx)
{
	struct arena_space __arena *s = &libarena_space;
	int trimmed = 0, n;
	buddy_t *b;
	__u32 i;

	for (i = opaque(0); i < LIBARENA_MAX_INSTANCES && can_loop; i++) {
		b = arena_ptr(*arena_elem(s->instances, i));
		if (!b)
			break;
		if (b->flags & BUDDY_NO_PCPU_CACHE)
			continue;
		n = buddy_trim(b);
		if (n < 0 && n != -EINVAL)	/* -EINVAL: destroyed */
			return n;
		trimmed += n > 0 ? n : 0;
	}
	return trimmed;
}

/*
 * Initialise the default instance if needed, arm every instance's refill
 * work item (LIBARENA_ASYNC_REFILL), then service every registered
 * instance that asked for a refill or a shrink (what the user-space
 * refill thread runs each time the library wakes it).  Returns the number of
 * chunks moved, or the first -errno.
 */
SEC("syscall")
int arena_buddy_refill(void *ctx)
{
	struct arena_space __arena *s = &libarena_space;
	__u64 before = READ_ONCE(libarena_heap.stats.chunks);	/* 0 until initialised */
	int err = buddy_default_ready(), moved, n;
	buddy_t *b;
	__u32 i;

	if (err)
		return err;
	moved = READ_ONCE(libarena_heap.stats.chunks) - before;	/* the first fill */
	for (i = opaque(0); i < LIBARENA_MAX_INSTANCES && can_loop; i++) {
		b = arena_ptr(*arena_elem(s->instances, i));
		if (!b)
			break;
		buddy_arm_refill(b);	/* fails only for destroyed ones */
		WRITE_ONCE(b->notify_pending, 0);	/* woken: wake again */
		if (!READ_ONCE(b->refill_wanted) && !READ_ONCE(b->shrink_wanted))
			continue;
		n = buddy_refill(b);
		if (n < 0 && n != -EINVAL)	/* -EINVAL: destroyed since */
			return n;
		moved += n > 0 ? n : 0;
	}
	return moved;
}
