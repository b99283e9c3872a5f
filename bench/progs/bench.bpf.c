// SPDX-License-Identifier: BSD-2-Clause
/*
 * Benchmark programs: alloc+free pairs of one size timed inside BPF, on an
 * instance with per-CPU caches or on one without (uncached mode).
 */
#include "pairs.h"

struct buddy __arena bench_cached;
struct buddy __arena bench_uncached;
struct bench_result __arena bench_results[BENCH_MAX_CPUS];

SEC("syscall")
int bench_setup(void *ctx)
{
	buddy_destroy(&bench_cached);
	buddy_destroy(&bench_uncached);
	return buddy_init(&bench_cached) ?: buddy_init_flags(&bench_uncached, BUDDY_NO_PCPU_CACHE);
}

SEC("syscall")
int bench_pairs(struct bench_args *args)
{
	return bench_run_pairs(args);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
