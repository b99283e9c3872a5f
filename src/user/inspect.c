// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reading a live allocator from user space: instances, statistics under
 * their seqcount, chunks, occupancy, and the heap walk of walk.h.  Every
 * read of heap memory runs guarded: a chunk released while we read it
 * faults (its pages are reserved again), which we turn into -EAGAIN.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include "internal.h"
#include "walk.h"

#define READ_RETRIES	1000

static __thread sigjmp_buf *guard_jmp;

static void guard_handler(int sig)
{
	if (guard_jmp)
		siglongjmp(*guard_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* fn(la, arg) with faults on heap memory turned into -EAGAIN. */
static int guarded(int (*fn)(struct libarena *, void *), struct libarena *la, void *arg)
{
	struct sigaction sa = { .sa_handler = guard_handler }, old_segv, old_bus;
	sigjmp_buf jb;
	volatile int ret;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(jb, 1)) {
		ret = -EAGAIN;
	} else {
		guard_jmp = &jb;
		ret = fn(la, arg);
	}
	guard_jmp = NULL;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return ret;
}

/* guarded() again while the heap changes under the read, up to a bound. */
static int guarded_retry(int (*fn)(struct libarena *, void *), struct libarena *la,
			 void *arg)
{
	int ret = -EAGAIN, i;

	for (i = 0; i < READ_RETRIES && ret == -EAGAIN; i++) {
		ret = guarded(fn, la, arg);
		if (ret == -EAGAIN)
			sched_yield();
	}
	return ret;
}

static struct arena_space *space_of(struct libarena *la)
{
	return (struct arena_space *)la->space;
}

/* May we read `bytes` at addr?  The window only where populated. */
static bool readable(struct libarena *la, __u64 addr, __u64 bytes)
{
	const struct arena_space *s = la->space;
	__u64 window_end = s->base + ((__u64)s->nr_slices << CHUNK_SHIFT);

	if (addr < la->base || addr + bytes > la->base + la->size)
		return false;
	if (addr + bytes <= s->base || addr >= window_end)
		return true;	/* outside the window: arena globals */
	return chunk_of(addr) == chunk_of(addr + bytes - 1) &&
	       space_has_chunk(space_of(la), chunk_of(addr));
}

/* The instance at addr; LIBARENA_DEFAULT_INSTANCE (0) is the default one. */
static struct buddy *instance_at(struct libarena *la, __u64 addr)
{
	struct buddy *b;

	if (addr == LIBARENA_DEFAULT_INSTANCE)
		addr = la->info.default_instance;
	b = (struct buddy *)(unsigned long)addr;
	if (!addr || !readable(la, addr, sizeof(*b)) || b->magic != BUDDY_MAGIC)
		return NULL;
	return b;
}

int libarena__space(struct libarena *la, struct arena_space *out)
{
	memcpy(out, la->space, sizeof(*out));
	return 0;
}

int libarena__instances(struct libarena *la, __u64 *addrs, int max)
{
	__u64 def = la->info.default_instance, a;
	int n = 0, i;

	if (n < max && instance_at(la, def))
		addrs[n++] = def;
	for (i = 0; i < LIBARENA_MAX_INSTANCES && n < max; i++) {
		a = READ_ONCE(la->space->instances[i]);
		if (a && a != def && instance_at(la, a))
			addrs[n++] = a;
	}
	return n;
}

/* Copy b's statistics between two equal, even reads of their seqcount. */
static int copy_stats(const struct buddy *b, struct buddy_stats *out)
{
	__u32 seq;
	int i;

	for (i = 0; i < READ_RETRIES; i++) {
		seq = READ_ONCE(b->stats.seq);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		memcpy(out, &b->stats, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (READ_ONCE(b->stats.seq) == seq)
			return 0;
	}
	return -EAGAIN;
}

struct stats_req {
	__u64 instance;
	struct libarena_stats *out;
};

/* Under guard: a cache block released mid-read faults into -EAGAIN. */
static int stats_read(struct libarena *la, void *arg)
{
	struct stats_req *req = arg;
	struct libarena_stats *st = req->out;
	const struct buddy *b = instance_at(la, req->instance);
	int err;

	if (!b)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	err = copy_stats(b, &st->buddy);
	if (err)
		return err;
	st->state = b->state;
	st->flags = b->flags;
	st->reserve_low = b->reserve_low;
	st->reserve_high = b->reserve_high;
	st->refill_wanted = b->refill_wanted;
	st->shrink_wanted = b->shrink_wanted;
	/* "Under the low watermark" is stale once frees brought it back. */
	if (st->refill_wanted == 1 && buddy_stats_free_bytes(&st->buddy) >= st->reserve_low)
		st->refill_wanted = 0;
	buddy_read_totals(b, &st->totals);
	return 0;
}

int libarena__stats(struct libarena *la, __u64 instance, struct libarena_stats *out)
{
	struct stats_req req = { instance, out };
	int err = guarded_retry(stats_read, la, &req);

	if (err)
		return libarena_err(err, "reading the statistics of instance %#llx",
				    (unsigned long long)instance);
	return 0;
}

struct chunks_req {
	__u64 instance;
	struct libarena_chunk *out;
	int max;
};

static __u32 freelist_length(__u64 chunk, __u32 order)
{
	__u32 item = chunk_hdr(chunk)->free_head[order], n = 0;

	while (item_valid(item) && n < CHUNK_ITEMS) {
		n++;
		item = free_links(chunk, item)->next;
	}
	return n;
}

/* The live objects of the slab at item, if the allocated block there is
 * one: how many, and their size. */
static bool slab_live(__u64 chunk, __u32 item, __u32 order, __u32 *live, __u32 *size)
{
	slab_t *h = slab_hdr(item_addr(chunk, item));

	if (!item_allocated(chunk, item) || !walk_is_slab(chunk, item, order))
		return false;
	*live = h->nr_carved - h->nr_free;
	*size = h->size;
	return true;
}

/* A chunk's slabs and their live objects. */
static void count_slabs(__u64 chunk, struct libarena_chunk *c)
{
	__u32 item = CHUNK_META_ITEMS, order, live, size, steps;

	for (steps = 0; item < CHUNK_ITEMS && steps < CHUNK_ITEMS; steps++) {
		order = item_order(chunk, item);
		if (slab_live(chunk, item, order, &live, &size)) {
			c->nr_slabs++;
			c->slab_objects += live;
			c->slab_bytes += order_size(order);
			c->slab_object_bytes += (__u64)live * size;
		}
		item += 1u << order;
	}
}

static int chunks_read(struct libarena *la, void *arg)
{
	struct chunks_req *req = arg;
	const struct buddy *b = instance_at(la, req->instance);
	__u64 chunk;
	__u32 order;
	int n = 0;

	if (!b)
		return -ENOENT;
	for (chunk = READ_ONCE(b->chunks); chunk && n < SPACE_MAX_SLICES;
	     chunk = chunk_hdr(chunk)->next, n++) {
		struct libarena_chunk *c = &req->out[n];

		if (!space_has_chunk(space_of(la), chunk))
			return -EAGAIN;		/* released under us */
		if (n >= req->max)
			continue;		/* count only */
		*c = (struct libarena_chunk){ .addr = chunk };
		c->free_bytes = chunk_hdr(chunk)->free_bytes;
		c->nr_allocated = chunk_hdr(chunk)->nr_allocated;
		for (order = 0; order < BUDDY_NR_ORDERS; order++)
			c->free_blocks[order] = freelist_length(chunk, order);
		count_slabs(chunk, c);
	}
	return n;
}

int libarena__chunks(struct libarena *la, __u64 instance, struct libarena_chunk *out,
		     int max)
{
	struct chunks_req req = { instance, out, max };
	int n = guarded_retry(chunks_read, la, &req);

	if (n < 0)
		return libarena_err(n, "listing the chunks of instance %#llx",
				    (unsigned long long)instance);
	return n;
}

struct map_req {
	__u64 chunk;
	__u8 *cells;
	int n;
};

/* Spread the bytes [from, to) of a chunk over the cells they cover. */
static void mark(__u64 *used, int n, __u64 from, __u64 to)
{
	__u64 cell = CHUNK_SIZE / n, c, lo, hi;

	for (c = from / cell; c < (__u64)n && c * cell < to; c++) {
		lo = from > c * cell ? from : c * cell;
		hi = to < (c + 1) * cell ? to : (c + 1) * cell;
		used[c] += hi - lo;
	}
}

static int map_read(struct libarena *la, void *arg)
{
	struct map_req *req = arg;
	__u64 used[256] = {}, chunk = req->chunk;
	__u32 item = CHUNK_META_ITEMS, order, live, size;
	__u64 from, bytes;
	int i, steps;

	if (!space_has_chunk(space_of(la), chunk))
		return -ENOENT;
	mark(used, req->n, 0, CHUNK_META_SIZE);
	for (steps = 0; item < CHUNK_ITEMS && steps < (int)CHUNK_ITEMS; steps++) {
		order = item_order(chunk, item);
		from = (__u64)item << BUDDY_MIN_SHIFT;
		bytes = order_size(order);
		/* A slab by its fill: header and live objects, from its start. */
		if (slab_live(chunk, item, order, &live, &size))
			bytes = SLAB_HDR_SIZE + (__u64)live * size;
		if (item_allocated(chunk, item))
			mark(used, req->n, from, from + bytes);
		item += 1u << order;
	}
	for (i = 0; i < req->n; i++)
		req->cells[i] = used[i] * 255 / (CHUNK_SIZE / req->n);
	return 0;
}

int libarena__chunk_map(struct libarena *la, __u64 chunk, __u8 *cells, int n)
{
	struct map_req req = { chunk, cells, n };
	int err;

	if (n < 1 || n > 256 || CHUNK_SIZE % n)
		return libarena_err(-EINVAL, "chunk map of %d cells (1..256, dividing 1 MiB)", n);
	err = guarded(map_read, la, &req);
	if (err)
		return libarena_err(err, "mapping chunk %#llx", (unsigned long long)chunk);
	return 0;
}

struct check_req {
	__u64 instance;
	struct buddy_check_report *rep;
};

static int check_read(struct libarena *la, void *arg)
{
	struct check_req *req = arg;
	struct buddy *b = instance_at(la, req->instance);
	__u32 seq;
	int err;

	if (!b)
		return -ENOENT;
	if (b->state != BUDDY_READY)
		return -ENOENT;
	seq = READ_ONCE(b->stats.seq);
	if (seq & 1)
		return -EAGAIN;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memset(req->rep, 0, sizeof(*req->rep));
	err = walk_instance(b, space_of(la), req->rep);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* Nothing the walk looks at changes without moving seq. */
	return READ_ONCE(b->stats.seq) == seq ? err : -EAGAIN;
}

int libarena__check(struct libarena *la, __u64 instance, struct buddy_check_report *rep)
{
	struct check_req req = { instance, rep };
	int err = guarded_retry(check_read, la, &req);

	if (err && err != -EUCLEAN)
		return libarena_err(err, "walking instance %#llx", (unsigned long long)instance);
	return err;
}

const char *libarena__check_err_str(__u32 err)
{
	return buddy_check_err_str(err);
}
