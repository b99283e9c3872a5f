// SPDX-License-Identifier: BSD-2-Clause
/*
 * The allocator's lock (a word in the arena, platform_lock()) beside the
 * kernel's bpf_res_spin_lock: each program takes its lock, runs the same
 * short critical section on a shared cache line and releases it, N times.
 */
#include "pairs.h"
#include "platform.h"

/* From 6.15: weak, so the object loads on older kernels (bench.c skips the
 * cell there). */
int bpf_res_spin_lock(struct bpf_res_spin_lock *lock) __ksym __weak;
void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock) __ksym __weak;

struct bench_arena_lock __arena bench_arena_lock;
struct bench_lock_data __arena bench_lock_data[BENCH_NR_LOCKS];
struct bench_lock_count __arena bench_lock_counts[BENCH_NR_LOCKS];

struct res_lock {
	struct bpf_res_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct res_lock);
} bench_res_lock SEC(".maps");

static __always_inline void critical_section(struct bench_lock_data __arena *d, __u64 i,
					     __u32 cpu)
{
	d->count++;
	d->cpu = cpu;
	d->iter = i;
	d->sum += i;
}

static __always_inline void lock_result(enum bench_lock which,
					struct bench_result __arena *r,
					__u64 t0, __u64 iters, __u64 failed)
{
	struct bench_lock_count __arena *c = arena_elem(bench_lock_counts, which);

	r->end_ns = bpf_ktime_get_ns();
	r->start_ns = t0;
	r->pairs = iters;
	r->locks = iters - failed;
	__sync_fetch_and_add(&c->taken, iters - failed);
	__sync_fetch_and_add(&c->failed, failed);
}

SEC("syscall")
int bench_lock_arena(struct bench_args *args)
{
	struct bench_lock_data __arena *d = &bench_lock_data[BENCH_ARENA_LOCK];
	struct bench_result __arena *r = result_of_this_cpu();
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 i, t0, failed = opaque(0);

	if (!r)
		return -1;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < args->iters && can_loop; i++) {
		if (platform_lock(&bench_arena_lock.word)) {
			failed++;
			continue;
		}
		critical_section(d, i, cpu);
		platform_unlock(&bench_arena_lock.word);
	}
	lock_result(BENCH_ARENA_LOCK, r, t0, i, failed);
	return 0;
}

SEC("syscall")
int bench_lock_res(struct bench_args *args)
{
	struct bench_lock_data __arena *d = &bench_lock_data[BENCH_RES_SPIN_LOCK];
	struct bench_result __arena *r = result_of_this_cpu();
	__u32 cpu = bpf_get_smp_processor_id(), key = 0;
	__u64 i, t0, failed = opaque(0);
	struct res_lock *l;

	if (!bpf_ksym_exists(bpf_res_spin_lock))
		return -1;
	l = bpf_map_lookup_elem(&bench_res_lock, &key);
	if (!r || !l)
		return -1;
	t0 = bpf_ktime_get_ns();
	for (i = opaque(0); i < args->iters && can_loop; i++) {
		if (bpf_res_spin_lock(&l->lock)) {
			failed++;
			continue;
		}
		critical_section(d, i, cpu);
		bpf_res_spin_unlock(&l->lock);
	}
	lock_result(BENCH_RES_SPIN_LOCK, r, t0, i, failed);
	return 0;
}
