// SPDX-License-Identifier: BSD-2-Clause
/*
 * The struct_ops row of the program-type matrix (tests/prog_types.c): a
 * minimal TCP congestion control whose cong_avoid allocates and frees.
 * Its own object so that the struct_ops map, which libbpf ties to its
 * programs, stays out of the other types' loads.  The driver only loads
 * it: registering it would add a congestion control to the whole machine.
 */
#include <libarena/libarena.h>
#include <bpf/bpf_tracing.h>

/* What cong_avoid managed, for whoever registers and runs it. */
__u64 __arena pt_sops_allocs;
__u64 __arena pt_sops_nulls;

static __always_inline struct tcp_sock *tcp_sk(struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

SEC("struct_ops")
__u32 BPF_PROG(pt_ssthresh, struct sock *sk)
{
	__u32 cwnd = tcp_sk(sk)->snd_cwnd;

	return cwnd > 4 ? cwnd >> 1 : 2;
}

SEC("struct_ops")
__u32 BPF_PROG(pt_undo_cwnd, struct sock *sk)
{
	return tcp_sk(sk)->snd_cwnd;
}

/* Softirq context on an ACK: the allocator must not sleep or spin here. */
SEC("struct_ops")
void BPF_PROG(pt_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__u64 addr = arena_malloc_addr(16 + acked % 4080);

	if (!addr) {
		__sync_fetch_and_add(&pt_sops_nulls, 1);
		return;
	}
	*(__u64 __arena *)arena_ptr(addr) = ack;
	arena_free_addr(addr);
	__sync_fetch_and_add(&pt_sops_allocs, 1);
}

SEC(".struct_ops")
struct tcp_congestion_ops pt_arena_cc = {
	.ssthresh	= (void *)pt_ssthresh,
	.undo_cwnd	= (void *)pt_undo_cwnd,
	.cong_avoid	= (void *)pt_cong_avoid,
	.name		= "libarena_pt",
};

char LICENSE[] SEC("license") = "Dual BSD/GPL";
