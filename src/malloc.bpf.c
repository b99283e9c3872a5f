// SPDX-License-Identifier: BSD-2-Clause
/*
 * malloc-style API over the default instance `buddy`, created on first use.
 */
#include "instance.h"
#include <libarena/malloc.h>

struct buddy __arena buddy;

/* Initialise the default instance once, whichever CPU gets here first. */
int buddy_default_ready(void)
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

__u64 __arena_usable_size(__u64 addr)
{
#ifdef LIBARENA_DEBUG
	return __dbg_usable_size(&buddy, addr);
#else
	return __buddy_usable_size(&buddy, addr);
#endif
}

__u64 __arena_calloc(__u64 n, __u64 size)
{
	__u64 bytes, addr;

	if (buddy_default_ready())
		return 0;
	/* Both factors <= 512 KiB cannot overflow; anything larger fails. */
	if (n > BUDDY_MAX_SIZE || size > BUDDY_MAX_SIZE) {
		atomic_add(&buddy.stats.bad_sizes, 1);
		atomic_add(&buddy.stats.failed_allocs, 1);
		return 0;
	}
	bytes = n * size;
	addr = __arena_malloc(bytes);
	if (addr && !arena_zero(arena_ptr(addr), (bytes + 7) & ~7ull)) {
		__arena_free(addr);
		return 0;
	}
	return addr;
}

/* Copy whole words; blocks are multiples of 16 bytes. */
static __always_inline bool arena_copy(__u64 dst, __u64 src, __u64 bytes)
{
	volatile __u64 __arena *d = arena_ptr(dst);
	__u64 __arena *s = arena_ptr(src);
	__u64 i;

	for (i = opaque(0); i < bytes / 8 && can_loop; i++)
		d[i] = s[i];
	return i == bytes / 8;
}

__u64 __arena_realloc(__u64 addr, __u64 size)
{
	__u64 old, new;

	if (!addr)
		return __arena_malloc(size);
	if (!size) {
		__arena_free(addr);
		return 0;
	}
	old = __arena_usable_size(addr);
	if (!old || size > BUDDY_MAX_SIZE) {
		atomic_add(&buddy.stats.failed_allocs, 1);
		return 0;	/* not ours, or too big: the old block is untouched */
	}
	if (size <= old && size > old / 2)
		return addr;	/* same order: keep it */
	new = __arena_malloc(size);
	if (!new)
		return 0;
	if (!arena_copy(new, addr, size < old ? (size + 7) & ~7ull : old)) {
		__arena_free(new);
		return 0;
	}
	__arena_free(addr);
	return new;
}

/* Blocks are aligned to their size, so alignment is a matter of size. */
__u64 __arena_aligned_alloc(__u64 align, __u64 size)
{
	if (!align || (align & (align - 1)) || align > BUDDY_MAX_SIZE)
		return 0;
#ifdef LIBARENA_DEBUG
	/* The debug header would break the alignment: a plain block. */
	if (align > BUDDY_MIN_SIZE) {
		if (buddy_default_ready())
			return 0;
		return __buddy_alloc(&buddy, size < align && size ? align : size);
	}
#endif
	return __arena_malloc(size < align && size ? align : size);
}
