/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by sched.bpf.c and its loader: the per-task context and the counts. */
#ifndef __SCHED_H
#define __SCHED_H

#define SCHED_NAME	"libarena_fifo"
#define SCHED_DSQ	0		/* the one shared queue's id */

/* One task's context, in the arena: allocated when the task joins the
 * scheduler (init_task), freed when it leaves (exit_task). */
struct task_ctx {
	__u64 enqueues;			/* times this task was queued */
	__u64 dispatches;		/* times its CPU looked for work after it ran */
	__u32 last_cpu;
	__u32 forked;			/* joined at fork, not when the scheduler started */
};

/* What the scheduler saw, for the loader's checks. */
struct sched_counts {
	__u64 inits;			/* contexts allocated */
	__u64 forks;			/* of them, for new tasks */
	__u64 init_failures;		/* init_task found no memory */
	__u64 exits;			/* contexts freed */
	__u64 no_ctx;			/* enqueue or dispatch found a task without one */
	__u64 enqueues;			/* counted here... */
	__u64 ctx_enqueues;		/* ...and in the contexts, summed when freed */
	__u64 dispatched;		/* tasks moved from the shared queue */
	__s64 exit_kind;		/* why the kernel stopped the scheduler */
	char exit_msg[128];
};

#endif
