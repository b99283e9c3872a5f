/* SPDX-License-Identifier: BSD-2-Clause */
/* The timed alloc+free loop, compiled once per fast-path flavour. */
#ifndef __LIBARENA_BENCH_PAIRS_H
#define __LIBARENA_BENCH_PAIRS_H

/* SEC("syscall") programs: sleepable, so the heap may grow inline. */
#define LIBARENA_SLEEPABLE
#include <libarena/libarena.h>
#include "../bench.h"

extern struct buddy __arena bench_cached;
extern struct buddy __arena bench_uncached;
extern struct bench_result __arena bench_results[BENCH_MAX_CPUS];

static __always_inline struct bench_result __arena *result_of_this_cpu(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return cpu < BENCH_MAX_CPUS ? arena_elem(bench_results, cpu) : NULL;
}

static __always_inline int bench_run_pairs(struct bench_args *args)
{
	buddy_t *b = args->uncached ? &bench_uncached : &bench_cached;
	__u64 size = args->size, iters = args->iters, p = 1, t0, locks;
	struct bench_result __arena *r;
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 i;

	if (cpu >= BENCH_MAX_CPUS)
		return -1;
	/* Each cell starts from a trimmed instance, so that what earlier
	 * cells left (cached blocks, a class's empty slab) does not shape its
	 * free lists; then warm up: the cache (if any) and the chunk exist
	 * before timing. */
	buddy_trim(b);
	buddy_free(b, buddy_alloc(b, size));
	locks = b->stats.lock_acquisitions;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < iters && can_loop; i++) {
		p = buddy_alloc_fast(b, size);
		if (!p)
			break;
		buddy_free_fast(b, p);
	}
	r = arena_elem(bench_results, cpu);
	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = i;
	r->locks = b->stats.lock_acquisitions - locks;
	/* A loop cut short by the verifier's time budget still counts what
	 * it did; a failed allocation does not. */
	return p ? 0 : -ENOMEM;
}

#endif /* __LIBARENA_BENCH_PAIRS_H */
