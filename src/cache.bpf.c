// SPDX-License-Identifier: BSD-2-Clause
/*
 * The per-CPU caches' slow paths (the fast paths are inline, in
 * <libarena/internal/fast.h>; <libarena/internal/cache.h> says why they are
 * safe in any context;
 * the slow paths keep the same rule: stacks only inside the guard, and no
 * call from inside it).
 *
 * A miss moves half a cache at a time: a refill takes a batch from the
 * depot (lock-free) or PCPU_SLOTS/2 blocks from the buddy under one lock
 * acquisition; a full cache flushes its top half to the depot, or to the
 * buddy when the depot is full.  Caches are bounded by a per-CPU byte
 * budget (the slots of each class), the depot by DEPOT_SLOTS batches per
 * class.  buddy_trim() gives back what the calling CPU's cache and the
 * depot hold, and asks every other CPU to do the same on its next slow
 * path: only a cache's own CPU may touch it.
 *
 * This layer sits on the buddy core (core_take/core_give) and below the
 * entry points (entry.bpf.c); like the core it never sleeps.
 */
#include "instance.h"
#include <libarena/buddy.h>

_Static_assert(sizeof(struct pcpu_cache) <= (BUDDY_MIN_SIZE << PCPU_CACHE_ORDER),
	       "a per-CPU cache must fit its block");

/* Slots per class from the budget (see <libarena/internal/types.h>): each half is
 * split evenly over its classes; a large class keeps at least one block if
 * that block is at most a quarter of the budget.  0 slots: not cached. */
static __always_inline void cache_set_caps(buddy_t *b, __u64 budget)
{
	__u64 cap, size;
	__u32 cls;

	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++) {
		size = class_size(cls);
		if (cls >= NR_SMALL_CLASSES) {
			cap = budget / 2 / NR_LARGE_CLASSES / size;
			if (!cap && size <= budget / 4)
				cap = 1;
		} else {
			cap = budget / 2 / NR_SMALL_CLASSES / size;
			if (cap < 2)
				cap = 0;	/* batches need two */
		}
		*arena_elem(b->class_cap, cls) = cap > PCPU_SLOTS ? PCPU_SLOTS : cap;
	}
	b->cache_budget = budget;
}

/* Forget every cache: for a new or just destroyed instance. */
__noinline int cache_init(buddy_t *b __arg_arena)
{
	b->cache_key = ((__u64)platform_random() << 32 | platform_random()) | 1;
	b->nr_pcpu = 0;
	cache_set_caps(b, PCPU_DEFAULT_BUDGET);
	if (!arena_zero(b->depot, sizeof(b->depot)) ||
	    !arena_zero(b->pcpu, sizeof(b->pcpu)))
		return -E2BIG;
	return 0;
}

/*
 * A custody list back to the buddy: how many blocks were freed.  If the
 * lock cannot be taken they wait on the instance's deferred list (drained
 * by the next lock holder) and the lock's -errno is returned: nothing is
 * lost either way.
 */
static __always_inline int give_or_defer(buddy_t *b, __u64 head)
{
	__u64 next;
	__u32 n;
	int err;

	err = core_give(b, head);
	if (err >= 0)
		return err;
	for (n = opaque(0); head && n < CHUNK_GRANULES && can_loop; n++) {
		next = *block_link(head);
		defer_free(b, head);
		head = next;
	}
	return err;
}

/* This CPU's cache, from the buddy, on its first slow path (the entry
 * points call it, so that no chain of calls gets deeper for it). */
__noinline __u64 pcpu_create(buddy_t *b __arg_arena)
{
	__u32 cpu = libarena_cpu();
	pcpu_cache_t *pc;
	__u64 addr;

	if (cpu >= LIBARENA_MAX_CPUS)
		return 0;
	addr = core_take(b, PCPU_CACHE_ORDER, 1);
	if (!addr)
		return 0;
	pc = arena_ptr(addr);
	if (arena_zero(pc, order_size(PCPU_CACHE_ORDER))) {
		/* Every cap is 0 until a trim loads them: the caller serves
		 * this request at once (cache_serves()). */
		pc->trim_wanted = 1;
		if (cmpxchg(arena_elem(b->pcpu, cpu), 0, addr) == 0) {
			atomic_add(&b->stats.cache_meta_bytes, order_size(PCPU_CACHE_ORDER));
			__sync_fetch_and_add(&b->nr_pcpu, 1);
			return addr;
		}
	}
	/* A nested call on this CPU won the race (or we ran dry). */
	*block_link(addr) = 0;
	give_or_defer(b, addr);
	return *arena_elem(b->pcpu, cpu);
}

/* Up to n blocks (or slab objects) of a class from the core. */
static __always_inline __u64 class_take(buddy_t *b, __u32 cls, __u32 n)
{
	if (class_is_block(cls))
		return core_take(b, class_order(cls), n);
	return core_take_objects(b, cls, n);
}

static __always_inline bool depot_lost_race(void)
{
	return fault_hit(FAULT_DEPOT, READ_ONCE(libarena_faults.depot_every));
}

/* Slot i of class cls's depot row. */
static __always_inline __u64 __arena *depot_slot(buddy_t *b, __u32 cls, __u32 i)
{
	return arena_elem(*arena_elem(b->depot, cls), i);
}

static __always_inline bool depot_put(buddy_t *b, __u32 cls, __u64 head)
{
	__u32 i;

	if (depot_lost_race())
		return false;
	for (i = opaque(0); i < DEPOT_SLOTS && can_loop; i++)
		if (!READ_ONCE(*depot_slot(b, cls, i)) &&
		    cmpxchg(depot_slot(b, cls, i), 0, head) == 0)
			return true;
	return false;
}

/*
 * A batch from the depot, or 0.  A slot's value is the batch itself, so a
 * batch taken, spent and rebuilt at the same address in between is just a
 * valid batch: no ABA hazard.
 */
static __always_inline __u64 depot_take(buddy_t *b, __u32 cls)
{
	__u64 head;
	__u32 i;

	if (depot_lost_race())
		return 0;
	for (i = opaque(0); i < DEPOT_SLOTS && can_loop; i++) {
		head = READ_ONCE(*depot_slot(b, cls, i));
		if (head && cmpxchg(depot_slot(b, cls, i), head, 0) == head)
			return head;
	}
	return 0;
}

static __always_inline void tag_list(buddy_t *b, __u64 head)
{
	__u32 i;

	for (i = opaque(0); head && i < PCPU_SLOTS && can_loop; i++) {
		custody_tag(b, head);
		head = *block_link(head);
	}
}

/* An allocation of size bytes after a miss, while a nested program holds
 * this CPU's cache: counted with atomics (no guard held). */
static __always_inline void count_alloc_nested(pcpu_cache_t *pc, __u32 cls, __u64 size)
{
	atomic_add(&pc->stats.alloc_misses, 1);
	class_count_alloc(&pcpu_class(pc, cls)->stats, size, false);
}

/* Push a list into a class stack (inside the guard); returns what did
 * not fit. */
static __always_inline __u64 push_list(pcpu_cache_t *pc, __u32 cls, __u64 head)
{
	__u64 next;
	__u32 i;

	for (i = opaque(0); head && i < PCPU_SLOTS && can_loop; i++) {
		next = *block_link(head);
		if (!class_push(pcpu_class(pc, cls), head))
			break;
		head = next;
	}
	return head;
}

/* Pop up to n blocks of one class onto the list head (inside the guard). */
static __always_inline __u64 pop_list(pcpu_cache_t *pc, __u32 cls, __u32 n, __u64 head)
{
	__u64 addr;
	__u32 i;

	for (i = opaque(0); i < n && can_loop; i++) {
		addr = pcpu_pop(pc, cls);
		if (!addr)
			break;
		*block_link(addr) = head;
		head = addr;
	}
	return head;
}

/* Park a list of custody blocks (no guard held): the depot, else the buddy. */
static __always_inline void park_list(buddy_t *b, pcpu_cache_t *pc, __u32 cls, __u64 head)
{
	if (!head)
		return;
	if (depot_put(b, cls, head))
		atomic_add(&pc->stats.depot_puts, 1);
	else
		give_or_defer(b, head);
}

/*
 * An empty class: a batch from the depot (lock-free) or the buddy, taken
 * with no guard held.  Returns one block, the allocation of size bytes
 * counted; the rest go into the stack, or back out if a nested program
 * holds the cache now.
 */
static __always_inline __u64 cache_refill(buddy_t *b, pcpu_cache_t *pc, __u32 cls, __u64 size)
{
	__u64 addr, rest, head;
	bool from_depot;

	head = depot_take(b, cls);
	from_depot = head;
	if (!head)
		head = class_take(b, cls, *arena_elem(b->class_cap, cls) / 2 ?: 1);
	if (!head)
		return 0;
	addr = head;
	rest = *block_link(addr);
	tag_list(b, rest);	/* custody, wherever they end up */
	if (pcpu_enter(pc)) {
		pc->stats.refills++;
		pc->stats.depot_hits += from_depot;
		pc->stats.alloc_misses++;
		class_count_alloc(&pcpu_class(pc, cls)->stats, size, true);
		rest = push_list(pc, cls, rest);
		pcpu_exit(pc);
	} else {
		count_alloc_nested(pc, cls, size);
	}
	park_list(b, pc, cls, rest);
	*custody_word(addr) = 0;
	return addr;
}

/* A full class: its top half out, then room for addr.  0 if it went in. */
static __always_inline int cache_flush_push(buddy_t *b, pcpu_cache_t *pc, __u32 cls,
					    __u64 addr)
{
	struct pcpu_class __arena *c = pcpu_class(pc, cls);
	bool pushed;
	__u64 head;

	if (!pcpu_enter(pc))
		return -EAGAIN;
	head = pop_list(pc, cls, c->cap / 2, 0);
	pushed = class_push_free(b, c, addr);
	if (head)
		pc->stats.flushes++;
	pc->stats.free_misses += pushed;
	pcpu_exit(pc);
	park_list(b, pc, cls, head);
	return pushed ? 0 : -EAGAIN;
}

/* Everything one CPU's cache holds, as one list (inside the guard). */
static __always_inline __u64 pcpu_take_all(pcpu_cache_t *pc)
{
	__u64 head = 0;
	__u32 cls;

	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++)
		head = pop_list(pc, cls, PCPU_SLOTS, head);
	return head;
}

/*
 * The instance's caps (the budget may have changed) into this CPU's
 * classes, where the fast free path reads them beside the count.  Any
 * time on this CPU: a nested push reads the old cap or the new, both
 * valid.  Out of line: a leaf, it adds nothing to the deepest chain.
 */
static __noinline void pcpu_load_caps(buddy_t *b, pcpu_cache_t *pc)
{
	__u32 cls;

	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++)
		pcpu_class(pc, cls)->cap = *arena_elem(b->class_cap, cls);
}

/* Empty this CPU's own cache into the buddy: blocks freed, or -errno (the
 * blocks then wait on the deferred list: nothing lost). */
static __always_inline int trim_own(buddy_t *b)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());
	__u64 head;

	if (!pc)
		return 0;
	pcpu_load_caps(b, pc);
	if (!pcpu_enter(pc))
		return 0;	/* a nested call: the request stays */
	WRITE_ONCE(pc->trim_wanted, 0);
	head = pcpu_take_all(pc);
	pc->stats.trims++;
	pcpu_exit(pc);
	return head ? give_or_defer(b, head) : 0;
}

/* For the entry points, which serve another CPU's trim request. */
__noinline int pcpu_trim(buddy_t *b __arg_arena)
{
	return trim_own(b);
}

/*
 * An allocation of size bytes that the fast path could not serve, or a
 * large class (the entry point made sure this CPU has a cache and the
 * class is cached); 0 on failure.  Counted here, per CPU: plainly inside
 * the guard, atomically where a nested program holds it.
 */
__noinline __u64 cache_alloc_slow(buddy_t *b __arg_arena, __u32 cls, __u64 size)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());
	__u64 addr;

	if (!pc || cls >= PCPU_NR_CLASSES)
		return 0;
	if (!pcpu_enter(pc)) {
		atomic_add(&pc->stats.busy, 1);
		addr = class_take(b, cls, 1);	/* nested: go around the cache */
		if (addr)
			count_alloc_nested(pc, cls, size);
		return addr;
	}
	addr = pcpu_pop(pc, cls);	/* a nested refill, or a caller without the inline path */
	if (addr) {
		*custody_word(addr) = 0;
		class_count_alloc(&pcpu_class(pc, cls)->stats, size, true);
	}
	pcpu_exit(pc);
	if (addr)
		return addr;
	return cache_refill(b, pc, cls, size);
}

/* A free the fast path did not take (as for cache_alloc_slow, the entry
 * point checked the cache exists): 0, or -EAGAIN for the plain path. */
__noinline int cache_free_slow(buddy_t *b __arg_arena, __u64 addr, __u32 cls)
{
	pcpu_cache_t *pc = pcpu_of(b, libarena_cpu());
	bool pushed;

	if (!pc || cls >= PCPU_NR_CLASSES)
		return -EAGAIN;
	if (!pcpu_enter(pc)) {
		atomic_add(&pc->stats.busy, 1);
		return -EAGAIN;
	}
	pushed = class_push_free(b, pcpu_class(pc, cls), addr);
	pcpu_exit(pc);
	if (pushed)
		return 0;
	return cache_flush_push(b, pc, cls, addr) ? -EAGAIN : 0;	/* counts the free */
}

/*
 * Give back what this CPU's cache and the depot hold, and each class's
 * empty last slab; ask every CPU to empty its own cache, and take the
 * instance's caps, at its next slow path (only a cache's own CPU may touch
 * it; ours is served here unless a nested call holds it).  Returns the
 * blocks and slabs freed now, or -errno.  Inline in both callers: a call
 * between them would lengthen the chain under it.
 */
static __always_inline int trim_all(buddy_t *b)
{
	__u32 cls, cpu, i;
	pcpu_cache_t *pc;
	int total = 0, n;
	__u64 head;

	for (cpu = opaque(0); cpu < LIBARENA_MAX_CPUS && can_loop; cpu++) {
		pc = pcpu_of(b, cpu);
		if (pc)		/* our own too: trim_own() may find it busy */
			WRITE_ONCE(pc->trim_wanted, 1);
	}
	n = trim_own(b);	/* inline: buddy_shrink() calls buddy_trim() */
	if (n < 0)
		return n;
	total += n;
	for (cls = opaque(0); cls < PCPU_NR_CLASSES && can_loop; cls++) {
		for (i = opaque(0); i < DEPOT_SLOTS && can_loop; i++) {
			head = depot_take(b, cls);
			if (!head)
				break;
			n = give_or_defer(b, head);
			if (n < 0)
				return n;
			total += n;
		}
	}
	n = core_release_spares(b);	/* after the caches' objects are back */
	return n < 0 ? n : total + n;
}

__noinline int buddy_trim(buddy_t *b __arg_arena)
{
	if (!buddy_ready(b))
		return -EINVAL;
	return trim_all(b);
}

__noinline int buddy_set_cache_budget(buddy_t *b __arg_arena, __u64 bytes)
{
	if (!buddy_ready(b))
		return -EINVAL;
	if (!cache_on(b))
		return -EOPNOTSUPP;
	cache_set_caps(b, bytes);
	/* Caches may hold more than the new caps allow: start afresh. */
	return trim_all(b) < 0 ? -EBUSY : 0;
}
