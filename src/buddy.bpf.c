// SPDX-License-Identifier: BSD-2-Clause
/*
 * The buddy allocator of DESIGN.md §1: first fit over the instance's chunks,
 * split on alloc, validate and coalesce on free.  One bounded lock per
 * instance guards chunk metadata; populating or returning a chunk's pages
 * (kfuncs that may sleep) always happens with the lock dropped.
 */
#include "instance.h"

static __always_inline int buddy_reject(buddy_t *b, enum buddy_reject why, int err)
{
	atomic_add(&b->stats.rejected[why], 1);
	return err;
}

static __always_inline __u64 buddy_fail_alloc(buddy_t *b)
{
	atomic_add(&b->stats.failed_allocs, 1);
	return 0;
}

/* Take a block of exactly `want` out of a free block of order `have`. */
static __always_inline __u64 chunk_carve(buddy_t *b, __u64 chunk, __u32 want,
					  __u32 have)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 item = h->free_head[have & BUDDY_MAX_ORDER];
	int i;

	if (!item_valid(item))
		return 0;	/* corrupt head: leave it for buddy_check() */
	freelist_remove(chunk, item, have);
	for (i = 0; i < BUDDY_NR_ORDERS && have > want; i++) {
		have--;
		freelist_push(chunk, item + (1u << have), have);
	}
	set_item_order(chunk, item, want);
	set_item_allocated(chunk, item, true);
	if (h->nr_allocated++ == 0)
		b->nr_empty--;
	h->free_bytes -= order_size(want);
	b->stats.allocs++;
	b->stats.bytes_in_use += order_size(want);
	if (b->stats.bytes_in_use > b->stats.peak_bytes)
		b->stats.peak_bytes = b->stats.bytes_in_use;
	return item_addr(chunk, item);
}

static __always_inline __u32 lowest_order(__u32 mask)
{
	__u32 order;

	for (order = 0; order < BUDDY_NR_ORDERS; order++)
		if (mask & (1u << order))
			break;
	return order;
}

/* First fit over the chunk list; 0 when no chunk has a large enough block. */
static __always_inline __u64 alloc_locked(buddy_t *b, __u32 order)
{
	__u64 chunk = b->chunks;
	__u32 mask;
	int n;

	if (READ_ONCE(b->state) != BUDDY_READY)
		return 0;
	for (n = opaque(0); chunk && n < SPACE_MAX_SLICES && can_loop; n++) {
		mask = chunk_hdr(chunk)->free_mask & ~((1u << order) - 1);
		if (mask)
			return chunk_carve(b, chunk, order, lowest_order(mask));
		chunk = chunk_hdr(chunk)->next;
	}
	return 0;
}

static __always_inline void chunk_link(buddy_t *b, __u64 chunk)
{
	chunk_hdr(chunk)->next = b->chunks;
	b->chunks = chunk;
	b->nr_empty++;
	b->stats.chunks++;
	b->stats.chunks_populated++;
}

__u64 __buddy_alloc(buddy_t *b __arg_arena, __u64 size)
{
	struct libarena_lock *l;
	__u64 addr, chunk;
	__u32 order;
	int err;

	if (!buddy_ready(b))
		return 0;
	if (!size || size > BUDDY_MAX_SIZE) {
		atomic_add(&b->stats.bad_sizes, 1);
		return buddy_fail_alloc(b);
	}
	order = size_to_order(size);
	l = buddy_lock_ready(b, &err);
	if (!l)
		return buddy_fail_alloc(b);
	addr = alloc_locked(b, order);
	platform_unlock(l);
	if (addr)
		return addr;

	chunk = space_chunk_get();
	if (!chunk)
		return buddy_fail_alloc(b);
	chunk_init(chunk, arena_addr(b));
	if (buddy_lock(b, l)) {
		space_chunk_put(chunk);
		return buddy_fail_alloc(b);
	}
	chunk_link(b, chunk);
	addr = alloc_locked(b, order);
	platform_unlock(l);
	return addr ?: buddy_fail_alloc(b);
}

/* Is item inside (not at the start of) an allocated block? */
static __always_inline bool inside_allocated(__u64 chunk, __u32 item)
{
	__u32 order, head;

	for (order = 1; order < BUDDY_NR_ORDERS; order++) {
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
	int n;

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
 * Free the block at addr (validated against the chunk under the lock).
 * Returns 0 or -errno; *release is set to a chunk that became surplus.
 */
static __always_inline int free_locked(buddy_t *b, __u64 addr, __u64 *release)
{
	__u64 chunk = chunk_of(addr), buddy_item;
	chunk_t *h = chunk_hdr(chunk);
	__u32 item = item_of(addr), order;
	int i;

	if (h->magic != CHUNK_MAGIC)
		return buddy_reject(b, BUDDY_REJECT_OUTSIDE, -EFAULT);
	if (h->owner != arena_addr(b))
		return buddy_reject(b, BUDDY_REJECT_FOREIGN, -EXDEV);
	if (item < CHUNK_META_ITEMS)
		return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
	if (!item_allocated(chunk, item)) {
		if (inside_allocated(chunk, item))
			return buddy_reject(b, BUDDY_REJECT_INTERIOR, -EADDRNOTAVAIL);
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	}

	order = item_order(chunk, item);
	set_item_allocated(chunk, item, false);
	h->nr_allocated--;
	h->free_bytes += order_size(order);
	b->stats.frees++;
	b->stats.bytes_in_use -= order_size(order);

	for (i = 0; i < BUDDY_NR_ORDERS && order < BUDDY_MAX_ORDER; i++) {
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

	if (h->nr_allocated == 0 && ++b->nr_empty > BUDDY_SPARE_CHUNKS) {
		chunk_unlink(b, chunk);
		b->nr_empty--;
		b->stats.chunks--;
		b->stats.chunks_returned++;
		*release = chunk;
	}
	return 0;
}

int __buddy_free(buddy_t *b __arg_arena, __u64 addr)
{
	struct libarena_lock *l;
	__u64 release = 0;
	int err;

	if (!addr)
		return 0;
	if (!buddy_ready(b))
		return -EINVAL;
	if (!space_is_populated(chunk_of(addr)))
		return buddy_reject(b, BUDDY_REJECT_OUTSIDE, -EFAULT);
	if (addr & (BUDDY_MIN_SIZE - 1))
		return buddy_reject(b, BUDDY_REJECT_MISALIGNED, -EINVAL);
	l = buddy_lock_ready(b, &err);
	if (!l)
		return err == -EINVAL ? err : buddy_reject(b, BUDDY_REJECT_LOCK, err);
	err = free_locked(b, addr, &release);
	platform_unlock(l);
	if (release)
		space_chunk_put(release);
	return err;
}

__u64 __buddy_usable_size(buddy_t *b __arg_arena, __u64 addr)
{
	__u64 chunk = chunk_of(addr);
	__u32 item = item_of(addr);

	if (!addr || !buddy_ready(b) || !space_is_populated(chunk) ||
	    (addr & (BUDDY_MIN_SIZE - 1)))
		return 0;
	if (chunk_hdr(chunk)->owner != arena_addr(b) ||
	    item < CHUNK_META_ITEMS || !item_allocated(chunk, item))
		return 0;
	return order_size(item_order(chunk, item));
}

int buddy_init_flags(buddy_t *b __arg_arena, __u64 flags)
{
	__u32 slot;
	int err;

	if (flags & ~BUDDY_KNOWN_FLAGS)
		return -EINVAL;
	if (buddy_ready(b))
		return -EBUSY;
	err = space_init();
	if (err)
		return err;
	/* A lock slot stays with the instance across destroy/init. */
	if (b->magic != BUDDY_MAGIC || !b->lock_slot) {
		slot = __sync_fetch_and_add(&libarena_space.next_lock_slot, 1);
		if (slot >= LIBARENA_MAX_INSTANCES)
			return -ENOSPC;
		b->lock_slot = slot + 1;
	}
	b->flags = flags;
	b->chunks = 0;
	b->nr_empty = 0;
	arena_zero(&b->stats, sizeof(b->stats));
	arena_zero(&b->check, sizeof(b->check));
	b->magic = BUDDY_MAGIC;
	WRITE_ONCE(b->state, BUDDY_READY);
	return 0;
}

int buddy_destroy(buddy_t *b __arg_arena)
{
	struct libarena_lock *l;
	__u64 chunk, next;
	int err, n;

	l = buddy_lock_ready(b, &err);
	if (!l)
		return err;
	chunk = b->chunks;
	b->chunks = 0;
	WRITE_ONCE(b->state, BUDDY_DEAD);
	platform_unlock(l);

	for (n = opaque(0); chunk && n < SPACE_MAX_SLICES && can_loop; n++) {
		next = chunk_hdr(chunk)->next;
		space_chunk_put(chunk);
		b->stats.chunks_returned++;
		chunk = next;
	}
	b->stats.chunks = 0;
	b->stats.bytes_in_use = 0;
	b->nr_empty = 0;
	return chunk ? -EUCLEAN : 0;
}

int buddy_reset(buddy_t *b __arg_arena)
{
	__u64 flags = b->flags;
	int err;

	if (buddy_ready(b)) {
		err = buddy_destroy(b);
		if (err)
			return err;
	}
	return buddy_init_flags(b, flags);
}
