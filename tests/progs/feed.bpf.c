// SPDX-License-Identifier: BSD-2-Clause
/*
 * The heap feeds itself: a syscall tracer as users write one, with the
 * library's defaults.  Per raw_syscalls/sys_enter event it allocates one
 * variable-size record (56 + 16..600 bytes) with arena_malloc() and links
 * it into a list per (CPU, syscall) kept in the arena, until FEED_RECORDS
 * are taken.  Nothing here grows or refills the heap: the library must
 * (inline where the kernel lets tracepoints populate pages, else through
 * the user-space refill thread the driver may start).
 */
#include <libarena/libarena.h>
#include "feed_types.h"

struct feed_state __arena feed_state;

static __always_inline void feed_null(struct feed_state __arena *st, __u64 now)
{
	__sync_fetch_and_add(&st->nulls, 1);
	if (now - READ_ONCE(st->start_ns) > FEED_WARMUP_NS)
		__sync_fetch_and_add(&st->late_nulls, 1);
}

/* Push onto the list with a compare-and-swap: the list's CPU % 8 may be
 * shared by two CPUs. */
static __always_inline void feed_link(struct feed_state __arena *st, __u32 key,
				      struct feed_rec __arena *r)
{
	__u64 __arena *head = arena_elem(st->heads, key);
	__u64 old;

	while (can_loop) {
		old = READ_ONCE(*head);
		WRITE_ONCE(r->next, old);
		if (cmpxchg(head, old, arena_addr(r)) == old)
			break;
	}
}

SEC("tracepoint/raw_syscalls/sys_enter")
int feed_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct feed_state __arena *st = &feed_state;
	struct feed_rec __arena *r;
	__u64 seq, size, now;
	__u32 cpu, id;

	if (!READ_ONCE(st->armed))
		return 0;
	seq = __sync_fetch_and_add(&st->events, 1);
	if (seq >= FEED_RECORDS)
		return 0;
	now = bpf_ktime_get_ns();
	if (!seq)
		WRITE_ONCE(st->start_ns, now);
	size = FEED_HEADER + FEED_MIN_DATA +
	       bpf_get_prandom_u32() % (FEED_MAX_DATA - FEED_MIN_DATA + 1);
	r = arena_malloc(size);
	if (!r) {
		feed_null(st, now);
		return 0;
	}
	cpu = bpf_get_smp_processor_id();
	id = ctx->id;
	WRITE_ONCE(r->ts, now);
	WRITE_ONCE(r->size, size);
	WRITE_ONCE(r->args[0], ctx->args[0]);
	WRITE_ONCE(r->args[1], ctx->args[1]);
	WRITE_ONCE(r->cpu, cpu);
	WRITE_ONCE(r->id, id);
	WRITE_ONCE(r->seq, seq);
	WRITE_ONCE(r->magic, FEED_MAGIC ^ seq);
	feed_link(st, (cpu % FEED_CPUS) * FEED_SYSCALLS + id % FEED_SYSCALLS, r);
	__sync_fetch_and_add(&st->records, 1);
	__sync_fetch_and_add(&st->bytes, size);
	WRITE_ONCE(st->last_ns, now);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
