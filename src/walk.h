/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The heap consistency walk: every chunk's blocks, order nibbles, allocated
 * bits, freelists and counters must agree with each other and with the
 * instance statistics.  Every loop is bounded by what a sane heap could hold,
 * so corrupted links end the walk with a finding instead of a hang.  Used
 * by buddy_check() in BPF and by the user-space library (arenactl check).
 */
#ifndef __LIBARENA_WALK_H
#define __LIBARENA_WALK_H

#include <libarena/internal/chunk.h>
#include <libarena/buddy.h>

/*
 * Totals of one chunk's block walk.  Fields start opaque (see opaque()):
 * a known constant carried through a can_loop loop makes the verifier
 * visit every iteration.
 */
struct walk {
	__u16 nr_free[ORDER_SLOTS];	/* <= 8192 free blocks of an order */
	__u16 nr_allocated;		/* <= 16384 blocks in a chunk */
};

static __always_inline void walk_init(struct walk *w)
{
	int i;

	for (i = 0; i < ORDER_SLOTS; i++)
		w->nr_free[i] = opaque(0);
	w->nr_allocated = opaque(0);
}

/* The bytes in the free blocks the walk counted. */
static __always_inline __u64 walk_free_bytes(const struct walk *w)
{
	__u64 bytes = 0;
	int i;

	for (i = 0; i < BUDDY_NR_ORDERS; i++)
		bytes += w->nr_free[i] * order_size(i);
	return bytes;
}

typedef struct buddy_check_report __arena report_t;

static __always_inline int walk_report(report_t *rep, enum buddy_check_err err,
				  __u64 chunk, __u32 item, __u64 expected,
				  __u64 found)
{
	rep->err = err;
	rep->chunk = chunk;
	rep->item = item;
	rep->expected = expected;
	rep->found = found;
	return -EUCLEAN;
}

/* Is the allocated block at item a slab (its header's magic)? */
static __always_inline bool walk_is_slab(__u64 chunk, __u32 item, __u32 order)
{
	__u64 addr = item_addr(chunk, item);

	return order >= SLAB_MIN_ORDER && order <= SLAB_MAX_ORDER && slab_magic_ok(addr, order);
}

/* A slab's free list: indices of carved, unallocated objects, as many as
 * the header says. */
static __always_inline int walk_slab_free(report_t *rep, __u64 chunk, __u32 item, slab_t *h)
{
	__u64 slab = item_addr(chunk, item), obj;
	__u32 idx = h->free_head, n;

	for (n = opaque(0); idx != SLAB_NONE && n <= h->nr_carved && can_loop; n++) {
		obj = slab_obj_addr(slab, h, idx);
		if (idx >= h->nr_carved || addr_allocated(obj))
			return walk_report(rep, BUDDY_CHECK_SLAB, chunk, item, h->nr_carved, idx);
		idx = *slab_obj_link(obj);
	}
	if (idx != SLAB_NONE || n != h->nr_free)
		return walk_report(rep, BUDDY_CHECK_SLAB, chunk, item, h->nr_free, n);
	return 0;
}

/* A slab: header sane, allocated objects and free list add up. */
static __always_inline int walk_slab(report_t *rep, __u64 chunk, __u32 item)
{
	__u64 slab = item_addr(chunk, item);
	slab_t *h = slab_hdr(slab);
	__u32 i, live = opaque(0);

	if (h->cls >= NR_SMALL_CLASSES || class_is_block(h->cls) ||
	    h->size != class_size(h->cls) ||
	    h->order < class_slab_order(h->cls) || h->order > SLAB_MAX_ORDER ||
	    h->nr_objs != slab_nr_objs(h->order, h->size) ||
	    h->nr_carved > h->nr_objs || h->nr_free > h->nr_carved)
		return walk_report(rep, BUDDY_CHECK_SLAB, chunk, item, h->cls, h->size);
	for (i = opaque(0); i < h->nr_carved && i < CHUNK_GRANULES && can_loop; i++)
		live += addr_allocated(slab_obj_addr(slab, h, i));
	if (live != h->nr_carved - h->nr_free)
		return walk_report(rep, BUDDY_CHECK_SLAB, chunk, item,
				   h->nr_carved - h->nr_free, live);
	return walk_slab_free(rep, chunk, item, h);
}

/* Walk the blocks of a chunk from the end of its metadata to its end. */
static __always_inline int walk_blocks(report_t *rep, __u64 chunk, struct walk *w)
{
	__u32 item = CHUNK_META_ITEMS, order, buddy_item;
	__u32 n;

	for (n = opaque(0); item < CHUNK_ITEMS && n < CHUNK_ITEMS && can_loop; n++) {
		order = item_order(chunk, item);
		if ((item & ((1u << order) - 1)) || item + (1u << order) > CHUNK_ITEMS)
			return walk_report(rep, BUDDY_CHECK_BAD_BLOCK, chunk, item, 0, order);
		if (item_allocated(chunk, item)) {
			w->nr_allocated++;
		} else {
			w->nr_free[order & ORDER_SLOT_MASK]++;
			buddy_item = item ^ (1u << order);
			if (order < BUDDY_MAX_ORDER && buddy_item > item &&
			    !item_allocated(chunk, buddy_item) &&
			    item_order(chunk, buddy_item) == order)
				return walk_report(rep, BUDDY_CHECK_UNMERGED, chunk, item,
					      0, order);
		}
		item += 1u << order;
	}
	if (item != CHUNK_ITEMS)
		return walk_report(rep, BUDDY_CHECK_INCOMPLETE, chunk, item, CHUNK_ITEMS, item);
	return 0;
}

/* Every slab of a chunk whose blocks walk_blocks() found sound: a pass of
 * its own, so that each pass has a small frame.  How many, or -EUCLEAN. */
static __always_inline int walk_slabs(report_t *rep, __u64 chunk)
{
	__u32 item = CHUNK_META_ITEMS, order;
	int n, slabs = opaque(0);

	for (n = opaque(0); item < CHUNK_ITEMS && n < CHUNK_ITEMS && can_loop; n++) {
		order = item_order(chunk, item);
		if (item_allocated(chunk, item) && walk_is_slab(chunk, item, order)) {
			if (walk_slab(rep, chunk, item))
				return -EUCLEAN;
			slabs++;
		}
		item += 1u << order;
	}
	return slabs;
}

/* The instance's live slabs per class add up to the slabs the walk found,
 * and each class's next slab order follows from its count. */
static __always_inline int walk_slab_counts(buddy_t *b, report_t *rep, __u32 found)
{
	__u32 cls, sum = opaque(0), next;

	for (cls = opaque(0); cls < NR_SMALL_CLASSES && can_loop; cls++) {
		barrier_var(cls);	/* else the verifier walks every class */
		sum += *arena_elem(b->nr_slabs, cls);
		next = slab_next_order(b, cls);
		if (*arena_elem(b->slab_next, cls) != next)
			return walk_report(rep, BUDDY_CHECK_SLAB, 0, cls, next,
					   *arena_elem(b->slab_next, cls));
	}
	if (sum != found)
		return walk_report(rep, BUDDY_CHECK_SLAB, 0, 0, sum, found);
	return 0;
}

/* Every slab of b's chunks (their blocks found sound), then the counts. */
static __always_inline int walk_instance_slabs(buddy_t *b, report_t *rep)
{
	__u64 chunk = b->chunks;
	__u32 slabs = opaque(0);
	__u32 n;
	int found;

	for (n = opaque(0); chunk && n < SPACE_MAX_SLICES && can_loop; n++) {
		found = walk_slabs(rep, chunk);
		if (found < 0)
			return -EUCLEAN;
		slabs += found;
		chunk = chunk_hdr(chunk)->next;
	}
	return walk_slab_counts(b, rep, slabs);
}

/* Each freelist: links consistent, members free blocks of its order, and as
 * many of them as the block walk found. */
static __always_inline int walk_freelists(report_t *rep, __u64 chunk, struct walk *w)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 order, item, prev, count, n;

	for (order = opaque(0); order < BUDDY_NR_ORDERS && can_loop; order++) {
		item = *free_head(chunk, order);
		prev = ITEM_NONE;
		count = opaque(0);
		for (n = opaque(0); item != ITEM_NONE && n <= CHUNK_ITEMS && can_loop; n++) {
			if (!item_valid(item) || item_allocated(chunk, item) ||
			    item_order(chunk, item) != order ||
			    free_links(chunk, item)->prev != prev)
				return walk_report(rep, BUDDY_CHECK_FREELIST, chunk, item,
					      order, item_order(chunk, item));
			count++;
			prev = item;
			item = free_links(chunk, item)->next;
		}
		barrier_var(order);
		if (item != ITEM_NONE || count != w->nr_free[order & ORDER_SLOT_MASK])
			return walk_report(rep, BUDDY_CHECK_FREELIST, chunk, item,
				      w->nr_free[order & ORDER_SLOT_MASK], count);
		if (!!(h->free_mask & (1u << order)) != !!count)
			return walk_report(rep, BUDDY_CHECK_FREELIST, chunk, order,
				      !!count, h->free_mask);
	}
	return 0;
}

/* One chunk: the bytes its allocated blocks hold, or -EUCLEAN. */
static __always_inline long check_chunk(buddy_t *b, struct arena_space __arena *s,
					report_t *rep, __u64 chunk)
{
	chunk_t *h = chunk_hdr(chunk);
	struct walk w;
	__u64 free_bytes;
	int err;

	walk_init(&w);
	if (!space_has_chunk(s, chunk) || h->magic != CHUNK_MAGIC ||
	    h->owner != arena_addr(b) || h->owner_key != chunk_owner_key(b))
		return walk_report(rep, BUDDY_CHECK_BAD_CHUNK, chunk, 0, CHUNK_MAGIC,
			      h->magic);
	err = walk_blocks(rep, chunk, &w);
	if (!err)
		err = walk_freelists(rep, chunk, &w);
	if (err)
		return err;
	if (w.nr_allocated != h->nr_allocated)
		return walk_report(rep, BUDDY_CHECK_COUNTS, chunk, 0, w.nr_allocated,
			      h->nr_allocated);
	free_bytes = walk_free_bytes(&w);
	if (free_bytes != h->free_bytes)
		return walk_report(rep, BUDDY_CHECK_COUNTS, chunk, 0, free_bytes,
			      h->free_bytes);
	return CHUNK_CAPACITY - free_bytes;
}

/* An includer may put the per-chunk walks out of line (BPF: a small frame
 * for the caller of buddy_check()). */
#ifndef WALK_CHUNK
#define WALK_CHUNK	check_chunk
#define WALK_SLABS	walk_instance_slabs
#endif

/*
 * Walk every chunk of b (in space s), report the first inconsistency in
 * *rep.  The BPF side holds b's lock; user space (arenactl) reads a live
 * heap and retries when the statistics' seqcount moved.
 */
static __always_inline int walk_instance(buddy_t *b, struct arena_space __arena *s,
					 report_t *rep)
{
	__u64 chunk = b->chunks, in_use = 0;
	long bytes;
	__u32 n;

	for (n = opaque(0); chunk && n < SPACE_MAX_SLICES && can_loop; n++) {
		bytes = WALK_CHUNK(b, s, rep, chunk);
		if (bytes < 0)
			return bytes;
		in_use += bytes;
		chunk = chunk_hdr(chunk)->next;
	}
	if (chunk)
		return walk_report(rep, BUDDY_CHECK_INCOMPLETE, chunk, 0, 0, n);
	if (n != b->stats.chunks)
		return walk_report(rep, BUDDY_CHECK_STATS, 0, 0, b->stats.chunks, n);
	if (in_use != b->stats.bytes_in_use)
		return walk_report(rep, BUDDY_CHECK_STATS, 0, 0, b->stats.bytes_in_use,
			      in_use);
	/* Their slabs, in a pass of its own (fewer live values: a small
	 * frame for buddy_check()). */
	if (WALK_SLABS(b, rep))
		return -EUCLEAN;
	rep->err = BUDDY_CHECK_OK;
	return 0;
}

#endif /* __LIBARENA_WALK_H */
