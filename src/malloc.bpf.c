// SPDX-License-Identifier: BSD-2-Clause
/*
 * malloc-style API over the default instance `buddy`, created on first use.
 */
#include "instance.h"
#include <libarena/malloc.h>

struct buddy __arena buddy;

/* Initialise the default instance once, whichever CPU gets here first.
 * Sleepable (init fills the reserve); any-context callers only check
 * buddy_ready(). */
__noinline int buddy_default_ready(void)
{
	buddy_t *b = &buddy;
	__u64 state = READ_ONCE(b->state);
	int err;

	if (state == BUDDY_READY)
		return 0;
	if (state != BUDDY_BUSY && cmpxchg(&b->state, state, BUDDY_BUSY) == state) {
		err = buddy_init_flags(b, 0);
		if (err)
			WRITE_ONCE(b->state, BUDDY_UNINIT);
		return err;
	}
	while (can_loop)
		if (READ_ONCE(b->state) == BUDDY_READY)
			return 0;
	return -EBUSY;
}

__u64 arena_usable_size_addr(__u64 addr)
{
#ifdef LIBARENA_DEBUG
	return __dbg_usable_size(&buddy, addr);
#else
	return buddy_usable_size_addr(&buddy, addr);
#endif
}

int arena_memzero(__u64 addr, __u64 bytes)
{
	return arena_zero(arena_ptr(addr), (bytes + 7) & ~7ull) ? 0 : -E2BIG;
}

/* Whole words (blocks are multiples of 16 bytes); volatile: see arena_zero. */
int arena_memcopy(__u64 dst, __u64 src, __u64 bytes)
{
	volatile __u64 __arena *d = arena_ptr(dst);
	__u64 __arena *s = arena_ptr(src);
	__u64 i, words = (bytes + 7) / 8;

	for (i = opaque(0); i < words && can_loop; i++)
		*arena_elem(d, i) = *arena_elem(s, i);
	return i == words ? 0 : -E2BIG;
}
