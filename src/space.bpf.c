// SPDX-License-Identifier: BSD-2-Clause
/*
 * The window of arena addresses that chunks come from.  Lock-free: a
 * compare-and-swap claims a returned slice or advances the bump index, so
 * populating a chunk (a sleeping kfunc) never happens under an allocator
 * lock.  A slice not populated stays reserved, so bpf_arena_alloc_pages()
 * calls elsewhere in the program cannot take it.
 */
#include "space.h"
#include <libarena/malloc.h>

struct arena_space __arena libarena_space;
volatile __u64 __arena libarena_opaque_zero;
/* Load-time switch, see libarena_grows_inline() (.rodata: user space may
 * set it before load). */
const volatile __u32 libarena_no_inline_growth = 0;
struct libarena_faults __arena libarena_faults;

/* Tell tools where the allocator is (struct libarena_info). */
static __always_inline void space_publish(struct arena_space __arena *s)
{
	platform_publish(arena_addr(s), arena_addr(&libarena_heap));
}

/*
 * Debug builds shadow every chunk (one byte per 8, ASan's encoding): its
 * shadow slice is populated with the chunk and starts as redzone, since
 * nothing in a new chunk is allocated.
 */
#ifdef LIBARENA_DEBUG
#define SHADOW_PAGES	(CHUNK_PAGES / 8)

static __always_inline int shadow_populate(struct arena_space __arena *s, __u64 idx)
{
	__u64 shadow = s->shadow_base + idx * (SHADOW_PAGES << ARENA_PAGE_SHIFT);
	volatile __u64 __arena *w = arena_ptr(shadow);
	__u32 i;

	if (platform_populate(shadow, SHADOW_PAGES))
		return -ENOMEM;
	for (i = opaque(0); i < (SHADOW_PAGES << ARENA_PAGE_SHIFT) / 8 && can_loop; i++)
		*arena_elem(w, i) = 0xfafafafafafafafaull;
	return 0;
}
#else
#define SHADOW_PAGES	0

static __always_inline int shadow_populate(struct arena_space __arena *s, __u64 idx)
{
	return 0;
}
#endif

static __always_inline int space_setup(struct arena_space __arena *s)
{
	__u64 start, end, base, n;
	int err;

	platform_window(&start, &end);
	base = (start + SPACE_GUARD + CHUNK_MASK) & ~CHUNK_MASK;
	if (end < base + SPACE_GUARD + CHUNK_SIZE)
		return -ENOSPC;
	n = (end - SPACE_GUARD - base) >> CHUNK_SHIFT;
#ifdef LIBARENA_DEBUG
	n = n * 8 / 9;		/* the rest is the shadow: 1/8 of the window */
#endif
	if (n > SPACE_MAX_SLICES)
		n = SPACE_MAX_SLICES;
	err = platform_reserve(base, n * (CHUNK_PAGES + SHADOW_PAGES));
	if (err)
		return err;
	s->base = base;
	s->nr_slices = n;
	s->shadow_base = SHADOW_PAGES ? base + (n << CHUNK_SHIFT) : 0;
	s->magic = SPACE_MAGIC;
	space_publish(s);
	return 0;
}

__noinline int space_init(void)
{
	struct arena_space __arena *s = &libarena_space;
	__u64 state;
	int err;

	state = cmpxchg(&s->state, SPACE_UNINIT, SPACE_BUSY);
	if (state == SPACE_UNINIT) {
		err = space_setup(s);
		WRITE_ONCE(s->state, err ? SPACE_UNINIT : SPACE_READY);
		return err;
	}
	/* Another CPU is setting up: wait while the loop budget lasts. */
	while (can_loop)
		if (READ_ONCE(s->state) == SPACE_READY)
			return 0;
	return READ_ONCE(s->state) == SPACE_READY ? 0 : -EBUSY;
}

/* Claim a slice given back earlier, or -1. */
static __always_inline __s64 space_claim_returned(struct arena_space __arena *s)
{
	__u64 word, bit;
	__u32 w;

	for (w = opaque(0); w < SPACE_BITMAP_WORDS && can_loop; w++) {
		/* Retry while other CPUs change this word under us. */
		while (can_loop) {
			word = READ_ONCE(*arena_elem(s->returned, w));
			if (!word)
				break;
			bit = word & -word;
			if (cmpxchg(arena_elem(s->returned, w), word, word & ~bit) == word)
				return w * 64 + __builtin_ctzll(bit);
		}
	}
	return -1;
}

static __always_inline __s64 space_claim_new(struct arena_space __arena *s)
{
	__u32 idx = __sync_fetch_and_add(&s->bump, 1);

	if (idx < s->nr_slices)
		return idx;
	__sync_fetch_and_sub(&s->bump, 1);
	return -1;
}

static __always_inline void space_mark(__u64 __arena *bitmap, __u64 idx, bool set)
{
	if (set)
		atomic_or(arena_elem(bitmap, idx / 64), 1ull << (idx % 64));
	else
		atomic_and(arena_elem(bitmap, idx / 64), ~(1ull << (idx % 64)));
}

/* Back slice idx with pages: its chunk, or 0 (then it is returned). */
static __always_inline __u64 space_populate(struct arena_space __arena *s, __s64 idx)
{
	__u64 chunk;

	if (idx < 0 || idx >= SPACE_MAX_SLICES)
		return 0;
	chunk = s->base + ((__u64)idx << CHUNK_SHIFT);
	if (fault_hit(FAULT_POPULATE, READ_ONCE(libarena_faults.populate_every)) ||
	    platform_populate(chunk, CHUNK_PAGES)) {
		space_mark(s->returned, idx, true);
		return 0;
	}
	if (shadow_populate(s, idx)) {
		platform_depopulate(chunk, CHUNK_PAGES);
		space_mark(s->returned, idx, true);
		return 0;
	}
	space_mark(s->populated, idx, true);
	__sync_fetch_and_add(&s->populated_chunks, 1);
	return chunk;
}

/*
 * A slice given back earlier first, else a new one.  A returned slice can
 * fail to populate while the kernel has not yet finished freeing it (a
 * free from a non-sleepable program is deferred): then a new one.
 */
__noinline __u64 space_chunk_get(void)
{
	struct arena_space __arena *s = &libarena_space;
	__s64 idx;

	if (READ_ONCE(s->state) != SPACE_READY)
		return 0;
	idx = space_claim_returned(s);
	if (idx >= 0 && space_populate(s, idx))
		return s->base + ((__u64)idx << CHUNK_SHIFT);
	return space_populate(s, space_claim_new(s));
}

__noinline int space_chunk_put(__u64 chunk)
{
	struct arena_space __arena *s = &libarena_space;
	__u64 idx;

	if (!space_is_populated(chunk) || (chunk & CHUNK_MASK))
		return -EINVAL;
	idx = (chunk - s->base) >> CHUNK_SHIFT;
	if (idx >= SPACE_MAX_SLICES)
		return -EINVAL;
	space_mark(s->populated, idx, false);
	platform_depopulate(chunk, CHUNK_PAGES);
	if (SHADOW_PAGES)
		platform_depopulate(s->shadow_base + idx * (SHADOW_PAGES << ARENA_PAGE_SHIFT),
				    SHADOW_PAGES);
	__sync_fetch_and_sub(&s->populated_chunks, 1);
	space_mark(s->returned, idx, true);
	return 0;
}
