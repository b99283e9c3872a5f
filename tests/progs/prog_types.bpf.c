// SPDX-License-Identifier: BSD-2-Clause
/*
 * The program-type matrix: one program per BPF program type, all doing the
 * same work with the library's defaults (no LIBARENA_SLEEPABLE), as a
 * real tracing or networking program would: where the kernel lets every
 * program populate arena pages (7.0+) they grow the heap inline, the
 * default instance's first use included; elsewhere they serve from the
 * reserve and the library asks user space for more.  The driver (tests/prog_types.c) loads one program at a time,
 * makes it run by that type's means (test run, attach and trigger, an
 * iterator read...) and walks it through the phases of enum pt_phase by
 * setting pt_state.phase; the program acknowledges each in pt_state.ack and
 * records the first failed check there too.
 */
#define TEST_ANY_CONTEXT
#include "test_common.h"
#include "prog_types_shared.h"

#undef TEST_SRC
#define TEST_SRC	TEST_SRC_PROG_TYPES

struct pt_state __arena pt_state;
struct buddy __arena pt_own;

/* Every stamp has these high bits, so a zeroed block never passes. */
#define PT_STAMP	0xa11c000000000000ull

static __always_inline __u64 __arena *word_at(__u64 addr)
{
	return arena_ptr(addr);
}

/* The last whole word of a block's first `size` bytes. */
static __always_inline __u64 last_word(__u64 addr, __u64 size)
{
	return addr + (size & ~7ull) - 8;
}

/* Bytes in use less the per-CPU caches' own blocks: those are created on
 * first use and stay, by design; everything else must come back. */
static __always_inline __u64 in_use_net(void)
{
	return READ_ONCE(libarena_heap.stats.bytes_in_use) -
	       READ_ONCE(libarena_heap.stats.cache_meta_bytes);
}

/* One round: PT_BATCH blocks of mixed sizes live at once, each stamped at
 * both ends, checked, freed. */
static __always_inline int pt_round(void)
{
	struct pt_state __arena *st = &pt_state;
	__u64 addr, size, stamp = PT_STAMP | st->rounds << 8;
	__u32 i;

	for (i = opaque(0); i < PT_BATCH && can_loop; i++) {
		size = 16 + bpf_get_prandom_u32() % (PT_MAX_SIZE - 15);
		addr = arena_malloc_addr(size);
		ASSERT_NE(addr, 0);
		st->allocs++;
		ASSERT_GE(arena_usable_size_addr(addr), size);
		*word_at(addr) = stamp | i;
		*word_at(last_word(addr, size)) = stamp | i;
		*arena_elem(st->blk, i) = addr;
		*arena_elem(st->size, i) = size;
	}
	ASSERT_EQ(i, PT_BATCH);
	for (i = opaque(0); i < PT_BATCH && can_loop; i++) {
		addr = *arena_elem(st->blk, i);
		ASSERT_EQ(*word_at(addr), stamp | i);
		ASSERT_EQ(*word_at(last_word(addr, *arena_elem(st->size, i))), stamp | i);
		ASSERT_EQ(arena_free_addr(addr), 0);
	}
	ASSERT_EQ(i, PT_BATCH);
	st->rounds++;
	return 0;
}

/* The typed calls: zeroed nodes, no field zeroing in the program. */
struct pt_node {
	struct pt_node __arena *next;
	__u64 key;
	__u32 count;
	__u16 cpu;
	__u8 kind;
};

static __always_inline int pt_typed(void)
{
	struct pt_node __arena *n = arena_new(struct pt_node);
	struct pt_node __arena *v = arena_new_array(struct pt_node, 8);

	ASSERT_NOT_NULL(n);
	ASSERT_NOT_NULL(v);
	ASSERT_EQ(arena_addr(n->next) | n->key | n->count | n->cpu | n->kind, 0);
	ASSERT_EQ(arena_addr(v[7].next) | v[7].key | v[7].count, 0);
	n->next = v;
	ASSERT_EQ(arena_addr(n->next), arena_addr(v));
	arena_delete(v);
	arena_delete(n);
	return 0;
}

static __always_inline int pt_mixed(void)
{
	struct pt_state __arena *st = &pt_state;
	__u32 r;

	if (!st->runs)
		st->base_in_use = in_use_net();
	if (pt_typed())
		return 1;
	for (r = opaque(0); r < PT_ROUNDS && can_loop; r++)
		if (pt_round())
			return 1;
	ASSERT_EQ(r, PT_ROUNDS);	/* not cut short by the loop budget */
	if (++st->runs >= PT_RUNS)
		WRITE_ONCE(st->ack, PT_MIXED);
	return 0;
}

static __always_inline __u64 big_stamp(__u64 i)
{
	return PT_STAMP | 0xb16000 | i;
}

/* An own instance, created, used and destroyed in this program. */
static __always_inline int pt_own_instance(void)
{
	struct pt_state __arena *st = &pt_state;
	void __arena *p;

	st->own_init = buddy_init(&pt_own);
	ASSERT_EQ(st->own_init, 0);
	p = buddy_alloc(&pt_own, 64);
	ASSERT_NE(arena_addr(p), 0);
	ASSERT_EQ(buddy_free(&pt_own, p), 0);
	ASSERT_EQ(buddy_destroy(&pt_own), 0);
	return 0;
}

/*
 * The default instance's first use.  Growing inline, it is initialised
 * here, in this program's context, and so is an own instance; otherwise
 * the allocation fails and the library has woken user space for it.
 */
static __always_inline int pt_init(void)
{
	struct pt_state __arena *st = &pt_state;
	__u64 addr;

	st->grows = libarena_grows_inline();
	ASSERT_EQ(READ_ONCE(libarena_heap.state), BUDDY_UNINIT);
	addr = arena_malloc_addr(64);
	if (!libarena_grows_inline()) {
		ASSERT_EQ(addr, 0);
		ASSERT_EQ(READ_ONCE(libarena_heap.notify_pending), 1);
		WRITE_ONCE(st->ack, PT_INIT);
		return 0;
	}
	ASSERT_NE(addr, 0);
	ASSERT_EQ(READ_ONCE(libarena_heap.state), BUDDY_READY);
	ASSERT_EQ(arena_free_addr(addr), 0);
	ASSERT_GE(buddy_trim(&libarena_heap), 0);	/* what free all compares with */
	if (pt_own_instance())
		return 1;
	WRITE_ONCE(st->ack, PT_INIT);
	return 0;
}

/* Hold big blocks until allocation fails: the reserve is dry, which must
 * be counted and must wake user space for a refill.  Growing inline,
 * every block fits instead, in chunks populated here. */
static __always_inline int pt_exhaust(void)
{
	struct pt_state __arena *st = &pt_state;
	__u64 addr;
	__u32 i;

	st->populated_before = READ_ONCE(libarena_heap.stats.chunks_populated);
	st->dry_before = READ_ONCE(libarena_heap.stats.reserve_dry);
	st->failed_before = READ_ONCE(libarena_heap.stats.failed_allocs);
	for (i = opaque(0); i < PT_MAX_HOLD - 1 && can_loop; i++) {	/* one left for later */
		addr = arena_malloc_addr(PT_BIG);
		if (!addr) {
			st->dry_nulls++;
			break;
		}
		st->allocs++;
		*word_at(addr) = big_stamp(i);
		*arena_elem(st->hold, i) = addr;
		st->held = i + 1;
	}
	st->dry_after = READ_ONCE(libarena_heap.stats.reserve_dry);
	st->failed_after = READ_ONCE(libarena_heap.stats.failed_allocs);
	st->refill_wanted = READ_ONCE(libarena_heap.refill_wanted);
	st->populated_after = READ_ONCE(libarena_heap.stats.chunks_populated);
	if (libarena_grows_inline()) {
		ASSERT_EQ(st->dry_nulls, 0);
		ASSERT_EQ(st->held, PT_MAX_HOLD - 1);
		ASSERT_GE(st->populated_after, st->populated_before + 1);
		WRITE_ONCE(st->ack, PT_EXHAUST);
		return 0;
	}
	ASSERT_GE(st->held, 1);
	ASSERT_EQ(st->dry_nulls, 1);	/* 0: PT_MAX_HOLD blocks all fit */
	ASSERT_GE(st->dry_after, st->dry_before + 1);
	ASSERT_GE(st->failed_after, st->failed_before + 1);
	ASSERT_NE(st->refill_wanted, 0);
	ASSERT_EQ(READ_ONCE(libarena_heap.notify_pending), 1);	/* user space woken */
	WRITE_ONCE(st->ack, PT_EXHAUST);
	return 0;
}

/* User space has run arena_buddy_refill: a big block fits again. */
static __always_inline int pt_refilled(void)
{
	struct pt_state __arena *st = &pt_state;
	__u64 addr, n = st->held;

	ASSERT_LE(n, PT_MAX_HOLD - 1);
	addr = arena_malloc_addr(PT_BIG);
	ASSERT_NE(addr, 0);
	st->allocs++;
	*word_at(addr) = big_stamp(n);
	*arena_elem(st->hold, n) = addr;
	st->held = n + 1;
	WRITE_ONCE(st->ack, PT_REFILLED);
	return 0;
}

/* Everything held goes back; with the caches trimmed, the bytes in use
 * are what they were before the first round. */
static __always_inline int pt_free_all(void)
{
	struct pt_state __arena *st = &pt_state;
	__u64 addr;
	__u32 i;

	for (i = opaque(0); i < st->held && i < PT_MAX_HOLD && can_loop; i++) {
		addr = *arena_elem(st->hold, i);
		ASSERT_EQ(*word_at(addr), big_stamp(i));
		ASSERT_EQ(arena_free_addr(addr), 0);
		*arena_elem(st->hold, i) = 0;
	}
	ASSERT_EQ(i, st->held);
	st->trimmed = buddy_trim(&libarena_heap);
	ASSERT_GE(st->trimmed, 0);
	st->end_in_use = in_use_net();
	ASSERT_EQ(st->end_in_use, st->base_in_use);
	WRITE_ONCE(st->ack, PT_FREE_ALL);
	return 0;
}

/*
 * Our one call level between a program and the library (the phases are
 * inlined into it): BPF allows 8 frames in all, and the library's slow
 * paths take several of them.
 */
static __noinline int pt_work(__u32 phase)
{
	switch (phase) {
	case PT_INIT:
		return pt_init();
	case PT_MIXED:
		return pt_mixed();
	case PT_EXHAUST:
		return pt_exhaust();
	case PT_REFILLED:
		return pt_refilled();
	case PT_FREE_ALL:
		return pt_free_all();
	}
	return test_fail(__LINE__, TEST_SRC, TEST_CMP_LE, PT_FREE_ALL, phase);
}

/*
 * Do the phase asked for unless it is done or a check failed.  Event
 * programs may fire on two CPUs at once: one of them works, the other
 * returns (the driver fires again until the phase is acknowledged).
 */
static __always_inline int pt_entry(void)
{
	struct pt_state __arena *st = &pt_state;
	__u32 phase = READ_ONCE(st->phase);

	__sync_fetch_and_add(&st->invocations, 1);
	if (phase == PT_IDLE || READ_ONCE(st->ack) == phase ||
	    READ_ONCE(test_report.line))
		return 0;
	if (cmpxchg(&st->busy, 0, 1) != 0)
		return 0;
	pt_work(phase);
	WRITE_ONCE(st->busy, 0);
	return 0;
}

/* Attached programs see every task's events: only the driver's count. */
static __always_inline bool from_driver(void)
{
	return bpf_get_current_pid_tgid() >> 32 == READ_ONCE(pt_state.tgid);
}

SEC("syscall")
int pt_syscall(void *ctx)
{
	return pt_entry();
}

SEC("tc")
int pt_tc(struct __sk_buff *skb)
{
	pt_entry();
	return 0;	/* TC_ACT_OK */
}

SEC("xdp")
int pt_xdp(struct xdp_md *ctx)
{
	pt_entry();
	return XDP_PASS;
}

SEC("socket")
int pt_socket(struct __sk_buff *skb)
{
	pt_entry();
	return skb->len;	/* keep the packet */
}

SEC("raw_tp/sys_enter")
int pt_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	return pt_entry();
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int pt_tracepoint(void *ctx)
{
	if (from_driver())
		pt_entry();
	return 0;
}

SEC("tp_btf/sys_enter")
int pt_tp_btf(__u64 *ctx)
{
	if (from_driver())
		pt_entry();
	return 0;
}

/* A cpu-clock sample: hardirq context, any task. */
SEC("perf_event")
int pt_perf_event(struct bpf_perf_event_data *ctx)
{
	pt_entry();
	return 0;
}

/* Called once per task and once more at the end (task NULL). */
SEC("iter/task")
int pt_iter(struct bpf_iter__task *ctx)
{
	if (ctx->task)
		pt_entry();
	return 0;
}

SEC("kprobe/__x64_sys_getpgid")
int pt_kprobe(struct pt_regs *ctx)
{
	if (from_driver())
		pt_entry();
	return 0;
}

SEC("fentry/__x64_sys_getpgid")
int pt_fentry(__u64 *ctx)
{
	if (from_driver())
		pt_entry();
	return 0;
}

SEC("fexit/__x64_sys_getpgid")
int pt_fexit(__u64 *ctx)
{
	if (from_driver())
		pt_entry();
	return 0;
}

SEC("lsm/task_getpgid")
int pt_lsm(__u64 *ctx)
{
	if (from_driver())
		pt_entry();
	return 0;	/* allow */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
