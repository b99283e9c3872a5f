// SPDX-License-Identifier: BSD-2-Clause
/*
 * The out-of-line parts of the malloc-style API over the default instance
 * (lifecycle.bpf.c).
 */
#include "instance.h"
#include <libarena/malloc.h>

__u64 arena_usable_size_addr(__u64 addr)
{
#ifdef LIBARENA_DEBUG
	return __dbg_usable_size(&libarena_heap, addr);
#else
	return buddy_usable_size_addr(&libarena_heap, addr);
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
