// SPDX-License-Identifier: BSD-2-Clause
/*
 * Arming the refill work items of <libarena/refill_wq.h>: each instance's
 * bpf_wq gets a callback that runs buddy_refill() in a kernel worker.
 * Sleepable callers only (it references a callback that sleeps); the
 * library's arena_buddy_refill program calls it for every instance.
 */
#include "instance.h"
#include <libarena/buddy.h>
#include <libarena/refill_wq.h>

static int refill_work(void *map, int *key, void *value)
{
	struct libarena_refill_work *w = value;
	buddy_t *b = arena_ptr(w->instance);

	/* Cleared first: a request raised while we work kicks again. */
	WRITE_ONCE(b->wq_pending, 0);
	buddy_refill(b);
	return 0;
}

__noinline int buddy_arm_refill(buddy_t *b __arg_arena)
{
	struct libarena_refill_work *w;
	__u32 key = b->slot - 1;
	int err;

	if (!buddy_ready(b) || key >= LIBARENA_MAX_INSTANCES)
		return -EINVAL;
	w = bpf_map_lookup_elem(&libarena_refill_wq, &key);
	if (!w)
		return -ENOENT;
	w->instance = arena_addr(b);
	err = bpf_wq_init(&w->work, &libarena_refill_wq, 0);
	if (err && err != -EBUSY)	/* -EBUSY: armed before */
		return err;
	if (bpf_ksym_exists(bpf_wq_set_callback))
		return bpf_wq_set_callback(&w->work, refill_work, 0);
	return bpf_wq_set_callback_impl(&w->work, refill_work, 0, NULL);
}
