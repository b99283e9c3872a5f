// SPDX-License-Identifier: BSD-2-Clause
/*
 * Benchmark programs: alloc+free pairs of one size timed inside BPF, on an
 * instance with per-CPU caches or on one without (seed mode).
 */
#include <libarena/libarena.h>
#include "../bench.h"

struct buddy __arena bench_cached;
struct buddy __arena bench_seed;
struct bench_result __arena bench_results[BENCH_MAX_CPUS];

SEC("syscall")
int bench_setup(void *ctx)
{
	buddy_destroy(&bench_cached);
	buddy_destroy(&bench_seed);
	return buddy_init(&bench_cached) ?: buddy_init_flags(&bench_seed, BUDDY_NO_PCPU_CACHE);
}

SEC("syscall")
int bench_pairs(struct bench_args *args)
{
	buddy_t *b = args->seed_mode ? &bench_seed : &bench_cached;
	__u64 size = args->size, iters = args->iters, p = 1, t0, locks;
	struct bench_result __arena *r;
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 i;

	if (cpu >= BENCH_MAX_CPUS)
		return -1;
	/* Warm up: the cache (if any) and the chunk exist before timing. */
	buddy_free(b, buddy_alloc(b, size));
	locks = b->stats.lock_acquisitions;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < iters && can_loop; i++) {
		p = buddy_alloc_fast(b, size);
		if (!p)
			break;
		buddy_free_fast(b, p);
	}
	r = &bench_results[cpu];
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = i;
	r->locks = b->stats.lock_acquisitions - locks;
	/* A loop cut short by the verifier's time budget still counts what
	 * it did; a failed allocation does not. */
	return p ? 0 : -ENOMEM;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
