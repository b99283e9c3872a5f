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
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());

	atomic_add(&b->stats.failed_allocs, 1);
	if (pc)
		pc->stats.null_returns++;
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
	for (i = opaque(0); i < BUDDY_NR_ORDERS && have > want && can_loop; i++) {
		have--;
		freelist_push(chunk, item + (1u << have), have);
	}
	set_item_order(chunk, item, want);
	set_item_allocated(chunk, item, true);
	if (h->nr_allocated++ == 0)
		b->nr_empty--;
	h->free_bytes -= order_size(want);
	b->stats.bytes_in_use += order_size(want);
	if (b->stats.bytes_in_use > b->stats.peak_bytes)
		b->stats.peak_bytes = b->stats.bytes_in_use;
	return item_addr(chunk, item);
}

static __always_inline __u32 lowest_order(__u32 mask)
{
	return mask ? __builtin_ctz(mask) : BUDDY_NR_ORDERS;
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
 * Return an allocated block (the caller checked it is one) to its freelist,
 * merging with free buddies.  A chunk that became surplus is unlinked and
 * pushed on *release (through its header's next) to be given back after
 * the lock is dropped.
 */
static __always_inline void free_block_locked(buddy_t *b, __u64 chunk, __u32 item,
					      __u64 *release)
{
	chunk_t *h = chunk_hdr(chunk);
	__u32 order = item_order(chunk, item), buddy_item;
	int i;

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

	if (h->nr_allocated == 0 && ++b->nr_empty > BUDDY_SPARE_CHUNKS) {
		chunk_unlink(b, chunk);
		b->nr_empty--;
		b->stats.chunks--;
		b->stats.chunks_returned++;
		h->next = *release;
		*release = chunk;
	}
}

/* Is addr an allocated block of this instance (checked under the lock)? */
static __always_inline bool is_live_block(buddy_t *b, __u64 addr)
{
	__u64 chunk = chunk_of(addr);
	__u32 item = item_of(addr);

	return chunk_hdr(chunk)->magic == CHUNK_MAGIC &&
	       chunk_hdr(chunk)->owner == arena_addr(b) &&
	       item >= CHUNK_META_ITEMS && item_allocated(chunk, item);
}

/* A user's free: validate fully, then release.  0 or -errno (counted). */
static __always_inline int free_locked(buddy_t *b, __u64 addr, __u64 *release)
{
	__u64 chunk = chunk_of(addr);
	chunk_t *h = chunk_hdr(chunk);
	__u32 item = item_of(addr);

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
	free_block_locked(b, chunk, item, release);
	return 0;
}

/* Free a list of custody blocks (linked at byte 0); returns how many. */
static __always_inline int free_list_locked(buddy_t *b, __u64 head, __u64 *release)
{
	__u64 next;
	int n;

	for (n = opaque(0); head && n < CHUNK_ITEMS && can_loop; n++) {
		next = *block_link(head);
		*pcpu_tag(head) = 0;	/* leaves custody: no stale tag */
		if (is_live_block(b, head))
			free_block_locked(b, chunk_of(head), item_of(head), release);
		else
			atomic_add(&b->stats.rejected[BUDDY_REJECT_NOT_ALLOCATED], 1);
		head = next;
	}
	return n;
}

/* With the lock held: free what nested calls on this CPU deferred.  No
 * helper calls under a lock: the holder's CPU is in lock_cpu. */
static __always_inline void drain_deferred_locked(buddy_t *b, __u64 *release)
{
	pcpu_cache_t *pc = pcpu_of(b, b->lock_cpu - 1);

	if (pc && READ_ONCE(pc->deferred))
		free_list_locked(b, take_deferred(pc), release);
}

/* Drop the lock, then give surplus chunks back to the kernel. */
static __always_inline void unlock_and_release(buddy_t *b, struct libarena_lock *l,
					       __u64 release)
{
	__u64 next;
	int n;

	buddy_unlock(b, l);
	for (n = opaque(0); release && n < SPACE_MAX_SLICES && can_loop; n++) {
		next = chunk_hdr(release)->next;
		space_chunk_put(release);
		release = next;
	}
}

/*
 * Populate a chunk (outside the lock) and add it to the instance.  Global,
 * so the verifier checks chunk_init() once rather than in every caller.
 */
int buddy_grow(buddy_t *b __arg_arena)
{
	struct libarena_lock *l;
	__u64 chunk;
	int err;

	chunk = space_chunk_get();
	if (!chunk)
		return -ENOMEM;
	chunk_init(chunk, arena_addr(b));
	l = buddy_lock_ready(b, &err);
	if (!l) {
		space_chunk_put(chunk);
		return err;
	}
	chunk_link(b, chunk);
	buddy_unlock(b, l);
	return 0;
}

/* Up to n more blocks of one order pushed on *head, under one lock
 * acquisition; false if the lock could not be taken. */
static __always_inline bool alloc_some(buddy_t *b, __u32 order, __u32 n, __u64 *head)
{
	struct libarena_lock *l;
	__u64 addr, release = 0;
	__u32 got;
	int err;

	l = buddy_lock_ready(b, &err);
	if (!l)
		return false;
	for (got = opaque(0); got < n && can_loop; got++) {
		addr = alloc_locked(b, order);
		if (!addr)
			break;
		*block_link(addr) = *head;
		*head = addr;
	}
	drain_deferred_locked(b, &release);
	unlock_and_release(b, l, release);
	return true;
}

/*
 * Up to n blocks of one order under one lock acquisition, linked at byte 0
 * (0-terminated); 0 when none could be had.  Not counted as allocations:
 * the caller decides what they are.
 */
__u64 buddy_alloc_batch(buddy_t *b __arg_arena, __u32 order, __u32 n)
{
	__u64 head = 0;

	if (!alloc_some(b, order, n, &head) || head || buddy_grow(b))
		return head;
	alloc_some(b, order, n, &head);
	return head;
}

/*
 * Free a list of custody blocks under one lock acquisition.  If the lock
 * cannot be taken the blocks go to defer_to's deferred list (a struct
 * pcpu_cache address), so nothing is lost.  Returns how many were freed.
 */
int buddy_free_list(buddy_t *b __arg_arena, __u64 head, __u64 defer_to)
{
	pcpu_cache_t *pc = arena_ptr(defer_to);
	struct libarena_lock *l;
	__u64 release = 0, next;
	int err, n;

	l = buddy_lock_ready(b, &err);
	if (!l) {
		for (n = opaque(0); pc && head && n < CHUNK_ITEMS && can_loop; n++) {
			next = *block_link(head);
			defer_free(b, pc, head);
			head = next;
		}
		return err;
	}
	n = free_list_locked(b, head, &release);
	drain_deferred_locked(b, &release);
	unlock_and_release(b, l, release);
	return n;
}

/* One block, or 0; false if the lock could not be taken. */
static __always_inline bool alloc_one(buddy_t *b, __u32 order, __u64 *addr)
{
	struct libarena_lock *l;
	int err;

	l = buddy_lock_ready(b, &err);
	if (!l)
		return false;
	*addr = alloc_locked(b, order);
	buddy_unlock(b, l);
	return true;
}

static __always_inline __u64 alloc_plain(buddy_t *b, __u32 order)
{
	__u64 addr = 0;

	if (!alloc_one(b, order, &addr) || addr || buddy_grow(b))
		return addr;
	alloc_one(b, order, &addr);
	return addr;
}

__u64 __buddy_alloc(buddy_t *b __arg_arena, __u64 size)
{
	__u32 order;
	__u64 addr;

	if (!buddy_ready(b) && (b != &buddy || buddy_default_ready()))
		return 0;
	if (!size || size > BUDDY_MAX_SIZE) {
		atomic_add(&b->stats.bad_sizes, 1);
		return buddy_fail_alloc(b);
	}
	order = size_to_order(size);
	if (cache_on(b) && order <= PCPU_MAX_ORDER && libarena_cpu() < LIBARENA_MAX_CPUS)
		addr = cache_alloc_slow(b, order);
	else
		addr = alloc_plain(b, order);
	if (!addr)
		return buddy_fail_alloc(b);
	atomic_add(&b->stats.allocs, 1);
	atomic_add(&b->stats.bytes_requested, size);
	return addr;
}

static __always_inline int free_plain(buddy_t *b, __u64 addr, bool allocated)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());
	struct libarena_lock *l;
	__u64 release = 0;
	int err;

	l = buddy_lock_ready(b, &err);
	if (!l) {
		if (err == -EINVAL)
			return err;
		/* Never spin or fail a valid free: queue it for later. */
		if (cache_on(b) && pc && allocated && defer_free(b, pc, addr)) {
			atomic_add(&b->stats.frees, 1);
			return 0;
		}
		return buddy_reject(b, BUDDY_REJECT_LOCK, err);
	}
	err = free_locked(b, addr, &release);
	drain_deferred_locked(b, &release);
	unlock_and_release(b, l, release);
	if (!err)
		atomic_add(&b->stats.frees, 1);
	return err;
}

int __buddy_free(buddy_t *b __arg_arena, __u64 addr)
{
	__u64 chunk = chunk_of(addr);
	__u32 item = item_of(addr), order;
	bool allocated;
	int err;

	if (!addr)
		return 0;
	if (!buddy_ready(b))
		return -EINVAL;
	if (!space_is_populated(chunk))
		return buddy_reject(b, BUDDY_REJECT_OUTSIDE, -EFAULT);
	if (addr & (BUDDY_MIN_SIZE - 1))
		return buddy_reject(b, BUDDY_REJECT_MISALIGNED, -EINVAL);
	/* Unlocked reads: only the owner of a live block changes its bits. */
	allocated = chunk_hdr(chunk)->owner == arena_addr(b) &&
		    item >= CHUNK_META_ITEMS && item_allocated(chunk, item);
	if (allocated && custody_tagged(b, addr))
		return buddy_reject(b, BUDDY_REJECT_NOT_ALLOCATED, -EALREADY);
	order = allocated ? item_order(chunk, item) : BUDDY_NR_ORDERS;
	if (cache_on(b) && order <= PCPU_MAX_ORDER &&
	    libarena_cpu() < LIBARENA_MAX_CPUS) {
		err = cache_free_slow(b, addr, order);
		if (!err) {
			atomic_add(&b->stats.frees, 1);
			return 0;
		}
	}
	return free_plain(b, addr, allocated);
}

__u64 __buddy_usable_size(buddy_t *b __arg_arena, __u64 addr)
{
	__u64 chunk = chunk_of(addr);
	__u32 item = item_of(addr);

	if (!addr || !buddy_ready(b) || !space_is_populated(chunk) ||
	    (addr & (BUDDY_MIN_SIZE - 1)))
		return 0;
	if (chunk_hdr(chunk)->owner != arena_addr(b) ||
	    item < CHUNK_META_ITEMS || !item_allocated(chunk, item) ||
	    custody_tagged(b, addr))
		return 0;	/* not a live block of the caller's */
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
		libarena_space.instances[slot] = arena_addr(b);	/* for tools */
	}
	b->flags = flags;
	b->chunks = 0;
	b->nr_empty = 0;
	b->lock_cpu = 0;
	arena_zero(&b->stats, sizeof(b->stats));
	arena_zero(&b->check, sizeof(b->check));
	b->stats.version = BUDDY_STATS_VERSION;
	err = cache_init(b);
	if (err)
		return err;
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
	buddy_unlock(b, l);

	for (n = opaque(0); chunk && n < SPACE_MAX_SLICES && can_loop; n++) {
		next = chunk_hdr(chunk)->next;
		space_chunk_put(chunk);
		b->stats.chunks_returned++;
		chunk = next;
	}
	b->stats.chunks = 0;
	b->stats.bytes_in_use = 0;
	b->stats.cache_meta_bytes = 0;
	b->nr_empty = 0;
	/* The caches' blocks went with their chunks. */
	err = cache_init(b);
	return chunk ? -EUCLEAN : err;
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
