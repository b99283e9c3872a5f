// SPDX-License-Identifier: BSD-2-Clause
/*
 * Same-CPU nesting: a syscall program allocates and frees in a loop while
 * a perf_event program (hardirq, a cpu-clock event on the same CPU)
 * interrupts it and allocates and frees too.  Each side keeps a ring of
 * live blocks stamped with its own tag and a sequence number; a block
 * handed out twice is caught when its first owner finds someone else's
 * stamp in it.  Not LIBARENA_SLEEPABLE: both sides use the any-context
 * entry points, as a tracing program would.  The same pair, in
 * NESTED_MODE_LOCK, takes the users' arena lock instead, from two CPUs.
 */
#include <libarena/libarena.h>
#include "nested_types.h"

struct nested_side __arena nested_outer_side;
struct nested_side __arena nested_irq_side;
struct nested_ctl __arena nested_ctl;

static __always_inline __u64 stamp_of(__u64 tag, __u64 seq)
{
	return tag << 48 | seq;
}

/* Check the block a ring slot holds, free it, put a new one there. */
static __always_inline void ring_step(struct nested_side __arena *s, __u64 tag)
{
	__u32 slot = s->seq % NESTED_RING;
	__u64 __arena *ring = arena_elem(s->ring, slot);
	__u64 __arena *stamp = arena_elem(s->stamp, slot);
	__u64 old = *ring, size, p;

	if (old) {
		if (*(__u64 __arena *)arena_ptr(old) != *stamp ||
		    *(__u64 __arena *)arena_ptr(old + 8) != *stamp)
			s->clobbered++;
		if (arena_usable_size(arena_ptr(old)) == 0)
			s->not_live++;
		arena_free(arena_ptr(old));
		*ring = 0;
	}
	size = 16 << (s->seq % 5);	/* 16 B .. 256 B: cached classes */
	p = arena_malloc_addr(size);
	s->seq++;
	if (!p) {
		s->nulls++;
		return;
	}
	*stamp = stamp_of(tag, s->seq);
	*(__u64 __arena *)arena_ptr(p) = *stamp;
	*(__u64 __arena *)arena_ptr(p + 8) = *stamp;
	*ring = p;
	s->ops++;
}

SEC("syscall")
int nested_outer(void *ctx)
{
	struct nested_side __arena *s = &nested_outer_side;
	__u32 i;

	for (i = opaque(0); i < NESTED_OUTER_STEPS && can_loop; i++)
		ring_step(s, 1);
	s->runs++;
	return i == NESTED_OUTER_STEPS ? 0 : -1;
}

struct nested_lock_state __arena nested_lock;

/* One increment under the lock: 0, or what arena_lock() returned. */
static __always_inline int locked_increment(void)
{
	struct nested_lock_state __arena *ls = &nested_lock;
	__u64 v;
	__u32 i;
	int err;

	err = arena_lock(&ls->lock);
	if (err)
		return err;
	v = READ_ONCE(ls->counter);
	for (i = opaque(0); i < NESTED_LOCK_WINDOW && can_loop; i++)
		barrier_var(i);
	WRITE_ONCE(ls->counter, v + 1);
	return arena_unlock(&ls->lock);
}

SEC("syscall")
int lock_outer(void *ctx)
{
	struct nested_lock_state __arena *ls = &nested_lock;
	__u32 cpu = bpf_get_smp_processor_id() % NESTED_LOCK_CPUS, i;
	int err;

	for (i = opaque(0); i < NESTED_LOCK_STEPS && can_loop; i++) {
		err = locked_increment();
		if (err == -ETIMEDOUT)
			__sync_fetch_and_add(&ls->outer_timeouts, 1);
		else if (err)
			return err;
		else
			(*arena_elem(ls->outer_ops, cpu))++;
	}
	return 0;
}

static __always_inline void lock_irq(void)
{
	struct nested_lock_state __arena *ls = &nested_lock;
	int err = locked_increment();

	ls->irq_runs++;
	if (!err)
		ls->irq_ops++;
	else if (err == -EDEADLK)
		ls->irq_deadlocks++;
	else if (err == -ETIMEDOUT)
		ls->irq_timeouts++;
}

SEC("perf_event")
int nested_irq(void *ctx)
{
	struct nested_side __arena *s = &nested_irq_side;
	__u32 i;

	if (bpf_get_smp_processor_id() != nested_ctl.cpu || !nested_ctl.armed)
		return 0;
	if (nested_ctl.mode == NESTED_MODE_LOCK) {
		lock_irq();
		return 0;
	}
	for (i = opaque(0); i < NESTED_IRQ_STEPS && can_loop; i++)
		ring_step(s, 2);
	s->runs++;
	return 0;
}

/* A fresh default instance in the mode under test (ctl.flags). */
SEC("syscall")
int nested_setup(void *ctx)
{
	buddy_destroy(&libarena_heap);
	return buddy_init_flags(&libarena_heap, nested_ctl.flags);
}

static __always_inline void drain_side(struct nested_side __arena *s)
{
	__u64 __arena *ring;
	__u32 i;

	for (i = opaque(0); i < NESTED_RING && can_loop; i++) {
		ring = arena_elem(s->ring, i);
		if (!*ring)
			continue;
		arena_free(arena_ptr(*ring));
		*ring = 0;
	}
}

/* Free what both rings still hold (run after the perf event is gone),
 * then empty the caches: every block should be back in the buddy. */
SEC("syscall")
int nested_drain(void *ctx)
{
	drain_side(&nested_outer_side);
	drain_side(&nested_irq_side);
	return buddy_trim(&libarena_heap) < 0 ? -1 : buddy_check(&libarena_heap);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
