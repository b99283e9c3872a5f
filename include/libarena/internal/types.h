/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libarena data model.
 *
 *   arena   [ globals | window: up to 1024 slices of 1 MiB | slack ]
 *
 * space    One per arena (struct arena_space, an arena global).  At first
 *          init it reserves the window with bpf_arena_reserve_pages() and
 *          then hands out 1 MiB slices lock-free: slices given back are
 *          reused first (a bitmap claimed by compare-and-swap), then a bump
 *          index.  Slices of every allocator instance come from here.
 *
 * chunk    A populated slice, 1 MiB aligned, so a block's chunk is its
 *          address masked.  Its first 16640 bytes (1.6%) are metadata
 *          (no block starts there, none of its granules is ever marked
 *          allocated):
 *              [0, 8K)         4-bit order of every 64 B item
 *              [8K, 16K)       allocated bit of every 16 B granule
 *              [16K, 16K+256)  struct chunk_hdr (freelist heads, counts)
 *          The rest is buddy blocks of 64 B << order.  Every pointer the
 *          allocator hands out is granule (16 B) aligned; a slab object
 *          carries its allocated bit on its first granule.
 *
 * block    A free block keeps its freelist links (item indices, prev/next)
 *          at byte 8, so the first 8 bytes of freed user data survive.  Only
 *          a block's first item has its order, and its first granule its
 *          allocated bit, set.
 *
 * buddy    An allocator instance (buddy_t, lives in the arena).  It owns a
 *          singly linked list of chunks, one lock (a word in the instance,
 *          see src/lock.h), a reserve and its statistics.  Several
 *          instances share one arena and one window.
 *
 * reserve  Free bytes in the instance's chunks.  Allocation and free serve
 *          from the reserve and raise `refill_wanted` when it falls under
 *          the low watermark or runs dry, `shrink_wanted` when entirely
 *          empty chunks hold more than the high one.  buddy_refill()
 *          services both: inline where the program may populate pages
 *          (7.0+), else in the user-space refill thread that the library
 *          wakes (`notify_pending`).  The low watermark rises when the
 *          reserve runs (nearly) dry first.
 *
 * class    Sizes up to 4 KiB in classes 12.5% apart (16 B apart up to
 *          128 B); a class that is a power of two from 64 B up is a buddy
 *          order, the others (16 B and 32 B too) live in slabs: buddy
 *          blocks of 4 .. 64 KiB carved into objects of one class (struct
 *          slab_hdr, below).  Orders from 8 KiB up are classes of their own.
 *
 * cache    Per CPU, per class (16 B .. 512 KiB, all inline): a stack of
 *          block or object addresses
 *          (struct pcpu_class) that only its own CPU touches, with plain
 *          loads and stores, inside a busy flag (see <libarena/internal/cache.h>
 *          for why nesting and preemption cannot break it).  A block in a
 *          cache is allocated as far as the buddy knows; its word at byte 8
 *          holds a tag (address ^ instance key) that exposes a double free.
 *          Half a cache moves at a time, through a lock-free depot of
 *          batches shared by all CPUs, or to the buddy under its lock.
 */
#ifndef __LIBARENA_TYPES_H
#define __LIBARENA_TYPES_H

#include "common.h"

#define BUDDY_MIN_SHIFT		6
#define BUDDY_NR_ORDERS		14
#define BUDDY_MAX_ORDER		(BUDDY_NR_ORDERS - 1)
#define BUDDY_MIN_SIZE		(1ull << BUDDY_MIN_SHIFT)
#define BUDDY_MAX_SIZE		(BUDDY_MIN_SIZE << BUDDY_MAX_ORDER)	/* 512 KiB */
/* Per-order arrays have a slot for every value of an order nibble, so that
 * an index masked with ORDER_SLOT_MASK is in bounds for the verifier. */
#define ORDER_SLOTS		16
#define ORDER_SLOT_MASK		(ORDER_SLOTS - 1)
/* The alignment of every pointer handed out, and of the allocated bits. */
#define GRANULE_SHIFT		4
#define GRANULE_SIZE		(1ull << GRANULE_SHIFT)

#define ARENA_PAGE_SHIFT	12
#define CHUNK_SHIFT		20
#define CHUNK_SIZE		(1ull << CHUNK_SHIFT)
#define CHUNK_MASK		(CHUNK_SIZE - 1)
#define CHUNK_PAGES		(CHUNK_SIZE >> ARENA_PAGE_SHIFT)
#define CHUNK_ITEMS		(CHUNK_SIZE >> BUDDY_MIN_SHIFT)		/* 16384 */
#define CHUNK_GRANULES		(CHUNK_SIZE >> GRANULE_SHIFT)		/* 65536 */

#define CHUNK_ORDERS_OFF	0
#define CHUNK_ALLOCBITS_OFF	(CHUNK_ITEMS / 2)
#define CHUNK_HDR_OFF		(CHUNK_ALLOCBITS_OFF + CHUNK_GRANULES / 8)
#define CHUNK_HDR_SIZE		256u
#define CHUNK_META_SIZE		(CHUNK_HDR_OFF + CHUNK_HDR_SIZE)	/* 16640 */
#define CHUNK_META_ITEMS	(CHUNK_META_SIZE >> BUDDY_MIN_SHIFT)
#define CHUNK_CAPACITY		(CHUNK_SIZE - CHUNK_META_SIZE)

/* "No item": any index past the last item; this one is the canonical. */
#define ITEM_NONE		((__u32)CHUNK_ITEMS)

#define CHUNK_MAGIC		0x6b6e7568636c6c61ull	/* "allchunk" */
#define BUDDY_MAGIC		0x7964647562616c6cull	/* "llabuddy" */

#define SPACE_MAX_SLICES	1024u
#define SPACE_BITMAP_WORDS	(SPACE_MAX_SLICES / 64)
/* Registry slots: the maximum number of allocator instances per arena. */
#define LIBARENA_MAX_INSTANCES	64u
/* Arena bytes kept out of the window at each end (libbpf puts globals there). */
#define SPACE_GUARD		(1ull << 20)
/* Reserve watermarks (free bytes): refill below low, shrink above high. */
#define BUDDY_DEFAULT_RESERVE_LOW	(512ull << 10)
#define BUDDY_DEFAULT_RESERVE_HIGH	(4ull << 20)

struct chunk_hdr {
	__u64 magic;
	__u64 owner;		/* address of the owning struct buddy */
	__u64 next;		/* next chunk of the owner, 0 ends the list */
	__u64 free_bytes;
	__u32 free_head[ORDER_SLOTS];
	__u32 free_mask;	/* bit k: free_head[k] is not empty */
	__u32 nr_allocated;	/* allocated blocks */
	__u64 owner_key;	/* CHUNK_MAGIC ^ the owner's cache_key: the fast
				 * free path's magic and owner test in one */
};

/* Freelist links inside a free block, at byte 8. */
struct free_links {
	__u32 prev;
	__u32 next;
};
#define FREE_LINKS_OFF		8

enum space_state {
	SPACE_UNINIT = 0,
	SPACE_BUSY,
	SPACE_READY,
};

struct arena_space {
	__u64 state;
	__u64 magic;		/* SPACE_MAGIC once set up */
	__u64 base;		/* address of slice 0 */
	__u32 nr_slices;
	__u32 bump;		/* slices never handed out start here */
	__u32 next_slot;	/* instance registry: next free slot */
	__u32 populated_chunks;
	__u64 returned[SPACE_BITMAP_WORDS];	/* given back, still reserved */
	__u64 populated[SPACE_BITMAP_WORDS];	/* backed by pages now */
	__u64 instances[LIBARENA_MAX_INSTANCES];	/* by registry slot, for tools */
	__u64 shadow_base;	/* debug builds: 1 byte per 8 of the window */
};

#define SPACE_MAGIC		0x6563617073616c6cull	/* "llaspace" */
#define LIBARENA_INFO_VERSION	1

/*
 * The value of the one-entry array map `libarena_info`: how tools such as
 * arenactl find the allocator inside an arena they were handed.
 */
struct libarena_info {
	__u64 magic;		/* SPACE_MAGIC */
	__u32 version;		/* LIBARENA_INFO_VERSION */
	__u32 arena_map_id;	/* the arena this describes */
	__u64 space;		/* address of struct arena_space in the arena */
	__u64 default_instance;	/* address of `libarena_heap` */
	__u64 arena_start;	/* where the arena is mapped: every mapping must be */
};

/*
 * Fault injection, for tests (the arena global libarena_faults): a nonzero
 * `every` makes every Nth call of that kind fail as the real failure would.
 * Checked on slow paths only.
 */
struct libarena_faults {
	__u32 populate_every;	/* bpf_arena_alloc_pages() returns NULL */
	__u32 lock_every;	/* the lock times out (-ETIMEDOUT) */
	__u32 depot_every;	/* a depot CAS loses its race */
	__u32 pad;
	__u64 calls[3];
	__u64 injected[3];	/* populate, lock, depot */
};

enum libarena_fault { FAULT_POPULATE, FAULT_LOCK, FAULT_DEPOT };

/* The argument of the SEC("syscall") program arena_alloc_reserve (the
 * name upstream libarena uses), which grows the default instance's reserve
 * by nr_pages pages now. */
struct arena_alloc_reserve_args {
	__u64 nr_pages;
};

/* The argument of arena_set_reserve: the default instance's watermarks. */
struct arena_set_reserve_args {
	__u64 low;
	__u64 high;
};

/* Why buddy_free() rejected a pointer; indexes buddy_stats.rejected[]. */
enum buddy_reject {
	BUDDY_REJECT_OUTSIDE,		/* -EFAULT: not in a populated slice */
	BUDDY_REJECT_MISALIGNED,	/* -EINVAL: not granule (16 B) aligned */
	BUDDY_REJECT_FOREIGN,		/* -EXDEV: another instance's chunk */
	BUDDY_REJECT_INTERIOR,		/* -EADDRNOTAVAIL: no block starts here */
	BUDDY_REJECT_NOT_ALLOCATED,	/* -EALREADY: double free */
	BUDDY_REJECT_LOCK,		/* -EDEADLK/-ETIMEDOUT: lock failed */
	BUDDY_NR_REJECTS,
};

/*
 * Size classes.  Up to 128 B every 16 B; above, eight per doubling (144,
 * 160, .. 256, 288, .. 4096), so an object wastes at most 12.5% of its
 * size past 128 B.  A class that is a power of two is a buddy order and
 * its objects are buddy blocks; the others are carved from slabs.  Classes
 * 0..47 cover 16 B .. 4 KiB; each larger order (8 KiB .. 512 KiB) is a
 * class of its own for the caches: 48..54.
 */
#define NR_SMALL_CLASSES	48
#define NR_LARGE_CLASSES	(BUDDY_NR_ORDERS - LARGE_MIN_ORDER)	/* orders 7 .. 13 */
#define NR_CLASSES		(NR_SMALL_CLASSES + NR_LARGE_CLASSES)
#define SMALL_MAX_SIZE		4096
#define SMALL_MAX_ORDER		(12 - BUDDY_MIN_SHIFT)	/* 4 KiB */
#define LARGE_MIN_ORDER		(SMALL_MAX_ORDER + 1)

#define BUDDY_STATS_VERSION	5

/* Allocations of one size class, the bytes they asked for and the frees
 * of the class: what callers were handed is allocs times the class size,
 * what they still hold (allocs - frees) times it. */
struct class_stats {
	__u64 allocs;
	__u64 requested;
	__u64 frees;
};

/*
 * Per-instance statistics.  seq is odd while the lock holder updates the
 * fields it guards (bytes, chunks, locks): a reader copies the struct
 * between two equal, even reads of seq.  Counters bumped outside the lock
 * (frees, failures, rejections) are single atomic words.
 */
struct buddy_stats {
	__u32 version;		/* BUDDY_STATS_VERSION */
	__u32 seq;
	__u64 bytes_in_use;	/* usable bytes of allocated blocks, cached ones too */
	__u64 peak_bytes;
	__u64 chunks;		/* chunks owned now */
	__u64 chunks_populated;	/* ever populated by this instance */
	__u64 chunks_returned;	/* given back to the kernel */
	__u64 frees;
	__u64 failed_allocs;	/* NULL returns for any reason */
	__u64 bad_sizes;	/* of which: size 0 or > 512 KiB */
	__u64 lock_acquisitions;
	__u64 lock_failures;	/* timeouts + deadlocks */
	__u64 lock_timeouts;	/* -ETIMEDOUT */
	__u64 lock_deadlocks;	/* -EDEADLK: same CPU, nested */
	__u64 deferred_frees;	/* frees queued until the lock could be taken */
	__u64 cache_meta_bytes;	/* blocks holding per-CPU caches */
	__u64 rejected[BUDDY_NR_REJECTS];
	__u64 reserve_dry;	/* allocations that found no block: refill asked */
	__u64 refill_requests;	/* times the reserve asked to be refilled */
	__u64 refills;		/* services that grew the instance */
	__u64 shrinks;		/* services that returned chunks */
	__u64 refill_kicks;	/* refill work items queued (bpf_wq) */
	__u64 refill_notifies;	/* user-space refill thread woken */
	__u64 reserve_raises;	/* low watermark raised after running dry */
	__u64 slabs_created;	/* blocks carved into objects of a class */
	__u64 slabs_released;	/* emptied slabs given back to the buddy */
	__u64 slab_bytes;	/* of bytes_in_use: in slabs now (lock held) */
	struct class_stats classes[NR_CLASSES];	/* what the buddy served, by
						 * class (cache hits: struct
						 * pcpu_class) */
};

/* Free bytes in an instance's chunks, what allocations are served from
 * (blocks held by the per-CPU caches count as used). */
static __always_inline __u64 buddy_stats_free_bytes(const struct buddy_stats __arena *st)
{
	return st->chunks * CHUNK_CAPACITY - st->bytes_in_use;
}

/*
 * Every allocation and free is counted through these, in a class's
 * statistics (an instance's, under its lock, or a CPU cache's, under its
 * guard): plainly where the counters' owner is held, else atomically.
 */
static __always_inline void stat_add(__u64 __arena *word, __u64 v, bool held)
{
	if (held)
		*word += v;
	else
		__sync_fetch_and_add(word, v);
}

static __always_inline void class_count_alloc(struct class_stats __arena *st, __u64 size,
					      bool held)
{
	stat_add(&st->allocs, 1, held);
	stat_add(&st->requested, size, held);
}

static __always_inline void class_count_free(struct class_stats __arena *st, bool held)
{
	stat_add(&st->frees, 1, held);
}

/* What the consistency walk found first; see buddy_check(). */
enum buddy_check_err {
	BUDDY_CHECK_OK = 0,
	BUDDY_CHECK_BAD_CHUNK,		/* magic/owner/list wrong */
	BUDDY_CHECK_BAD_BLOCK,		/* order/alignment of a block */
	BUDDY_CHECK_UNMERGED,		/* two free buddies of one order */
	BUDDY_CHECK_FREELIST,		/* link, order or count mismatch */
	BUDDY_CHECK_COUNTS,		/* allocated/free totals disagree */
	BUDDY_CHECK_STATS,		/* instance statistics disagree */
	BUDDY_CHECK_INCOMPLETE,		/* loop budget ran out */
	BUDDY_CHECK_SLAB,		/* slab header, free list or counts */
};

struct buddy_check_report {
	__u32 err;		/* enum buddy_check_err */
	__u32 item;
	__u64 chunk;
	__u64 expected;
	__u64 found;
};

enum buddy_state {
	BUDDY_UNINIT = 0,
	BUDDY_BUSY,		/* being initialised (default instance) */
	BUDDY_READY,
	BUDDY_DEAD,		/* destroyed */
};

#define BUDDY_NO_PCPU_CACHE	(1ull << 0)
#define BUDDY_KNOWN_FLAGS	(BUDDY_NO_PCPU_CACHE)

/*
 * Slab: a buddy block of 4 .. 64 KiB (aligned to its size, as every block
 * is), carved into objects of one class after a 32-byte header.  A class's
 * first slab is the smallest that holds SLAB_MIN_OBJS objects; each further
 * live slab of the class is twice its predecessor, up to the order whose
 * header and tail waste at most 1/128 of it (or least), so a class that
 * is busy costs little and one that is not holds little.  To the buddy a
 * slab is one allocated block.  An object's first granule carries the
 * allocated bit as a block's does.  The first item
 * of each of the slab's pages carries the slab's order, so that the slab
 * around any address is one nibble away (the buddy reads order nibbles of
 * block heads only).  The header's magic mixes in the slab's address and
 * order: a stale nibble cannot point at a live header by accident.
 */
#define SLAB_MIN_ORDER		(12 - BUDDY_MIN_SHIFT)	/* 4 KiB */
#define SLAB_MAX_ORDER		(16 - BUDDY_MIN_SHIFT)	/* 64 KiB */
#define SLAB_LEAN_WASTE		128	/* a slab may waste 1/128 of itself */
#define SLAB_MIN_OBJS		8	/* more per slab cuts header and tail waste,
					 * but a heap of many classes then needs more
					 * before its first refill */
#define SLAB_HDR_SIZE		32u	/* every byte counts: 32 B more and an 8 KiB
					 * slab of 80 B objects holds 101, not 102 */
#define SLAB_MAGIC		0x736c6162u	/* "bals" */
#define SLAB_NONE		0xffffu

/* A slab is on its class's partial list while it has room: nr_free, or
 * nr_carved < nr_objs. */
struct slab_hdr {
	__u64 next;		/* partial slabs of the class (struct buddy slabs[]) */
	__u64 prev;
	__u32 magic;		/* slab_magic(); 0 once released */
	__u8 cls;
	__u8 order;		/* the slab's buddy order */
	__u16 size;		/* object size */
	__u16 nr_objs;		/* objects that fit: <= 4094 */
	__u16 nr_carved;	/* objects handed out at least once: [0, nr_carved) */
	__u16 nr_free;		/* of those, on the free list */
	__u16 free_head;	/* index of the first free object, or SLAB_NONE */
};

/*
 * Per-CPU caches: a stack per class, every class (16 B .. 512 KiB) served
 * by the inline fast path; its misses go to the slow path, which moves
 * half a cache at a time.  Budget per CPU, in bytes:
 * half of it split evenly over the small classes (one whose share is
 * under two blocks is not cached), half over the large ones; a large class
 * whose share is less than a block still keeps one if the block is at most
 * a quarter of the budget.  At the default (2 MiB) that is 8 KiB x 18 ..
 * 64 KiB x 2, one each of 128 .. 512 KiB: at most 2.2 MiB cached per CPU.
 */
#define PCPU_NR_CLASSES		NR_CLASSES
#define PCPU_MAX_SIZE		BUDDY_MAX_SIZE
#define PCPU_SLOTS		64
#define PCPU_CACHE_ORDER	(15 - BUDDY_MIN_SHIFT)	/* its block: 32 KiB */
#define CUSTODY_TAG_OFF		8	/* where a block in custody keeps its tag */
#define PCPU_DEFAULT_BUDGET	(2u << 20)	/* cached bytes per CPU */
#define DEPOT_SLOTS		16	/* batches per class */
#define LIBARENA_MAX_CPUS	512	/* higher CPU ids use the buddy directly */

struct pcpu_class {
	__u32 count;		/* blocks in slots[0..count) */
	__u32 cap;		/* slots this CPU fills: the instance's class_cap
				 * when the cache was created or last trimmed */
	struct class_stats stats;	/* allocations this CPU's cache
					 * served, frees it took, ever */
	__u64 slots[PCPU_SLOTS];
};

struct pcpu_stats {
	__u64 alloc_misses;	/* of pcpu_class.stats.allocs: after a refill */
	__u64 free_misses;	/* of pcpu_class.stats.frees: after a flush */
	__u64 refills;		/* batches moved in */
	__u64 depot_hits;	/* of which from the depot, without the lock */
	__u64 flushes;		/* batches moved out */
	__u64 depot_puts;	/* of which to the depot, without the lock */
	__u64 lock_acquisitions;	/* by this CPU */
	__u64 busy;		/* entries that found the cache in use: a nested
				 * program, which went around it */
	__u64 nested;		/* slow paths that found this CPU holding the lock */
	__u64 trims;		/* trim requests this CPU served */
	__u64 null_returns;	/* allocations that failed on this CPU */
};

/* Only its own CPU touches a cache, and only while `busy` is set. */
struct pcpu_cache {
	__u32 busy;		/* set while this CPU works on the stacks */
	__u32 trim_wanted;	/* a trim was asked for (caps changed, or a new cache) */
	struct pcpu_class cls[PCPU_NR_CLASSES];
	struct pcpu_stats stats;
};

/*
 * Laid out by who writes what: fields every call reads first, then the
 * lock alone on its cache line (waiters spin reading it; anything the
 * holder wrote beside it would bounce between CPUs), then what the holder
 * changes.
 */
struct buddy {
	__u64 magic;
	__u64 state;
	__u64 flags;
	__u64 cache_key;	/* tag = block address ^ cache_key */
	__u64 cache_budget;	/* bytes per CPU */
	__u32 slot;		/* registry slot + 1, 0 = not assigned yet */
	__u32 nr_pcpu;		/* per-CPU caches created */
	__u32 class_cap[PCPU_NR_CLASSES];	/* slots per class, from the budget */
	__u32 lock __attribute__((aligned(64)));	/* holder's id, 0 when free */
	__u32 lock_pad[15];
	__u64 chunks;		/* first chunk, 0 when none */
	__u32 nr_empty;		/* entirely free chunks on the list */
	__u32 refill_wanted;	/* set by alloc, cleared by buddy_refill() */
	__u32 shrink_wanted;	/* set by free, cleared by buddy_refill() */
	__u32 notify_pending;	/* user space was woken for a request */
	__u64 deferred;		/* frees waiting for the lock, linked at byte 0 */
	__u32 wq_pending;	/* a refill work item is queued (wq.bpf.c) */
	__u32 reserve_fixed;	/* watermarks set by the user: not adapted */
	__u64 hint[ORDER_SLOTS];	/* a chunk that had a free block of this
					 * order or more, 0 = none known */
	__u64 reserve_low;	/* free bytes: under this, ask for a refill */
	__u64 reserve_high;	/* free bytes: over this, empty chunks go back */
	struct buddy_stats stats;
	struct buddy_check_report check;
	__u64 slabs[NR_SMALL_CLASSES];	/* first partial slab, 0 = none */
	__u32 nr_slabs[NR_SMALL_CLASSES];	/* live slabs of each class */
	__u8 slab_next[NR_SMALL_CLASSES];	/* the order of each class's next slab */
	__u64 depot[PCPU_NR_CLASSES][DEPOT_SLOTS];	/* batch heads, 0 = empty */
	__u64 pcpu[LIBARENA_MAX_CPUS];	/* struct pcpu_cache per CPU, 0 = none */
};

#endif /* __LIBARENA_TYPES_H */
