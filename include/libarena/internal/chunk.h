/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The chunk model in one place: a chunk's header, its items (64-byte
 * buddy units) and granules (16-byte allocation units), the order nibble
 * of each item, the allocated bit of each granule, and the per-order
 * freelists threaded through free blocks.  types.h draws the layout.
 * The readers come first (the inline fast paths use them); the writers
 * run under the owner's lock, except chunk_init(), which runs before the
 * chunk is visible.
 */
#ifndef __LIBARENA_CHUNK_H
#define __LIBARENA_CHUNK_H

#include "types.h"

typedef struct chunk_hdr __arena chunk_t;

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

static __always_inline __u32 granule_of(__u64 addr)
{
	return (addr & CHUNK_MASK) >> GRANULE_SHIFT;
}

static __always_inline __u32 item_granule(__u32 item)
{
	return item << (BUDDY_MIN_SHIFT - GRANULE_SHIFT);
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

static __always_inline __u8 __arena *order_byte(__u64 chunk, __u32 item)
{
	return arena_ptr(chunk + CHUNK_ORDERS_OFF + (item & (CHUNK_ITEMS - 1)) / 2);
}

static __always_inline __u32 item_order(__u64 chunk, __u32 item)
{
	return (*order_byte(chunk, item) >> ((item & 1) * 4)) & 0xf;
}

static __always_inline __u8 __arena *allocbit_byte(__u64 chunk, __u32 granule)
{
	return arena_ptr(chunk + CHUNK_ALLOCBITS_OFF + (granule & (CHUNK_GRANULES - 1)) / 8);
}

/* The barrier: with granule a constant 7, clang tests the bit as the sign
 * of a sign-extending load, which 6.12 refuses from the arena ("sign
 * extending loads from arena are not supported yet"). */
static __always_inline bool granule_allocated(__u64 chunk, __u32 granule)
{
	__u8 bits = *allocbit_byte(chunk, granule);

	barrier_var(bits);
	return bits & (1 << (granule & 7));
}

/* Is the block starting at item allocated? */
static __always_inline bool item_allocated(__u64 chunk, __u32 item)
{
	return granule_allocated(chunk, item_granule(item));
}

/* Is the block or slab object starting at addr allocated?  Its byte and
 * bit straight from addr's offset in the chunk (a granule number costs
 * more shifts on the fast free path). */
static __always_inline bool addr_allocated(__u64 addr)
{
	__u8 __arena *map = arena_ptr(chunk_of(addr) | (addr & CHUNK_MASK) >> (GRANULE_SHIFT + 3));
	__u8 bits = map[CHUNK_ALLOCBITS_OFF];	/* the offset rides in the load */

	barrier_var(bits);	/* see granule_allocated(); also spares free_addr() a stack slot */
	return bits & (1 << ((addr >> GRANULE_SHIFT) & 7));
}

/* The word every chunk of b carries (struct chunk_hdr owner_key). */
static __always_inline __u64 chunk_owner_key(struct buddy __arena *b)
{
	return CHUNK_MAGIC ^ b->cache_key;
}

/* The writers. */

static __always_inline void set_item_order(__u64 chunk, __u32 item, __u32 order)
{
	__u8 __arena *p = order_byte(chunk, item);
	__u32 shift = (item & 1) * 4;

	*p = (*p & ~(0xf << shift)) | ((order & 0xf) << shift);
}

static __always_inline void set_granule_allocated(__u64 chunk, __u32 granule, bool on)
{
	__u8 __arena *p = allocbit_byte(chunk, granule);

	if (on)
		*p |= 1 << (granule & 7);
	else
		*p &= ~(1 << (granule & 7));
}

static __always_inline void set_item_allocated(__u64 chunk, __u32 item, bool on)
{
	set_granule_allocated(chunk, item_granule(item), on);
}

static __always_inline void set_addr_allocated(__u64 addr, bool on)
{
	set_granule_allocated(chunk_of(addr), granule_of(addr), on);
}

static __always_inline struct free_links __arena *free_links(__u64 chunk, __u32 item)
{
	return arena_ptr(item_addr(chunk, item & (CHUNK_ITEMS - 1)) + FREE_LINKS_OFF);
}

/*
 * The freelist head of an order, addressed from the chunk's integer
 * address: arithmetic on integers before arena_ptr() never meets the
 * verifier's arena pointer rule (see arena_elem()), and costs no register
 * the way arena_elem()'s pinned add does.
 */
static __always_inline __u32 __arena *free_head(__u64 chunk, __u32 order)
{
	return arena_ptr(chunk + CHUNK_HDR_OFF +
			 __builtin_offsetof(struct chunk_hdr, free_head) +
			 (order & ORDER_SLOT_MASK) * sizeof(__u32));
}

static __always_inline bool item_valid(__u32 item)
{
	return item >= CHUNK_META_ITEMS && item < CHUNK_ITEMS;
}

static __always_inline void freelist_push(__u64 chunk, __u32 item, __u32 order)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 head = *free_head(chunk, order);
	struct free_links __arena *l = free_links(chunk, item);

	set_item_order(chunk, item, order);
	l->prev = ITEM_NONE;
	l->next = head;
	if (item_valid(head))
		free_links(chunk, head)->prev = item;
	*free_head(chunk, order) = item;
	h->free_mask |= 1u << order;
}

static __always_inline void freelist_remove(__u64 chunk, __u32 item, __u32 order)
{
	chunk_t *h = chunk_hdr(chunk);
	struct free_links __arena *l = free_links(chunk, item);
	__u32 prev = l->prev, next = l->next;

	if (item_valid(prev))
		free_links(chunk, prev)->next = next;
	else
		*free_head(chunk, order) = next;
	if (item_valid(next))
		free_links(chunk, next)->prev = prev;
	if (!item_valid(*free_head(chunk, order)))
		h->free_mask &= ~(1u << order);
}

/* The largest block that starts at item and ends by the chunk's end
 * (straight-line code: a loop here multiplies verifier states). */
static __always_inline __u32 largest_order_at(__u32 item)
{
	__u32 order = item ? __builtin_ctz(item) : BUDDY_MAX_ORDER;
	__u32 fit = floor_log2(CHUNK_ITEMS - item);

	if (fit < order)
		order = fit;
	return order < BUDDY_MAX_ORDER ? order : BUDDY_MAX_ORDER;
}

/* Lay out a freshly populated (zeroed) chunk: header, then free blocks. */
static __always_inline void chunk_init(__u64 chunk, struct buddy __arena *owner)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 item = CHUNK_META_ITEMS, order;
	__u32 i;

	h->magic = CHUNK_MAGIC;
	h->owner = arena_addr(owner);
	h->owner_key = chunk_owner_key(owner);
	h->next = 0;
	h->free_bytes = CHUNK_CAPACITY;
	h->nr_allocated = 0;
	h->free_mask = 0;
	for (i = 0; i < ORDER_SLOTS; i++)
		*free_head(chunk, i) = ITEM_NONE;
	for (i = opaque(0); i < 2 * BUDDY_NR_ORDERS && item < CHUNK_ITEMS && can_loop; i++) {
		order = largest_order_at(item);
		freelist_push(chunk, item, order);
		item += 1u << order;
	}
}

#endif /* __LIBARENA_CHUNK_H */
