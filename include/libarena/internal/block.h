/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Blocks: size classes, slabs, what a live block is, custody tags.  The
 * chunk beneath them is <libarena/internal/chunk.h>.  The inline fast
 * paths read both.
 */
#ifndef __LIBARENA_BLOCK_H
#define __LIBARENA_BLOCK_H

#include "chunk.h"

extern struct arena_space __arena libarena_space;	/* src/space.bpf.c */

/* Smallest order whose blocks hold size bytes (1 <= size <= 512 KiB). */
static __always_inline __u32 size_to_order(__u64 size)
{
	__u32 v = (size - 1) >> BUDDY_MIN_SHIFT;

	return v ? floor_log2(v) + 1 : 0;
}

/*
 * The class of a size of 1 .. 4 KiB (see <libarena/internal/types.h>), without a
 * branch (the fast path runs it; branches cost the caller's verification,
 * and BPF turns comparisons into branches): with s = size - 1 and
 * L = log2(s / 128) (0 below 256 B), the class is 8 L + s >> (L + 4).
 * L, 0 .. 4, comes from a table of 3-bit entries by s / 256.
 */
#define SIZE_CLASS_LOG2	0x9249246db488ull

static __always_inline __u32 size_class(__u64 size)
{
	__u64 s = size - 1, l = (SIZE_CLASS_LOG2 >> ((s >> 8) * 3)) & 7;

	return (l << 3) + (s >> (l + 4));
}

/*
 * The class of a size of 4 KiB + 1 .. 512 KiB: 48 for 8 KiB, one more per
 * doubling, that is 47 plus the bit length of m = (size - 1) / 4 KiB
 * (1 .. 127).  Without a branch, as size_class(): the inline path runs it,
 * and with size_to_order()'s four branches a program calling arena_malloc()
 * and arena_free() cost 7.0.13's verifier 15,061 instructions, 14,544
 * without.  m smeared right is 2^len - 1; len is its popcount, a nibble
 * at a time.
 */
#define POPCOUNT_NIBBLE	0x4332322132212110ull	/* 4-bit entries: popcount(0 .. 15) */

static __always_inline __u32 large_class(__u64 size)
{
	__u64 m = (size - 1) >> 12;

	m |= m >> 1;
	m |= m >> 2;
	m |= m >> 4;
	return NR_SMALL_CLASSES - 1 + ((POPCOUNT_NIBBLE >> ((m & 15) * 4)) & 15) +
	       ((POPCOUNT_NIBBLE >> ((m >> 4 & 7) * 4)) & 15);
}

/* The class a request of size (1 .. 512 KiB) is served from. */
static __always_inline __u32 alloc_class(__u64 size)
{
	if (size <= SMALL_MAX_SIZE)
		return size_class(size);
	return large_class(size);
}

/* Is the class a buddy order (a power of two from 64 B), not a slab
 * class? */
static __always_inline bool class_is_block(__u32 cls)
{
	if (cls < 8)
		return (cls & 3) == 3;
	return cls >= NR_SMALL_CLASSES || (cls & 7) == 7;
}

/* The order of a class that is one (class_is_block()). */
static __always_inline __u32 class_order(__u32 cls)
{
	if (cls < 8)
		return cls >> 2;
	if (cls < NR_SMALL_CLASSES)
		return (cls >> 3) + 1;
	return cls - NR_SMALL_CLASSES + LARGE_MIN_ORDER;
}

/* The class of a buddy block of an order: 3, 7, 15, .. 47 for orders
 * 0 .. 6 (a byte each, one branch on the fast path), 48.. from order 7. */
static __always_inline __u32 order_class(__u32 order)
{
	if (order < LARGE_MIN_ORDER)
		return (0x2f271f170f0703ull >> (order * 8)) & 0xff;
	return order + NR_SMALL_CLASSES - LARGE_MIN_ORDER;
}

static __always_inline __u64 class_size(__u32 cls)
{
	if (cls < 8)
		return (cls + 1) << 4;
	if (cls < NR_SMALL_CLASSES)
		return (__u64)((cls & 7) + 9) << ((cls >> 3) + 3);
	return order_size(cls - NR_SMALL_CLASSES + LARGE_MIN_ORDER);
}

typedef struct slab_hdr __arena slab_t;

static __always_inline slab_t *slab_hdr(__u64 slab)
{
	return arena_ptr(slab);
}

static __always_inline __u32 slab_magic(__u64 slab, __u32 order)
{
	return SLAB_MAGIC ^ (__u32)slab ^ order;	/* a slab is 4 KiB aligned */
}

/* A class's first slab's order: the smallest that holds SLAB_MIN_OBJS
 * objects. */
static __always_inline __u32 class_slab_order(__u32 cls)
{
	__u32 order = size_to_order(SLAB_MIN_OBJS * class_size(cls) + SLAB_HDR_SIZE);

	if (order < SLAB_MIN_ORDER)
		return SLAB_MIN_ORDER;
	return order < SLAB_MAX_ORDER ? order : SLAB_MAX_ORDER;
}

/*
 * The order at which a class's slabs stop growing: the first whose header
 * and tail waste at most 1/SLAB_LEAN_WASTE of it, else the one that wastes
 * least.  A nibble per class (0 for the buddy orders), less SLAB_MIN_ORDER;
 * the host test slab_geometry derives them again.
 */
#define SLAB_LEAN_0	0x0123231202110100ull	/* classes 0 .. 15 */
#define SLAB_LEAN_1	0x0243443401343323ull	/* 16 .. 31 */
#define SLAB_LEAN_2	0x0434444303243342ull	/* 32 .. 47 */

static __always_inline __u32 slab_lean_order(__u32 cls)
{
	__u64 t = cls < 16 ? SLAB_LEAN_0 : cls < 32 ? SLAB_LEAN_1 : SLAB_LEAN_2;

	return SLAB_MIN_ORDER + ((t >> ((cls & 15) * 4)) & 0xf);
}

/* The order of cls's next slab: the class's first live slab is the
 * smallest, each further one twice its predecessor, up to the lean order
 * (see <libarena/internal/types.h>; struct buddy slab_next[] keeps it). */
static __always_inline __u32 slab_next_order(struct buddy __arena *b, __u32 cls)
{
	__u32 order = class_slab_order(cls) + *arena_elem(b->nr_slabs, cls % NR_SMALL_CLASSES);
	__u32 lean = slab_lean_order(cls);

	return order < lean ? order : lean;
}

/* Does the header at slab carry the magic of a live slab of order? */
static __always_inline bool slab_magic_ok(__u64 slab, __u32 order)
{
	return slab_hdr(slab)->magic == slab_magic(slab, order);
}

/*
 * The start of the slab addr would lie in: the nibble of addr's page
 * names the slab's order (*order), hence its start.  Only slab_magic_ok()
 * says whether a slab is there.  The magic is cleared when a slab goes
 * back to the buddy, so stale bytes of a former slab do not count; a live
 * slab is an allocated block of the buddy, so no other allocation overlaps
 * it.
 */
static __always_inline __u64 page_slab(__u64 addr, __u32 *order)
{
	__u64 page = addr & ~((1ull << ARENA_PAGE_SHIFT) - 1);

	*order = item_order(chunk_of(addr), item_of(page));
	return addr & ~(order_size(*order) - 1);
}

/* The slab addr lies in, past its header, or 0.  Whose slab it is, the
 * caller checks (the chunk's owner). */
static __always_inline __u64 slab_of(__u64 addr)
{
	__u32 order;
	__u64 slab = page_slab(addr, &order);

	if (addr - slab < SLAB_HDR_SIZE || !slab_magic_ok(slab, order))
		return 0;
	return slab;
}

/* Objects of size that fit a slab of order after its header. */
static __always_inline __u32 slab_nr_objs(__u32 order, __u32 size)
{
	return (order_size(order) - SLAB_HDR_SIZE) / size;
}

static __always_inline __u64 slab_obj_addr(__u64 slab, slab_t *h, __u32 idx)
{
	return slab + SLAB_HDR_SIZE + (__u64)idx * h->size;
}

/* Free objects link through their first word (an index). */
static __always_inline __u32 __arena *slab_obj_link(__u64 obj)
{
	return arena_ptr(obj);
}

/*
 * The class of a live block or slab object at addr (block_is_live());
 * NR_CLASSES for a slab's own start, which is live to the buddy but no
 * object (a 4 KiB slab would otherwise pass for a block of the 4 KiB
 * class).  Its start is the one live address in a slab's header: no other
 * granule there carries an allocated bit.  Two branches, as slab_of():
 * the fast free path runs it.
 */
static __always_inline __u32 block_class(__u64 addr)
{
	__u32 order;
	__u64 slab = page_slab(addr, &order);

	if (slab_magic_ok(slab, order))
		return addr != slab ? slab_hdr(slab)->cls : NR_CLASSES;
	return order_class(item_order(chunk_of(addr), item_of(addr)));
}

/* The bytes a live block or slab object at addr holds. */
static __always_inline __u64 block_size(__u64 addr)
{
	__u64 slab = slab_of(addr);

	if (slab)
		return slab_hdr(slab)->size;
	return order_size(item_order(chunk_of(addr), item_of(addr)));
}

/*
 * Is addr the start of an allocated block or slab object of instance b?
 * (Blocks held by the per-CPU caches count as allocated: see custody tags.
 * A slab's own start also passes: block_class() tells it apart, on the
 * paths that could act on it.)  One compare stands for the chunk's magic
 * and owner, and the allocated bit alone excludes the chunk's metadata,
 * whose granules never carry one.  Unlocked reads suffice: only the owner
 * of a live block changes its bits.
 */
static __always_inline bool block_is_live(struct buddy __arena *b, __u64 addr)
{
	return chunk_hdr(chunk_of(addr))->owner_key == chunk_owner_key(b) &&
	       addr_allocated(addr);
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
	return READ_ONCE(*arena_elem(s->populated, idx / 64)) & (1ull << (idx % 64));
}

static __always_inline bool space_is_populated(__u64 chunk)
{
	return space_has_chunk(&libarena_space, chunk);
}

/*
 * Blocks in the library's custody (per-CPU caches, depot, deferred frees,
 * in both modes) are allocated as far as the buddy knows and carry a tag
 * at byte 8, so that freeing one again is recognised as a double free.
 */
static __always_inline __u64 __arena *custody_word(__u64 addr)
{
	return arena_ptr(addr + CUSTODY_TAG_OFF);
}

static __always_inline void custody_tag(struct buddy __arena *b, __u64 addr)
{
	*custody_word(addr) = addr ^ b->cache_key;
}

static __always_inline bool custody_tagged(struct buddy __arena *b, __u64 addr)
{
	return *custody_word(addr) == (addr ^ b->cache_key);
}

/* user_block_class(): a block in the library's custody. */
#define CLASS_IN_CUSTODY	(NR_CLASSES + 1)

/*
 * The one check of a free (or a size query) made before the lock, from
 * unlocked reads: the class of a live block or slab object of b's that a
 * user holds; CLASS_IN_CUSTODY for one the library holds (cached or
 * queued: a double free); NR_CLASSES for anything else (not b's, not
 * allocated, a slab's own start, inside a block), which the locked free
 * (free_locked()) rejects with its reason.
 */
static __always_inline __u32 user_block_class(struct buddy __arena *b, __u64 addr)
{
	if (!block_is_live(b, addr))
		return NR_CLASSES;
	if (custody_tagged(b, addr))
		return CLASS_IN_CUSTODY;
	return block_class(addr);
}

#endif /* __LIBARENA_BLOCK_H */
