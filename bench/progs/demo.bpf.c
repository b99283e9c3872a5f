// SPDX-License-Identifier: BSD-2-Clause
/*
 * The `make run` workload: alloc/free pairs timed inside BPF, then a burst
 * of live blocks of mixed sizes freed again, on the default instance.
 */
#include <libarena/libarena.h>
#include "../demo.h"

struct demo_result __arena demo;
__u64 __arena demo_ptrs[DEMO_BURST];

SEC("syscall")
int demo_pairs(void *ctx)
{
	__u64 t0, p;
	__u32 i;

	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < DEMO_PAIRS && can_loop; i++) {
		p = __arena_malloc(64);
		if (!p)
			break;
		*(volatile __u64 __arena *)arena_ptr(p) = i;
		__arena_free(p);
	}
	demo.pairs_ns = bpf_ktime_get_ns() - t0;
	demo.pairs = i;
	return i == DEMO_PAIRS ? 0 : -1;
}

SEC("syscall")
int demo_burst(void *ctx)
{
	__u64 t0, p, size, requested = opaque(0);
	__u32 i, n;

	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < DEMO_BURST && can_loop; i++) {
		size = 16 + bpf_get_prandom_u32() % 4081;
		p = __arena_malloc(size);
		if (!p)
			break;
		demo_ptrs[i] = p;
		requested += size;
	}
	demo.burst_ns = bpf_ktime_get_ns() - t0;
	n = i;
	demo.burst_blocks = n;
	demo.burst_requested = requested;
	demo.burst_usable = buddy.stats.bytes_in_use;
	demo.burst_chunks = buddy.stats.chunks;

	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < n && i < DEMO_BURST && can_loop; i++)
		__arena_free(demo_ptrs[i]);
	demo.free_ns = bpf_ktime_get_ns() - t0;
	demo.chunks_after = buddy.stats.chunks;
	demo.check = buddy_check(&buddy);
	return n == DEMO_BURST && i == n ? 0 : -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
