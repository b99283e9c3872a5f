// SPDX-License-Identifier: BSD-2-Clause
/*
 * A minimal sched_ext scheduler, one shared FIFO queue, that keeps each
 * task's context in the arena: allocated in init_task, found through task
 * storage in enqueue and dispatch, freed in exit_task.  None of these
 * callbacks may sleep; the library's defaults keep the heap fed (inline
 * from Linux 7.0, else through the loader's refill thread).
 */
#include <libarena/libarena.h>
#include <bpf/bpf_tracing.h>
#include "sched.h"

/* libarena.h includes vmlinux.h without kfunc prototypes: declare the
 * sched_ext ones used here (Linux 6.13 names). */
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym;

/* The task's context pointer (task storage cannot hold the context itself:
 * its values are kernel memory, which the arena outlives). */
struct task_slot {
	struct task_ctx __arena *ctx;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_slot);
} task_slots SEC(".maps");

struct sched_counts counts;

/* The task's context; NULL (counted) if it has none. */
static struct task_ctx __arena *task_ctx(struct task_struct *p)
{
	struct task_slot *slot = bpf_task_storage_get(&task_slots, p, 0, 0);

	/* enqueue and dispatch call no libarena function: tie them to the
	 * arena, or the verifier refuses their context accesses. */
	arena_use();
	if (!slot || !slot->ctx) {
		__sync_fetch_and_add(&counts.no_ctx, 1);
		return NULL;
	}
	return slot->ctx;
}

SEC("struct_ops/init_task")
s32 BPF_PROG(fifo_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct task_ctx __arena *tctx;
	struct task_slot *slot;

	slot = bpf_task_storage_get(&task_slots, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!slot)
		return -ENOMEM;
	tctx = arena_new(struct task_ctx);	/* zeroed */
	if (!tctx) {
		__sync_fetch_and_add(&counts.init_failures, 1);
		return -ENOMEM;
	}
	tctx->forked = args->fork;
	slot->ctx = tctx;
	__sync_fetch_and_add(&counts.inits, 1);
	if (args->fork)
		__sync_fetch_and_add(&counts.forks, 1);
	return 0;
}

SEC("struct_ops/exit_task")
void BPF_PROG(fifo_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	struct task_slot *slot = bpf_task_storage_get(&task_slots, p, 0, 0);
	struct task_ctx __arena *tctx;

	if (!slot || !slot->ctx)
		return;		/* its init_task failed */
	tctx = slot->ctx;
	slot->ctx = NULL;
	__sync_fetch_and_add(&counts.ctx_enqueues, tctx->enqueues);
	arena_delete(tctx);
	__sync_fetch_and_add(&counts.exits, 1);
}

SEC("struct_ops/enqueue")
void BPF_PROG(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx __arena *tctx = task_ctx(p);

	/* The task's queueing is serialised by its runqueue's lock: a plain
	 * increment suffices. */
	if (tctx)
		tctx->enqueues++;
	__sync_fetch_and_add(&counts.enqueues, 1);
	scx_bpf_dsq_insert(p, SCHED_DSQ, SCX_SLICE_DFL, enq_flags);
}

SEC("struct_ops/dispatch")
void BPF_PROG(fifo_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_ctx __arena *tctx;

	if (prev && (tctx = task_ctx(prev))) {
		tctx->dispatches++;
		tctx->last_cpu = cpu;
	}
	if (scx_bpf_dsq_move_to_local(SCHED_DSQ))
		__sync_fetch_and_add(&counts.dispatched, 1);
}

SEC("struct_ops.s/init")
s32 BPF_PROG(fifo_init)
{
	return scx_bpf_create_dsq(SCHED_DSQ, -1);
}

SEC("struct_ops/exit")
void BPF_PROG(fifo_exit, struct scx_exit_info *ei)
{
	counts.exit_kind = ei->kind;
	bpf_probe_read_kernel_str(counts.exit_msg, sizeof(counts.exit_msg), ei->msg);
}

SEC(".struct_ops")
struct sched_ext_ops fifo_ops = {
	.init_task	= (void *)fifo_init_task,
	.exit_task	= (void *)fifo_exit_task,
	.enqueue	= (void *)fifo_enqueue,
	.dispatch	= (void *)fifo_dispatch,
	.init		= (void *)fifo_init,
	.exit		= (void *)fifo_exit,
	.name		= SCHED_NAME,
};

char LICENSE[] SEC("license") = "GPL";
