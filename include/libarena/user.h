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

struct libarena_stats {
	struct buddy_stats buddy;	/* consistent copy (seqcount) */
	struct buddy_totals totals;	/* cache hits included, summed over CPUs */
	__u32 state;			/* enum buddy_state */
	__u64 flags;
	__u64 reserve_low;		/* watermarks, free bytes */
	__u64 reserve_high;
	__u32 refill_wanted;		/* 1: under low, 2: a request found no block */
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

/* The instance's chunks (up to max, in list order); returns how many. */
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
 * and grows or shrinks every instance that asked (programs that are not
 * sleepable cannot populate pages themselves).  Call it once after load
 * and then whenever convenient (a timer, a loop, after a NULL).  Returns
 * the number of chunks populated or released, or -errno.
 */
struct bpf_object;
int libarena__refill(struct bpf_object *obj);
int libarena__refill_fd(int prog_fd);	/* the program's fd */

#endif /* __LIBARENA_USER_H */
