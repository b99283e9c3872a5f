/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * malloc-style API over the default instance, the arena global `libarena_heap`.
 * The standard names (malloc, free, calloc, realloc) are opt-in:
 * <libarena/override.h>.
 */
#ifndef __LIBARENA_MALLOC_H
#define __LIBARENA_MALLOC_H

#include "buddy.h"

extern struct buddy __arena libarena_heap;

/* Initialise the default instance if needed: 0 or -errno. */
int buddy_default_ready(void);

#ifdef LIBARENA_DEBUG
static __always_inline __u64 arena_malloc_addr(__u64 size)
{
	return __dbg_alloc_slow(&libarena_heap, size);
}

static __always_inline int arena_free_addr(__u64 addr)
{
	return __dbg_free(&libarena_heap, addr);
}
#else
static __always_inline __u64 arena_malloc_addr(__u64 size)
{
	return buddy_alloc_fast(&libarena_heap, size);
}

static __always_inline int arena_free_addr(__u64 addr)
{
	return buddy_free_fast(&libarena_heap, addr);
}
#endif

/* Out of line: the word loops, and usable size (debug-aware). */
__u64 arena_usable_size_addr(__u64 addr);
int arena_memzero(__u64 addr, __u64 bytes);	/* 0, or -E2BIG: loop budget */
int arena_memcopy(__u64 dst, __u64 src, __u64 bytes);

/*
 * calloc/realloc/aligned_alloc and the typed calls are inline compositions
 * of the calls above, so they inherit the caller's build (debug or not).
 */

/* A size no block can have: counted, NULL. */
static __always_inline __u64 arena_bad_size(void)
{
	__sync_fetch_and_add(&libarena_heap.stats.bad_sizes, 1);
	__sync_fetch_and_add(&libarena_heap.stats.failed_allocs, 1);
	return 0;
}

/* Buddy blocks are aligned to their size, so alignment is a matter of
 * size: a power of two at least align (slab objects of the classes in
 * between are only 16-byte aligned).  align is a power of two <= 512 KiB. */
static __always_inline __u64 arena_aligned_alloc_addr(__u64 align, __u64 size)
{
	__u64 bytes = size < align && size ? align : size;

	if (!align || (align & (align - 1)) || align > BUDDY_MAX_SIZE)
		return 0;
	if (align > GRANULE_SIZE && bytes <= BUDDY_MAX_SIZE)
		bytes = order_size(size_to_order(bytes));
#ifdef LIBARENA_DEBUG
	/* The debug header would break the alignment: a plain block. */
	if (align > GRANULE_SIZE)
		return __buddy_alloc_slow(&libarena_heap, bytes);
#endif
	return arena_malloc_addr(bytes);
}

/*
 * Zeroed, with at least align (a constant power of two).  The words are
 * cleared out of line, volatile, so the caller never zeroes fields itself:
 * clang may merge such stores into one whose address the verifier no
 * longer knows for an arena pointer ("invalid mem access 'scalar'").
 */
static __always_inline __u64 arena_zalloc_addr(__u64 bytes, __u64 align)
{
	__u64 addr = arena_aligned_alloc_addr(align, bytes);

	if (addr && arena_memzero(addr, bytes)) {
		arena_free_addr(addr);
		return 0;
	}
	return addr;
}

/* A head of head bytes and n elements of elem: n is checked before the
 * multiplication, so no n wraps the size round to a small block. */
static __always_inline __u64 arena_new_n_addr(__u64 head, __u64 elem, __u64 n,
					      __u64 align)
{
	if (head > BUDDY_MAX_SIZE || n > (BUDDY_MAX_SIZE - head) / elem)
		return arena_bad_size();
	return arena_zalloc_addr(head + n * elem, align);
}

static __always_inline __u64 arena_calloc_addr(__u64 n, __u64 size)
{
	/* Both factors <= 512 KiB cannot overflow; anything larger fails. */
	if (n > BUDDY_MAX_SIZE || size > BUDDY_MAX_SIZE)
		return arena_bad_size();
	return arena_zalloc_addr(n * size, GRANULE_SIZE);
}

/* A failed realloc leaves the old block as it was. */
static __always_inline __u64 arena_realloc_addr(__u64 addr, __u64 size)
{
	__u64 old, new;

	if (!addr)
		return arena_malloc_addr(size);
	if (!size) {
		arena_free_addr(addr);
		return 0;
	}
	old = arena_usable_size_addr(addr);
	if (!old || size > BUDDY_MAX_SIZE) {
		__sync_fetch_and_add(&libarena_heap.stats.failed_allocs, 1);
		return 0;	/* not ours, or too big */
	}
	if (size <= old && size > old / 2)
		return addr;	/* same order: keep it */
	new = arena_malloc_addr(size);
	if (!new)
		return 0;
	if (arena_memcopy(new, addr, size < old ? size : old)) {
		arena_free_addr(new);
		return 0;
	}
	arena_free_addr(addr);
	return new;
}

#define arena_malloc(size)	((void __arena *)arena_malloc_addr(size))
#define arena_free(p)		((void)arena_free_addr(arena_addr(p)))
#define arena_calloc(n, size)	((void __arena *)arena_calloc_addr((n), (size)))
#define arena_realloc(p, size)	((void __arena *)arena_realloc_addr(arena_addr(p), (size)))
#define arena_aligned_alloc(align, size) \
	((void __arena *)arena_aligned_alloc_addr((align), (size)))
#define arena_usable_size(p)	arena_usable_size_addr(arena_addr(p))

/*
 * Typed allocation, zeroed, sized and aligned for the type; NULL as
 * arena_malloc(), and for a count that would not fit 512 KiB.  Free with
 * arena_delete() (arena_free() is the same).
 */
#define arena_new(T)							\
	((T __arena *)arena_zalloc_addr(sizeof(T), __alignof__(T)))
#define arena_new_array(T, n)						\
	((T __arena *)arena_new_n_addr(0, sizeof(T), (n), __alignof__(T)))
/* T ending in the flexible array member field[], with n elements. */
#define arena_new_flex(T, field, n)					\
	((T __arena *)arena_new_n_addr(sizeof(T), sizeof(((T *)0)->field[0]), \
				       (n), __alignof__(T)))
#define arena_delete(p)		arena_free(p)
#define arena_trim()		buddy_trim(&libarena_heap)

#endif /* __LIBARENA_MALLOC_H */
