// SPDX-License-Identifier: BSD-2-Clause
/* The same loop with the fast path of a file whose programs cannot be
 * preempted (LIBARENA_IRQ_CONTEXT: the busy flag without the preemption
 * guard).  Timed here in a syscall program, for its cost only: its safe use
 * is in tc, xdp, socket filter and perf_event programs. */
#define LIBARENA_IRQ_CONTEXT
#include "pairs.h"

SEC("syscall")
int bench_pairs_irq(struct bench_args *args)
{
	return bench_run_pairs(args);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
