// SPDX-License-Identifier: BSD-2-Clause
/*
 * Slabs: the size classes that are not buddy orders (16 B, 32 B, 48 B,
 * 80 B, .., 3840 B; see <libarena/internal/types.h>) are carved from buddy
 * blocks of 4 to 64 KiB, one class per slab, so an object costs its class
 * size instead of the next power of two.  Objects are handed out from a
 * slab's free list, else by bumping nr_carved (no list to build when a
 * slab is new); a slab whose objects are all back goes back to the buddy
 * at once, unless it is its class's last: that one stays, empty, for the
 * class's next object, until buddy_trim() (slab_take_spare()).  Laying a
 * slab out and giving it back cost a one-object class about 500
 * instructions a pair.  Each class keeps its slabs with free objects on a
 * list headed in the instance, and its slabs grow while it keeps more of
 * them.
 *
 * An object's first granule carries the allocated bit, as a block's does, so
 * the fast paths' live check and the custody tags work unchanged, and a
 * double free is seen.  Everything here runs with the instance lock held
 * and calls no other global function: the core (src/buddy.bpf.c) carves
 * the slabs and releases emptied ones, so that slabs add no level to any
 * call chain (the stack budget).
 */
#include "instance.h"

static __always_inline void slab_list_add(buddy_t *b, __u64 slab)
{
	slab_t *h = slab_hdr(slab);
	__u64 __arena *head = arena_elem(b->slabs, h->cls % NR_SMALL_CLASSES);

	h->prev = 0;
	h->next = *head;
	if (h->next)
		slab_hdr(h->next)->prev = slab;
	*head = slab;
}

static __always_inline void slab_list_del(buddy_t *b, __u64 slab)
{
	slab_t *h = slab_hdr(slab);

	if (h->prev)
		slab_hdr(h->prev)->next = h->next;
	else
		*arena_elem(b->slabs, h->cls % NR_SMALL_CLASSES) = h->next;
	if (h->next)
		slab_hdr(h->next)->prev = h->prev;
}

/* Each page of a slab names the slab's order (its first page is the head,
 * which holds it already). */
static __always_inline void slab_mark_pages(__u64 slab, __u32 order)
{
	__u64 chunk = chunk_of(slab);
	__u32 item = item_of(slab), step = 1u << (ARENA_PAGE_SHIFT - BUDDY_MIN_SHIFT), i;

	for (i = opaque(1); i < (order_size(order) >> ARENA_PAGE_SHIFT) && can_loop; i++)
		set_item_order(chunk, item + i * step, order);
}

/* struct buddy slab_next[] kept up to date here, so that the core reads a
 * byte, not the branches that work it out (each would cost its callers'
 * verification). */
static __always_inline void slab_set_next(buddy_t *b, __u32 cls)
{
	*arena_elem(b->slab_next, cls % NR_SMALL_CLASSES) = slab_next_order(b, cls);
}

/* No slabs: a new or destroyed instance. */
__noinline int slab_reset(buddy_t *b __arg_arena)
{
	__u32 cls;

	if (!arena_zero(b->slabs, sizeof(b->slabs)) ||
	    !arena_zero(b->nr_slabs, sizeof(b->nr_slabs)))
		return -E2BIG;
	for (cls = opaque(0); cls < NR_SMALL_CLASSES && can_loop; cls++) {
		barrier_var(cls);
		slab_set_next(b, cls);
	}
	return 0;
}

/* Lay out a block the core just carved (its order nibble set) as a slab
 * of cls, on its class list. */
__noinline int slab_init(buddy_t *b __arg_arena, __u64 slab, __u32 cls)
{
	__u32 order = item_order(chunk_of(slab), item_of(slab));
	slab_t *h = slab_hdr(slab);

	if (cls >= NR_SMALL_CLASSES || order < SLAB_MIN_ORDER || order > SLAB_MAX_ORDER)
		return -EINVAL;
	slab_mark_pages(slab, order);
	h->cls = cls;
	h->order = order;
	h->size = class_size(cls);
	h->nr_objs = slab_nr_objs(order, h->size);
	h->nr_carved = 0;
	h->nr_free = 0;
	h->free_head = SLAB_NONE;
	slab_list_add(b, slab);
	h->magic = slab_magic(slab, order);
	(*arena_elem(b->nr_slabs, cls))++;
	slab_set_next(b, cls);
	b->stats.slabs_created++;
	b->stats.slab_bytes += order_size(order);
	return 0;
}

static __always_inline bool slab_full(slab_t *h)
{
	return !h->nr_free && h->nr_carved >= h->nr_objs;
}

/* An object of the class's first slab with room, allocated bit set; 0 if
 * no slab of the class has room (the core then carves one). */
__noinline __u64 slab_get_object(buddy_t *b __arg_arena, __u32 cls)
{
	__u64 slab, obj;
	slab_t *h;
	__u32 idx;

	if (cls >= NR_SMALL_CLASSES)
		return 0;
	slab = *arena_elem(b->slabs, cls);
	if (!slab)
		return 0;
	h = slab_hdr(slab);
	if (h->nr_free) {
		idx = h->free_head;
		if (idx >= h->nr_carved)
			return 0;	/* corrupt: leave it for buddy_check() */
		obj = slab_obj_addr(slab, h, idx);
		h->free_head = *slab_obj_link(obj);
		h->nr_free--;
	} else if (h->nr_carved < h->nr_objs) {
		obj = slab_obj_addr(slab, h, h->nr_carved++);
	} else {
		return 0;
	}
	if (slab_full(h))
		slab_list_del(b, slab);
	set_addr_allocated(obj, true);
	return obj;
}

static __always_inline bool slab_empty(slab_t *h)
{
	return h->nr_free >= h->nr_carved;
}

/* An empty slab off its class (it was on the list: it had room), for the
 * core to give back to the buddy. */
static __always_inline __u64 slab_retire(buddy_t *b, __u64 slab)
{
	slab_t *h = slab_hdr(slab);

	slab_list_del(b, slab);
	h->magic = 0;
	(*arena_elem(b->nr_slabs, h->cls % NR_SMALL_CLASSES))--;
	slab_set_next(b, h->cls);
	b->stats.slabs_released++;
	b->stats.slab_bytes -= order_size(h->order);
	return slab;
}

/* A live object, the slab's idx-th, back: the slab if that emptied it
 * and the class has another (then off its list, magic cleared), else 0. */
static __always_inline __u64 put_object(buddy_t *b, __u64 slab, __u64 obj, __u32 idx)
{
	slab_t *h = slab_hdr(slab);
	bool was_full = slab_full(h);	/* then off its class's list */

	set_addr_allocated(obj, false);
	*slab_obj_link(obj) = h->free_head;
	h->free_head = idx;
	h->nr_free++;
	if (was_full)
		slab_list_add(b, slab);
	if (slab_empty(h) && *arena_elem(b->nr_slabs, h->cls % NR_SMALL_CLASSES) > 1)
		return slab_retire(b, slab);
	return 0;
}

/* A block in custody back (lock held, the caller checked it is live):
 * what the core must give back to the buddy, as put_object(). */
__noinline __u64 slab_put_object(buddy_t *b __arg_arena, __u64 slab, __u64 obj)
{
	__u32 size = slab_hdr(slab)->size;

	if (!size)
		return 0;	/* corrupt: leave it for buddy_check() */
	return put_object(b, slab, obj, (obj - slab - SLAB_HDR_SIZE) / size);
}

/*
 * A user's free of addr, past the header of the live slab at slab (lock
 * held): an object boundary of a carved, allocated object not in the
 * library's custody, counted and put back.  Returns the slab when it
 * emptied and the core must give it back, 0 when done, or -errno (the
 * rejection, counted; arena addresses are positive).  One call for the
 * checks and the put: each call costs about 20 instructions.
 */
__noinline __s64 slab_free_object(buddy_t *b __arg_arena, __u64 slab, __u64 addr)
{
	slab_t *h = slab_hdr(slab);
	__u64 off = addr - slab - SLAB_HDR_SIZE;
	__u32 size = h->size, idx;

	if (!size)
		return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
	idx = off / size;	/* one division: the JIT wraps each in 8 more */
	if (off != (__u64)idx * size || idx >= h->nr_objs)
		return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
	if (idx >= h->nr_carved || !addr_allocated(addr) ||
	    custody_tagged(b, addr))	/* cached or queued: freed before */
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	count_free(b, h->cls, true);
	return put_object(b, slab, addr, idx);
}

/* The class's last slab, if it is empty, off the class for the core to
 * give back (buddy_trim()); else 0. */
__noinline __u64 slab_take_spare(buddy_t *b __arg_arena, __u32 cls)
{
	__u64 slab;

	if (cls >= NR_SMALL_CLASSES || *arena_elem(b->nr_slabs, cls) != 1)
		return 0;
	slab = *arena_elem(b->slabs, cls);
	if (!slab || !slab_hdr(slab)->size || !slab_empty(slab_hdr(slab)))
		return 0;
	return slab_retire(b, slab);
}
