/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * malloc-style API over the default instance, the arena global `buddy`,
 * which is initialised on first use.  Define LIBARENA_NO_MALLOC_ALIASES
 * before including to keep the names malloc/free/calloc/realloc free.
 */
#ifndef __LIBARENA_MALLOC_H
#define __LIBARENA_MALLOC_H

#include "buddy.h"

extern struct buddy __arena buddy;

/* Initialise the default instance if needed: 0 or -errno. */
int buddy_default_ready(void);

#ifdef LIBARENA_DEBUG
static __always_inline __u64 __arena_malloc(__u64 size)
{
	return __dbg_alloc(&buddy, size);
}

static __always_inline int __arena_free(__u64 addr)
{
	return __dbg_free(&buddy, addr);
}
#else
static __always_inline __u64 __arena_malloc(__u64 size)
{
	return buddy_alloc_fast(&buddy, size);
}

static __always_inline int __arena_free(__u64 addr)
{
	return buddy_free_fast(&buddy, addr);
}
#endif

__u64 __arena_calloc(__u64 n, __u64 size);	/* NULL if n * size overflows */
__u64 __arena_realloc(__u64 addr, __u64 size);
__u64 __arena_aligned_alloc(__u64 align, __u64 size);	/* align: 2^k <= 512 KiB */
__u64 __arena_usable_size(__u64 addr);

#define arena_malloc(size)	((void __arena *)__arena_malloc(size))
#define arena_free(p)		((void)__arena_free(arena_addr(p)))
#define arena_calloc(n, size)	((void __arena *)__arena_calloc((n), (size)))
#define arena_realloc(p, size)	((void __arena *)__arena_realloc(arena_addr(p), (size)))
#define arena_aligned_alloc(align, size) \
	((void __arena *)__arena_aligned_alloc((align), (size)))
#define arena_usable_size(p)	__arena_usable_size(arena_addr(p))
#define arena_trim()		buddy_trim(&buddy)

#if defined(__BPF__) && !defined(LIBARENA_NO_MALLOC_ALIASES)
#define malloc(size)		arena_malloc(size)
#define free(p)			arena_free(p)
#define calloc(n, size)		arena_calloc((n), (size))
#define realloc(p, size)	arena_realloc((p), (size))
#endif

#endif /* __LIBARENA_MALLOC_H */
