/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Asynchronous refill through a BPF workqueue (LIBARENA_ASYNC_REFILL).  A
 * bpf_wq callback runs in a kernel worker, sleepable, so it may populate
 * pages.  The library's sleepable program arena_buddy_refill (run by
 * libarena__refill() from user space) arms one work item per instance;
 * buddy_kick_refill() only starts it, which any program that may hold a
 * bpf_wq can do: tc, xdp, syscall, socket filter, tp_btf, iter,
 * struct_ops (the kernel refuses maps holding one in kprobe, tracepoint,
 * raw_tp and perf_event programs).  With LIBARENA_ASYNC_REFILL the inline
 * slow paths kick it whenever alloc asked for a refill or free for a
 * shrink.
 *
 * Why the arming is not here: a function that sets the callback counts as
 * one that may sleep (the callback does), and no non-sleepable program may
 * call such a global function, while starting an armed item is fine.
 */
#ifndef __LIBARENA_REFILL_WQ_H
#define __LIBARENA_REFILL_WQ_H

#include "internal/types.h"

int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym __weak;
int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym __weak;
/* Up to 6.19 the callback setter takes the program explicitly (_impl);
 * from 7.0 the verifier supplies it.  Both are weak: one resolves. */
int bpf_wq_set_callback_impl(struct bpf_wq *wq,
			     int (callback_fn)(void *map, int *key, void *value),
			     unsigned int flags, void *aux__prog) __ksym __weak;
int bpf_wq_set_callback(struct bpf_wq *wq,
			int (callback_fn)(void *map, int *key, void *value),
			unsigned int flags) __ksym __weak;

struct libarena_refill_work {
	struct bpf_wq work;
	__u64 instance;		/* the struct buddy to service */
};

/* One work item per instance, by registry slot; __weak like the arena. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LIBARENA_MAX_INSTANCES);
	__type(key, __u32);
	__type(value, struct libarena_refill_work);
} libarena_refill_wq SEC(".maps") __weak;

/* 0 (started, or already on its way), or -errno (-EINVAL: not armed yet;
 * the request stays for the next refill from a sleepable caller). */
static __always_inline int buddy_kick_refill(struct buddy __arena *b)
{
	struct libarena_refill_work *w;
	__u32 key = b->slot - 1;
	int err;

	if (key >= LIBARENA_MAX_INSTANCES)
		return -EINVAL;
	if (READ_ONCE(b->wq_pending) || cmpxchg(&b->wq_pending, 0, 1) != 0)
		return 0;
	w = bpf_map_lookup_elem(&libarena_refill_wq, &key);
	err = w ? bpf_wq_start(&w->work, 0) : -ENOENT;
	if (err) {
		WRITE_ONCE(b->wq_pending, 0);
		return err;
	}
	__sync_fetch_and_add(&b->stats.refill_kicks, 1);
	return 0;
}

#endif /* __LIBARENA_REFILL_WQ_H */
