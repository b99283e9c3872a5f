// SPDX-License-Identifier: BSD-2-Clause
/*
 * The user-space refill thread.  A program that may not populate arena
 * pages (before Linux 7.0: every program that is not sleepable) raises a
 * request when the reserve falls under its low watermark, and the library
 * writes one record to the ring buffer libarena_events.  This thread
 * sleeps in epoll until such a record (or the stop eventfd) arrives, then
 * runs arena_buddy_refill, which serves every instance.  No polling
 * interval: the wake-up is the request.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <bpf/libbpf.h>
#include "internal.h"

struct libarena_refiller {
	pthread_t thread;
	int prog_fd;
	int epoll_fd;
	int stop_fd;			/* eventfd: stop the thread */
	struct ring_buffer *rb;
	struct libarena_refill_stats stats;
};

static int count_record(void *ctx, void *data, size_t size)
{
	struct libarena_refiller *r = ctx;

	__atomic_add_fetch(&r->stats.requests, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Serve every instance once; counted. */
static void refiller_serve(struct libarena_refiller *r)
{
	int moved = libarena__refill_fd(r->prog_fd);

	__atomic_add_fetch(&r->stats.services, 1, __ATOMIC_RELAXED);
	if (moved < 0)
		__atomic_add_fetch(&r->stats.errors, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&r->stats.chunks, moved, __ATOMIC_RELAXED);
}

static void *refiller_main(void *arg)
{
	struct libarena_refiller *r = arg;
	struct epoll_event ev[2];
	int n, i;

	for (;;) {
		n = epoll_wait(r->epoll_fd, ev, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (i = 0; i < n; i++)
			if (ev[i].data.fd == r->stop_fd)
				return NULL;
		__atomic_add_fetch(&r->stats.wakeups, 1, __ATOMIC_RELAXED);
		ring_buffer__consume(r->rb);
		refiller_serve(r);
	}
}

static int epoll_add(int epoll_fd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void refiller_free(struct libarena_refiller *r)
{
	ring_buffer__free(r->rb);
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	free(r);
}

/* The loaded object's refill program and event ring, in r. */
static int refiller_find(struct libarena_refiller *r, struct bpf_object *obj)
{
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "libarena_events");
	int fd;

	r->prog_fd = libarena_prog_fd(obj, "arena_buddy_refill");
	if (r->prog_fd < 0)
		return r->prog_fd;
	fd = events ? bpf_map__fd(events) : -1;
	if (fd < 0)
		return libarena_err(-ENOENT, "no loaded libarena_events ring buffer in %s "
				    "(link the object with this version's libarena.bpf.o)",
				    bpf_object__name(obj));
	r->rb = ring_buffer__new(fd, count_record, r, NULL);
	if (!r->rb)
		return libarena_err(-errno, "opening the libarena_events ring buffer");
	return 0;
}

int libarena__start_refill(struct bpf_object *obj, struct libarena_refiller **out)
{
	struct libarena_refiller *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return libarena_err(-ENOMEM, "allocating the refill thread's state");
	r->epoll_fd = r->stop_fd = -1;
	err = refiller_find(r, obj);
	/* errno read right after the call that failed */
	if (!err && ((r->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
		     (r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
		     epoll_add(r->epoll_fd, ring_buffer__epoll_fd(r->rb)) ||
		     epoll_add(r->epoll_fd, r->stop_fd)))
		err = libarena_err(-errno, "setting up the refill thread's epoll");
	if (err) {
		refiller_free(r);
		return err;
	}
	/* The heap is ready when this returns (the default instance
	 * initialised, the reserve filled) unless this service failed: said
	 * and counted in errors, and the thread serves the next request. */
	refiller_serve(r);
	err = -pthread_create(&r->thread, NULL, refiller_main, r);
	if (err) {
		refiller_free(r);
		return libarena_err(err, "starting the refill thread");
	}
	*out = r;
	return 0;
}

void libarena__refill_stats(const struct libarena_refiller *r,
			    struct libarena_refill_stats *out)
{
	out->wakeups = __atomic_load_n(&r->stats.wakeups, __ATOMIC_RELAXED);
	out->requests = __atomic_load_n(&r->stats.requests, __ATOMIC_RELAXED);
	out->services = __atomic_load_n(&r->stats.services, __ATOMIC_RELAXED);
	out->chunks = __atomic_load_n(&r->stats.chunks, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&r->stats.errors, __ATOMIC_RELAXED);
}

void libarena__stop_refill(struct libarena_refiller *r)
{
	__u64 one = 1;

	if (!r)
		return;
	if (write(r->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(r->thread, NULL);
	refiller_free(r);
}
