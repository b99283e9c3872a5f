/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user-space half of libarena: open an arena that a BPF program using
 * libarena lives in (by map fd, pinned path or map id), and read its
 * allocator from outside: instances, statistics, chunks, freelists, the
 * heap walk.  Functions return 0 or a negative errno and print libbpf-style
 * messages ("libarena: <what>: <errno text>") on stderr.
 *
 * Only pages the allocator populated are read: in the allocator's window a
 * page that is not populated would fault (it is reserved), elsewhere in the
 * arena touching a page from user space would allocate it.
 *
 * Reads race with the programs that use the heap.  Statistics are copied
 * under their seqcount; walks retry while the heap changes and give up
 * with -EAGAIN; a chunk freed under a walk is caught and retried.
 */
#ifndef __LIBARENA_USER_H
#define __LIBARENA_USER_H

#include <stdbool.h>
#include <stddef.h>
#include "stats.h"

struct libarena;

/*
 * Can this kernel run libarena?  0, or -EOPNOTSUPP (or the arena map's
 * -errno) after printing what is missing and from which Linux version it
 * exists.  Call it before loading a program linked with the library: a
 * kernel too old otherwise shows only as a verifier log.
 */
int libarena__check_kernel(void);

int libarena__open(int arena_map_fd, struct libarena **out);
int libarena__open_pinned(const char *path, struct libarena **out);
int libarena__open_id(__u32 arena_map_id, struct libarena **out);
void libarena__close(struct libarena *la);

/* The arena-wide state (a private snapshot, refreshed on each call). */
int libarena__space(struct libarena *la, struct arena_space *out);

/* Addresses of the allocator instances ever initialised (up to max);
 * returns how many.  The default instance (arena_malloc) comes first. */
int libarena__instances(struct libarena *la, __u64 *addrs, int max);

/* The instance argument of the calls below: an address from
 * libarena__instances(), or this for the default one (arena_malloc's). */
#define LIBARENA_DEFAULT_INSTANCE	0

struct libarena_stats {
	struct buddy_stats buddy;	/* consistent copy (seqcount) */
	struct buddy_totals totals;	/* cache hits included, summed over CPUs */
	__u32 state;			/* enum buddy_state */
	__u64 flags;
	__u64 reserve_low;		/* watermarks, free bytes */
	__u64 reserve_high;
	__u32 refill_wanted;		/* 1: under low (now), 2: a request found no block */
	__u32 shrink_wanted;
};

int libarena__stats(struct libarena *la, __u64 instance, struct libarena_stats *out);

struct libarena_chunk {
	__u64 addr;
	__u64 free_bytes;
	__u32 nr_allocated;			/* blocks, a slab counting one */
	__u32 free_blocks[BUDDY_NR_ORDERS];	/* freelist lengths */
	__u32 nr_slabs;
	__u32 slab_objects;			/* live objects in those slabs */
	__u64 slab_bytes;			/* bytes of those slabs */
	__u64 slab_object_bytes;		/* bytes of their live objects */
};

/* The instance's chunks (up to max, in list order); returns how many it
 * has, which may exceed max. */
int libarena__chunks(struct libarena *la, __u64 instance,
		     struct libarena_chunk *out, int max);

/* One chunk's occupancy in `cells` equal parts: for each, the fraction
 * (0..255) of its bytes in allocated blocks or metadata; a slab counts
 * its header and live objects only. */
int libarena__chunk_map(struct libarena *la, __u64 chunk, __u8 *cells, int n);

/* The heap walk: 0, -EUCLEAN with *rep filled, or -EAGAIN if the heap
 * kept changing. */
int libarena__check(struct libarena *la, __u64 instance,
		    struct buddy_check_report *rep);

const char *libarena__check_err_str(__u32 err);

/*
 * Service the reserve: run the library's arena_buddy_refill program in
 * the loaded object obj, which initialises the default instance if needed
 * and grows or shrinks every instance that asked.  The refill thread below
 * runs it whenever the BPF side asks; call it yourself to serve the
 * reserve at a moment you choose.  Returns the number of chunks populated
 * or released, or -errno.
 */
struct bpf_object;
int libarena__refill(struct bpf_object *obj);
int libarena__refill_fd(int prog_fd);	/* the program's fd */

/*
 * Give every CPU's cached blocks back to their instances (arena_trim() in
 * a program reaches only its own CPU at once): runs the library's
 * arena_buddy_trim on each online CPU in turn, from a thread of its own.
 * Returns the number of blocks given back, or -errno.
 */
int libarena__trim(struct bpf_object *obj);

/*
 * Set the default instance's reserve watermarks (free bytes: refill under
 * low, give empty chunks back over high; defaults 512 KiB and 4 MiB; a
 * reserve found dry doubles low by itself, up to 32 MiB) and apply them
 * now.  0, -ERANGE (low > high, or high past the 1 GiB window), or -errno.
 */
int libarena__set_reserve(struct bpf_object *obj, __u64 low, __u64 high);

/*
 * The refill thread, for kernels where programs cannot populate arena
 * pages themselves (before Linux 7.0, every program that is not
 * sleepable).  libarena__start_refill() serves the reserve once (so the
 * heap is ready when it returns), then starts a thread that sleeps until
 * the library's BPF side reports a request (a ring buffer record, sent
 * when the reserve falls under its low watermark) and serves it at once.
 * Harmless where programs grow inline: it is then never woken.
 */
struct libarena_refiller;
struct libarena_refill_stats {
	__u64 wakeups;		/* times the thread woke for requests */
	__u64 requests;		/* ring buffer records read */
	__u64 services;		/* arena_buddy_refill runs, the first included */
	__u64 chunks;		/* chunks those populated or released */
	__u64 errors;		/* runs that failed (printed) */
};
int libarena__start_refill(struct bpf_object *obj, struct libarena_refiller **out);
void libarena__refill_stats(const struct libarena_refiller *r,
			    struct libarena_refill_stats *out);
void libarena__stop_refill(struct libarena_refiller *r);

#endif /* __LIBARENA_USER_H */
