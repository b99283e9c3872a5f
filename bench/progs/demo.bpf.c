// SPDX-License-Identifier: BSD-2-Clause
/*
 * The `make run` workload: alloc/free pairs timed inside BPF (the default
 * instance, with per-CPU caches, and a uncached instance without), then a
 * burst of live blocks of mixed sizes freed again.
 */
/* SEC("syscall") programs: sleepable, so the heap may grow inline. */
#define LIBARENA_SLEEPABLE
#include <libarena/libarena.h>
#include "../demo.h"

struct demo_result __arena demo;
__u64 __arena demo_ptrs[DEMO_BURST];
struct buddy __arena demo_uncached;

/* DEMO_PAIRS alloc+free pairs of 64 B; how many completed, time in *ns. */
static __always_inline __u32 time_pairs(buddy_t *b, __u64 __arena *ns)
{
	__u64 t0, p;
	__u32 i;

	buddy_free(b, buddy_alloc(b, 64));	/* warm: chunk and cache exist */
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < DEMO_PAIRS && can_loop; i++) {
		p = buddy_alloc_fast(b, 64);
		if (!p)
			break;
		*(volatile __u64 __arena *)arena_ptr(p) = i;
		buddy_free_fast(b, p);
	}
	*ns = bpf_ktime_get_ns() - t0;
	return i;
}

SEC("syscall")
int demo_pairs(void *ctx)
{
	if (demo_uncached.magic != BUDDY_MAGIC || demo_uncached.state != BUDDY_READY)
		buddy_init_flags(&demo_uncached, BUDDY_NO_PCPU_CACHE);
	if (buddy_default_ready())
		return -1;
	demo.pairs = time_pairs(&libarena_heap, &demo.pairs_ns);
	demo.uncached_pairs = time_pairs(&demo_uncached, &demo.uncached_pairs_ns);
	return demo.pairs == DEMO_PAIRS && demo.uncached_pairs == DEMO_PAIRS ? 0 : -1;
}

SEC("syscall")
int demo_burst(void *ctx)
{
	__u64 t0, p, size, requested = opaque(0);
	__u32 i, n;

	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < DEMO_BURST && can_loop; i++) {
		size = 16 + bpf_get_prandom_u32() % 4081;
		p = arena_malloc_addr(size);
		if (!p)
			break;
		*arena_elem(demo_ptrs, i) = p;
		requested += size;
	}
	demo.burst_ns = bpf_ktime_get_ns() - t0;
	n = i;
	demo.burst_blocks = n;
	demo.burst_requested = requested;
	demo.burst_in_use = libarena_heap.stats.bytes_in_use;
	demo.burst_chunks = libarena_heap.stats.chunks;
	return n == DEMO_BURST ? 0 : -1;
}

/* Free the burst (left live meanwhile, for arenactl to look at). */
SEC("syscall")
int demo_free(void *ctx)
{
	__u64 t0 = bpf_ktime_get_ns();
	__u32 i, n = demo.burst_blocks;

	for (i = opaque(0); i < n && i < DEMO_BURST && can_loop; i++)
		arena_free_addr(*arena_elem(demo_ptrs, i));
	buddy_shrink(&libarena_heap);	/* caches, then surplus chunks back */
	demo.free_ns = bpf_ktime_get_ns() - t0;
	demo.chunks_after = libarena_heap.stats.chunks;
	demo.check = buddy_check(&libarena_heap);
	return i == n ? 0 : -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
