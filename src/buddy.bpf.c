// SPDX-License-Identifier: BSD-2-Clause
/*
 * The buddy core: first fit over the instance's chunks, split on alloc,
 * validate and coalesce on free, all under the instance lock.  It is a
 * leaf: it calls nothing above it (cache, entry points, the reserve) and
 * never sleeps, so any program type may reach it.  Chunks come and go only
 * through core_add_chunk() and core_unlink_*(), which the sleepable
 * reserve code (reserve.bpf.c) pairs with populating and releasing pages.
 */
#include "instance_lock.h"

/* Take a block of exactly `want` out of a free block of order `have`. */
static __always_inline __u64 carve_from(buddy_t *b, __u64 chunk, __u32 want, __u32 have)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 item = *free_head(chunk, have);

	if (!item_valid(item))
		return 0;	/* corrupt head: leave it for buddy_check() */
	freelist_remove(chunk, item, have);
	/* The accounting first: fewer values live across the split loop (a
	 * small frame, the stack budget). */
	if (h->nr_allocated++ == 0)
		b->nr_empty--;
	h->free_bytes -= order_size(want);
	b->stats.bytes_in_use += order_size(want);
	if (b->stats.bytes_in_use > b->stats.peak_bytes)
		b->stats.peak_bytes = b->stats.bytes_in_use;
	set_item_order(chunk, item, want);
	set_item_allocated(chunk, item, true);
	while (have > want && can_loop) {
		have--;
		freelist_push(chunk, item + (1u << have), have);
	}
	return item_addr(chunk, item);
}

static __always_inline __u32 lowest_order(__u32 mask)
{
	return mask ? __builtin_ctz(mask) : BUDDY_NR_ORDERS;
}

static __always_inline __u32 fitting_orders(__u64 chunk, __u32 order)
{
	return chunk_hdr(chunk)->free_mask & ~((1u << order) - 1);
}

/*
 * The chunk to serve a block of `order` from: the one hinted for that
 * order, else the first fit over the chunk list (which becomes the hint);
 * lock held; 0 when no chunk has a large enough block.  The hint saves
 * walking past every chunk without a large block for each large request
 * of a big heap.
 */
static __always_inline __u64 find_chunk(buddy_t *b, __u32 order)
{
	__u64 __arena *hint = arena_elem(b->hint, order & ORDER_SLOT_MASK);
	__u64 chunk = *hint;
	__u32 mask, n;

	if (READ_ONCE(b->state) != BUDDY_READY)
		return 0;
	if (chunk && fitting_orders(chunk, order))
		return chunk;	/* the hint serves: no loop to set up */
	mask = 0;
	for (n = opaque(0); !mask && n < SPACE_MAX_SLICES && can_loop; n++) {
		chunk = n ? chunk_hdr(chunk)->next : b->chunks;
		if (!chunk)
			return 0;
		mask = fitting_orders(chunk, order);
	}
	if (!mask)
		return 0;
	*hint = chunk;
	return chunk;
}

/*
 * A block of an order (lock held); 0 if none.  Global, like the other
 * pieces below: the verifier checks it once, and each caller's frame stays
 * small (the stack budget).  Finding and carving in one call: a call's
 * entry and exit cost more than the hint test.
 */
__noinline __u64 core_carve(buddy_t *b __arg_arena, __u32 order)
{
	__u64 chunk = find_chunk(b, order);
	__u32 mask = chunk ? fitting_orders(chunk, order) : 0;

	return mask ? carve_from(b, chunk, order, lowest_order(mask)) : 0;
}

/* The order of cls's next slab, read where it is used: the barriers keep
 * the compiler from hoisting its address out of the caller's loop, where
 * it would live across calls (the stack budget). */
static __always_inline __u32 slab_order_here(buddy_t *b, __u32 cls)
{
	barrier_var(b);
	barrier_var(cls);
	return *arena_elem(b->slab_next, cls % NR_SMALL_CLASSES);
}

/* A new slab for cls (lock held): 0, or -ENOMEM when no block is free. */
static __always_inline int grow_slab_locked(buddy_t *b, __u32 cls)
{
	__u64 slab = core_carve(b, slab_order_here(b, cls));

	return slab ? slab_init(b, slab, cls) : -ENOMEM;
}

/* An object of a slab class (lock held), carving a new slab when none of
 * the class has room; 0 if none. */
static __always_inline __u64 object_locked(buddy_t *b, __u32 cls)
{
	__u64 obj = slab_get_object(b, cls);

	if (!obj && !grow_slab_locked(b, cls))
		obj = slab_get_object(b, cls);
	return obj;
}

/* A block or slab object of a class (lock held); 0 if none. */
static __always_inline __u64 alloc_locked(buddy_t *b, __u32 cls)
{
	if (class_is_block(cls))
		return core_carve(b, class_order(cls));
	return object_locked(b, cls);
}

/* A live block or slab object back (lock held, the caller checked it); a
 * slab that emptied goes back too, unless it was its class's last.  Two
 * sibling calls, not a chain: the stack budget. */
static __always_inline void release_locked(buddy_t *b, __u64 addr)
{
	__u64 slab = slab_of(addr);

	addr = slab ? slab_put_object(b, slab, addr) : addr;
	if (addr)
		core_release(b, addr);
}

/* A chunk leaves the list: no hint may point at it. */
static __always_inline void hints_forget(buddy_t *b, __u64 chunk)
{
	int i;

	for (i = 0; i < ORDER_SLOTS; i++)
		if (*arena_elem(b->hint, i) == chunk)
			*arena_elem(b->hint, i) = 0;
}

/* Is item inside (not at the start of) an allocated block? */
static __always_inline bool inside_allocated(__u64 chunk, __u32 item)
{
	__u32 order, head;

	for (order = opaque(1); order < BUDDY_NR_ORDERS && can_loop; order++) {
		head = item & ~((1u << order) - 1);
		if (head < CHUNK_META_ITEMS)
			return false;
		if (head != item && item_allocated(chunk, head) &&
		    head + (1u << item_order(chunk, head)) > item)
			return true;
	}
	return false;
}

static __always_inline void chunk_unlink(buddy_t *b, __u64 chunk)
{
	__u64 cur = b->chunks, next = chunk_hdr(chunk)->next;
	__u32 n;

	hints_forget(b, chunk);
	if (cur == chunk) {
		b->chunks = next;
		return;
	}
	for (n = opaque(0); cur && n < SPACE_MAX_SLICES && can_loop; n++) {
		if (chunk_hdr(cur)->next == chunk) {
			chunk_hdr(cur)->next = next;
			return;
		}
		cur = chunk_hdr(cur)->next;
	}
}

/*
 * Return the allocated block of order at item of chunk (lock held, the
 * caller checked it is one) to its freelist, merging with free buddies.
 * An emptied chunk stays linked: releasing pages may sleep, so a surplus
 * only raises shrink_wanted for buddy_refill().
 */
static __always_inline void release(buddy_t *b, __u64 chunk, __u32 item, __u32 order)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 buddy_item, i;

	set_item_allocated(chunk, item, false);
	h->nr_allocated--;
	h->free_bytes += order_size(order);
	b->stats.bytes_in_use -= order_size(order);

	for (i = opaque(0); i < BUDDY_NR_ORDERS && order < BUDDY_MAX_ORDER && can_loop; i++) {
		buddy_item = item ^ (1u << order);
		/* A buddy overlapping the metadata is never free. */
		if (buddy_item < CHUNK_META_ITEMS ||
		    item_allocated(chunk, buddy_item) ||
		    item_order(chunk, buddy_item) != order)
			break;
		freelist_remove(chunk, buddy_item, order);
		item &= ~(1u << order);
		order++;
	}
	freelist_push(chunk, item, order);
	*arena_elem(b->hint, order & ORDER_SLOT_MASK) = chunk;	/* the block just freed */

	if (h->nr_allocated == 0) {
		b->nr_empty++;
		if (reserve_surplus(b))
			WRITE_ONCE(b->shrink_wanted, 1);
	}
}

/* The same, global, for slab blocks and lists of blocks.  A user's free of
 * a block releases inline (free_locked()): a call's entry and exit cost
 * about 20 instructions, and core_free_block()'s frame stays within the
 * stack budget with it. */
__noinline int core_release(buddy_t *b __arg_arena, __u64 addr)
{
	__u64 chunk = chunk_of(addr);
	__u32 item = item_of(addr);

	release(b, chunk, item, item_order(chunk, item));
	return 0;
}

/* Not a chunk of b's: which rejection (cold). */
static __noinline int reject_chunk(buddy_t *b, __u64 chunk)
{
	if (chunk_hdr(chunk)->magic != CHUNK_MAGIC)
		return buddy_reject(b, BUDDY_REJECT_OUTSIDE, -EFAULT);
	return buddy_reject(b, BUDDY_REJECT_FOREIGN, -EXDEV);
}

/* A free of an object of the live slab at slab (addr past its start). */
static __always_inline int free_object_locked(buddy_t *b, __u64 slab, __u64 addr)
{
	__s64 ret;

	if (addr - slab < SLAB_HDR_SIZE)
		return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
	ret = slab_free_object(b, slab, addr);
	if (ret > 0)
		core_release(b, ret);	/* the slab it emptied */
	return ret < 0 ? ret : 0;
}

/*
 * A user's free: validate fully (the only place every check is made:
 * entry points check only what they need before the lock), then release.
 * One compare stands for the chunk's magic and owner (owner_key), and the
 * page's order nibble, read once, says whether addr lies in a live slab:
 * its own start (never a user's pointer), its header, or an object.
 * 0 or -errno (counted).
 */
static __always_inline int free_locked(buddy_t *b, __u64 addr)
{
	__u64 chunk = chunk_of(addr), slab;
	__u32 item = item_of(addr), order;

	if (chunk_hdr(chunk)->owner_key != chunk_owner_key(b))
		return reject_chunk(b, chunk);
	slab = page_slab(addr, &order);
	if (slab_magic_ok(slab, order)) {
		if (addr == slab)
			return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
		return free_object_locked(b, slab, addr);
	}
	if (item < CHUNK_META_ITEMS)
		return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
	/* Off an item boundary no block starts: inside one, or a slab
	 * object of a slab gone back (its double free). */
	if ((addr & (BUDDY_MIN_SIZE - 1)) || !item_allocated(chunk, item)) {
		if (item_allocated(chunk, item) || inside_allocated(chunk, item))
			return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	}
	if (custody_tagged(b, addr))
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	order = item_order(chunk, item);
	count_free(b, order_class(order), true);
	release(b, chunk, item, order);
	return 0;
}

/* Free a list of custody blocks (linked at byte 0), lock held; returns
 * how many. */
static __always_inline int release_list(buddy_t *b, __u64 head)
{
	__u64 next;
	__u32 n;

	for (n = opaque(0); head && n < CHUNK_GRANULES && can_loop; n++) {
		next = *block_link(head);
		*custody_word(head) = 0;	/* leaves custody: no stale tag */
		if (block_is_live(b, head))
			release_locked(b, head);
		else
			atomic_add(&b->stats.rejected[BUDDY_REJECT_NOT_ALLOCATED], 1);
		head = next;
	}
	return n;
}

/* After an allocation under the lock: ask for a refill if it found no
 * block (counted) or left the reserve under its low watermark. */
static __always_inline void reserve_note(buddy_t *b, bool found)
{
	if (!found) {
		b->stats.reserve_dry++;
		reserve_want_refill(b, REFILL_DRY);
	} else if (buddy_stats_free_bytes(&b->stats) < b->reserve_low) {
		reserve_want_refill(b, REFILL_LOW);
	}
}

/* With the lock held: free what could not take it earlier. */
static __always_inline void drain_deferred_locked(buddy_t *b)
{
	__u64 head = take_deferred(b);

	if (head)
		release_list(b, head);
}

/* The end of a take under the lock: the reserve's request, the deferred
 * frees, unlock. */
static __always_inline __u64 take_done(buddy_t *b, __u64 head)
{
	reserve_note(b, head);
	drain_deferred_locked(b);
	instance_unlock(b);
	return head;
}

/*
 * Up to n blocks of one order under one lock acquisition, linked at byte 0
 * (0-terminated); 0 when none could be had.  Not counted as allocations:
 * the caller decides what they are.  Running dry, or under the low
 * watermark, asks for a refill.
 */
__noinline __u64 core_take(buddy_t *b __arg_arena, __u32 order, __u32 n)
{
	__u64 head = 0, addr;
	__u32 got;

	if (instance_lock(b))
		return 0;
	for (got = opaque(0); got < n && can_loop; got++) {
		addr = core_carve(b, order);
		if (!addr)
			break;
		*block_link(addr) = head;
		head = addr;
	}
	return take_done(b, head);
}

/* The same for a slab class: objects of its slabs, carving a new slab when
 * none has room. */
__noinline __u64 core_take_objects(buddy_t *b __arg_arena, __u32 cls, __u32 n)
{
	__u64 head = 0, addr;

	if (instance_lock(b))
		return 0;
	/* n counts down: one value less to keep across the calls (a spill
	 * would grow the frame past the stack budget). */
	for (; n && can_loop; n--) {
		addr = object_locked(b, cls);
		if (!addr)
			break;
		*block_link(addr) = head;
		head = addr;
	}
	return take_done(b, head);
}

/*
 * A user's allocation of size bytes of class cls (valid, the caller
 * checked), counted here under the lock rather than with atomics that
 * would bounce between CPUs; 0 when no block (refill asked for).
 */
__noinline __u64 core_alloc_block(buddy_t *b __arg_arena, __u64 size, __u32 cls)
{
	__u64 addr;

	if (instance_lock(b))
		return 0;
	addr = alloc_locked(b, cls);
	if (addr)
		class_count_alloc(arena_elem(b->stats.classes, cls), size, true);
	reserve_note(b, addr);
	drain_deferred_locked(b);
	instance_unlock(b);
	return addr;
}

/* Custody blocks (linked at byte 0) back to the buddy: how many, or the
 * lock's -errno with nothing freed. */
__noinline int core_give(buddy_t *b __arg_arena, __u64 head)
{
	int err, n;

	err = instance_lock(b);
	if (err)
		return err;
	n = release_list(b, head);
	drain_deferred_locked(b);
	instance_unlock(b);
	return n;
}

/* A user's free: validated under the lock.  0 or -errno (counted either
 * way, under the lock). */
__noinline int core_free_block(buddy_t *b __arg_arena, __u64 addr)
{
	int err;

	err = instance_lock(b);
	if (err)
		return err;
	err = free_locked(b, addr);
	drain_deferred_locked(b);
	instance_unlock(b);
	return err;
}

/* Each class's empty last slab back to the buddy (slab_take_spare()):
 * how many, or the lock's -errno. */
__noinline int core_release_spares(buddy_t *b __arg_arena)
{
	__u64 slab;
	__u32 cls;
	int n = 0, err;

	err = instance_lock(b);
	if (err)
		return err;
	for (cls = opaque(0); cls < NR_SMALL_CLASSES && can_loop; cls++) {
		slab = slab_take_spare(b, cls);
		if (slab) {
			core_release(b, slab);
			n++;
		}
	}
	instance_unlock(b);
	return n;
}

/* Link a freshly populated chunk (laid out here, outside the lock). */
__noinline int core_add_chunk(buddy_t *b __arg_arena, __u64 chunk)
{
	int err;

	chunk_init(chunk, b);
	err = instance_lock(b);
	if (err)
		return err;
	chunk_hdr(chunk)->next = b->chunks;
	b->chunks = chunk;
	b->nr_empty++;
	b->stats.chunks++;
	b->stats.chunks_populated++;
	instance_unlock(b);
	return 0;
}

/* An empty chunk beyond what the high watermark keeps (reserve_surplus()),
 * unlinked; 0 if none. */
__noinline __u64 core_unlink_surplus(buddy_t *b __arg_arena)
{
	__u64 chunk, found = 0;
	int n;

	if (instance_lock(b))
		return 0;
	chunk = b->chunks;
	for (n = opaque(0); chunk && reserve_surplus(b) &&
	     n < SPACE_MAX_SLICES && can_loop; n++) {
		if (!chunk_hdr(chunk)->nr_allocated) {
			found = chunk;
			break;
		}
		chunk = chunk_hdr(chunk)->next;
	}
	if (found) {
		chunk_unlink(b, found);
		b->nr_empty--;
		b->stats.chunks--;
		b->stats.chunks_returned++;
	} else {
		WRITE_ONCE(b->shrink_wanted, 0);
	}
	instance_unlock(b);
	return found;
}

/* Destroy: mark the instance dead and hand over its whole chunk list. */
__noinline __u64 core_unlink_all(buddy_t *b __arg_arena)
{
	__u64 chunks;

	if (instance_lock(b))
		return 0;
	chunks = b->chunks;
	b->chunks = 0;
	arena_zero(b->hint, sizeof(b->hint));
	slab_reset(b);
	WRITE_ONCE(b->state, BUDDY_DEAD);
	instance_unlock(b);
	return chunks;
}
