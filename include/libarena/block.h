/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Finding a block's chunk and reading its order and allocated bit: what the
 * inline fast paths need.  Reads only; the writers live in src/chunk.h.
 */
#ifndef __LIBARENA_BLOCK_H
#define __LIBARENA_BLOCK_H

#include "types.h"

typedef struct chunk_hdr __arena chunk_t;

extern struct arena_space __arena libarena_space;	/* src/space.bpf.c */

static __always_inline __u64 chunk_of(__u64 addr)
{
	return addr & ~CHUNK_MASK;
}

static __always_inline chunk_t *chunk_hdr(__u64 chunk)
{
	return arena_ptr(chunk + CHUNK_HDR_OFF);
}

static __always_inline __u32 item_of(__u64 addr)
{
	return (addr & CHUNK_MASK) >> BUDDY_MIN_SHIFT;
}

static __always_inline __u64 item_addr(__u64 chunk, __u32 item)
{
	return chunk + ((__u64)item << BUDDY_MIN_SHIFT);
}

static __always_inline __u64 order_size(__u32 order)
{
	return BUDDY_MIN_SIZE << order;
}

static __always_inline __u32 floor_log2(__u32 x)
{
	__u32 r = 0;

	if (x >> 16) {
		r += 16;
		x >>= 16;
	}
	if (x >> 8) {
		r += 8;
		x >>= 8;
	}
	if (x >> 4) {
		r += 4;
		x >>= 4;
	}
	if (x >> 2) {
		r += 2;
		x >>= 2;
	}
	return r + (x >> 1);
}

/* Smallest order whose blocks hold size bytes (1 <= size <= 512 KiB). */
static __always_inline __u32 size_to_order(__u64 size)
{
	__u32 v = (size - 1) >> BUDDY_MIN_SHIFT;

	return v ? floor_log2(v) + 1 : 0;
}

static __always_inline __u8 __arena *order_byte(__u64 chunk, __u32 item)
{
	return arena_ptr(chunk + CHUNK_ORDERS_OFF + (item & (CHUNK_ITEMS - 1)) / 2);
}

static __always_inline __u32 item_order(__u64 chunk, __u32 item)
{
	return (*order_byte(chunk, item) >> ((item & 1) * 4)) & 0xf;
}

static __always_inline __u8 __arena *allocbit_byte(__u64 chunk, __u32 item)
{
	return arena_ptr(chunk + CHUNK_ALLOCBITS_OFF + (item & (CHUNK_ITEMS - 1)) / 8);
}

static __always_inline bool item_allocated(__u64 chunk, __u32 item)
{
	return *allocbit_byte(chunk, item) & (1 << (item & 7));
}

/*
 * Is addr the start of an allocated block of instance b?  (Blocks held by
 * the per-CPU caches count as allocated: see custody tags.)  Unlocked
 * reads suffice: only the owner of a live block changes its bits.
 */
static __always_inline bool block_is_live(struct buddy __arena *b, __u64 addr)
{
	__u64 chunk = chunk_of(addr);
	__u32 item = item_of(addr);

	return chunk_hdr(chunk)->magic == CHUNK_MAGIC &&
	       chunk_hdr(chunk)->owner == arena_addr(b) &&
	       item >= CHUNK_META_ITEMS && item_allocated(chunk, item);
}

/* Is chunk a populated slice of the window of space s? */
static __always_inline bool space_has_chunk(struct arena_space __arena *s, __u64 chunk)
{
	__u64 idx;

	if (READ_ONCE(s->state) != SPACE_READY || chunk < s->base)
		return false;
	idx = (chunk - s->base) >> CHUNK_SHIFT;
	if (idx >= s->nr_slices || idx >= SPACE_MAX_SLICES)
		return false;
	return READ_ONCE(s->populated[idx / 64]) & (1ull << (idx % 64));
}

static __always_inline bool space_is_populated(__u64 chunk)
{
	return space_has_chunk(&libarena_space, chunk);
}

#endif /* __LIBARENA_BLOCK_H */
