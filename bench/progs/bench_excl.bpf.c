// SPDX-License-Identifier: BSD-2-Clause
/* The same loop with the exclusive-context fast path (plain header stores):
 * valid here because each benchmark thread is the only user of its CPU. */
#define LIBARENA_EXCLUSIVE_CONTEXT
#include "pairs.h"

SEC("syscall")
int bench_pairs_excl(struct bench_args *args)
{
	return bench_run_pairs(args);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
