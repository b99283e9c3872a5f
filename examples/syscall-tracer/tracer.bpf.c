// SPDX-License-Identifier: BSD-2-Clause
/*
 * A system-call tracer keeping one variable-size record per call in arena
 * lists, as a tracing tool would: a tracepoint program that allocates,
 * with the library's defaults (the heap feeds itself: inline from Linux
 * 7.0, else through the loader's refill thread).
 */
#include <libarena/libarena.h>
#include "tracer.h"

struct tracer_state __arena tracer;

SEC("tracepoint/raw_syscalls/sys_enter")
int trace_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct tracer_bucket __arena *bk;
	struct tracer_rec __arena *r;
	__u64 nr = ctx->id, n;

	if (bpf_get_current_pid_tgid() >> 32 != tracer.tgid)
		return 0;
	n = 1 + nr % TRACER_MAX_ARGS;
	r = arena_new_flex(struct tracer_rec, args, n);	/* zeroed */
	if (!r) {
		__sync_fetch_and_add(&tracer.nulls, 1);
		return 0;
	}
	r->nr = nr;
	r->nargs = n;
	/* The context may only be read at constant offsets (clang turns a
	 * loop, even unrolled, into a moving pointer): one line each. */
	r->args[0] = ctx->args[0];
	if (n > 1)
		r->args[1] = ctx->args[1];
	if (n > 2)
		r->args[2] = ctx->args[2];
	if (n > 3)
		r->args[3] = ctx->args[3];
	if (n > 4)
		r->args[4] = ctx->args[4];
	if (n > 5)
		r->args[5] = ctx->args[5];
	bk = arena_elem(tracer.buckets, nr % TRACER_BUCKETS);
	if (arena_lock(&bk->lock)) {
		arena_delete(r);
		__sync_fetch_and_add(&tracer.lock_failures, 1);
		return 0;
	}
	r->next = bk->head;
	bk->head = r;
	bk->records++;
	bk->bytes += arena_usable_size(r);
	arena_unlock(&bk->lock);
	return 0;
}

/* Free every record (run by the loader once the tracepoint is detached). */
SEC("syscall")
int tracer_free_all(void *ctx)
{
	struct tracer_bucket __arena *bk;
	struct tracer_rec __arena *r, *next;
	__u32 b;

	for (b = opaque(0); b < TRACER_BUCKETS && can_loop; b++) {
		bk = arena_elem(tracer.buckets, b);
		r = bk->head;
		while (r && can_loop) {
			next = r->next;
			arena_delete(r);
			tracer.freed++;
			r = next;
		}
		/* WRITE_ONCE: clang would merge these stores into one the
		 * verifier refuses for an arena pointer (README, "Stores"). */
		WRITE_ONCE(bk->head, NULL);
		WRITE_ONCE(bk->records, 0);
		WRITE_ONCE(bk->bytes, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
