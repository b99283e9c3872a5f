// SPDX-License-Identifier: BSD-2-Clause
/*
 * The reserve refilled by a bpf_wq work item, with no user-space help: a
 * tc program built with LIBARENA_ASYNC_REFILL holds 64 KiB blocks until
 * the reserve runs dry (each slow path kicks the work item), and later
 * allocates again once the worker has grown the heap; freeing everything
 * kicks a shrink the same way.  Driven by tests/async_refill.c.
 */
#define LIBARENA_ASYNC_REFILL
#include <libarena/libarena.h>
#include "async_types.h"

struct async_state __arena async_state;

/* Hold big blocks until NULL (or the slots run out). */
static __always_inline void hold_until_dry(struct async_state __arena *st)
{
	__u64 p;
	__u32 i;

	for (i = opaque(0); i < ASYNC_SLOTS && can_loop; i++) {
		if (*arena_elem(st->held, i))
			continue;
		p = arena_malloc_addr(ASYNC_BLOCK);
		if (!p) {
			st->nulls++;
			return;
		}
		*arena_elem(st->held, i) = p;
		st->nr_held++;
	}
}

static __always_inline void free_all(struct async_state __arena *st)
{
	__u64 __arena *slot;
	__u32 i;

	for (i = opaque(0); i < ASYNC_SLOTS && can_loop; i++) {
		slot = arena_elem(st->held, i);
		if (!*slot)
			continue;
		if (arena_free_addr(*slot))
			st->free_errors++;
		*slot = 0;
		st->nr_held--;
	}
}

SEC("tc")
int async_step(struct __sk_buff *skb)
{
	struct async_state __arena *st = &async_state;

	if (st->phase == ASYNC_HOLD)
		hold_until_dry(st);
	else if (st->phase == ASYNC_FREE)
		free_all(st);
	return 0;
}

/* A small reserve, so that one program run exhausts it (sleepable; the
 * driver then runs arena_buddy_refill, which arms the work item). */
SEC("syscall")
int async_setup(void *ctx)
{
	int err;

	buddy_destroy(&libarena_heap);
	err = buddy_init_flags(&libarena_heap, BUDDY_NO_PCPU_CACHE);
	return err ?: buddy_set_reserve(&libarena_heap, ASYNC_BLOCK, 2 * ASYNC_BLOCK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
