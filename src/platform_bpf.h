/* SPDX-License-Identifier: BSD-2-Clause */
/* The platform seam for BPF: arena kfuncs and the arena-resident lock. */
#ifndef __LIBARENA_PLATFORM_BPF_H
#define __LIBARENA_PLATFORM_BPF_H

#define NUMA_NO_NODE	(-1)

/*
 * The instance lock is a word in the arena, not a bpf_res_spin_lock: a map
 * holding a spin lock is refused in tracing programs and socket filters.
 *
 * Test-and-test-and-set with exponential backoff.  The owner is the CPU +
 * 1: BPF programs do not migrate, so a program that finds its own CPU in
 * the word interrupted (or preempted) the holder and must not spin; it gets
 * -EDEADLK at once.  A waiter that finds the lock busy stays off its cache
 * line for a while: the holder then runs several critical sections with
 * its lines local, where a handoff per operation would pay the metadata's
 * cache misses every time (that is what made throughput collapse on two
 * CPUs).  The wait is bounded: -ETIMEDOUT after LOCK_TIMEOUT_NS.
 */
#define LOCK_TIMEOUT_NS		(10ull * 1000 * 1000)
#define LOCK_BACKOFF_MIN	8192
#define LOCK_BACKOFF_MAX	65536

static __always_inline int platform_lock(__u32 __arena *word)
{
	__u32 me = libarena_cpu() + 1, cur, delay = LOCK_BACKOFF_MIN, i;
	__u64 deadline = 0;

	while (can_loop) {
		cur = READ_ONCE(*word);
		if (cur == me)
			return -EDEADLK;
		if (!cur && cmpxchg(word, 0, me) == 0)
			return 0;
		if (!deadline)
			deadline = bpf_ktime_get_ns() + LOCK_TIMEOUT_NS;
		else if (bpf_ktime_get_ns() > deadline)
			return -ETIMEDOUT;
		for (i = opaque(0); i < delay && can_loop; i++)
			barrier_var(i);
		if (delay < LOCK_BACKOFF_MAX)
			delay *= 2;
	}
	return -ETIMEDOUT;
}

/* One try, no wait: 0, -EDEADLK (this CPU holds it) or -EBUSY. */
static __always_inline int platform_trylock(__u32 __arena *word)
{
	__u32 me = libarena_cpu() + 1, cur = READ_ONCE(*word);

	if (cur == me)
		return -EDEADLK;
	if (cur || cmpxchg(word, 0, me) != 0)
		return -EBUSY;
	return 0;
}

/* clang 19 has no BPF store-release: an exchange orders the critical
 * section's stores before the release on every architecture. */
static __always_inline void platform_unlock(__u32 __arena *word)
{
	__sync_lock_test_and_set(word, 0);
}

static __always_inline bool platform_lock_held_here(__u32 __arena *word)
{
	return READ_ONCE(*word) == libarena_cpu() + 1;
}

#define platform_random()	bpf_get_prandom_u32()

/* Where tools such as arenactl find the allocator of this arena. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct libarena_info);
} libarena_info SEC(".maps") __weak;

static __always_inline void platform_publish(__u64 space, __u64 default_instance)
{
	struct libarena_info *info;
	__u32 key = 0;

	info = bpf_map_lookup_elem(&libarena_info, &key);
	if (!info)
		return;
	info->space = space;
	info->default_instance = default_instance;
	info->arena_map_id = ((struct bpf_map *)&arena)->id;
	info->arena_start = ((struct bpf_arena *)&arena)->user_vm_start;
	info->version = LIBARENA_INFO_VERSION;
	info->magic = SPACE_MAGIC;
}

/*
 * Wakes the user-space refill thread (libarena__start_refill()): one
 * record, the instance's address, per request (src/instance.h).  Ring
 * buffers work in every program type, where a bpf_wq map is refused in
 * kprobe, tracepoint, raw_tp and perf_event programs, whichever branch
 * references it.  Nobody reading is harmless: the ring fills, outputs fail.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} libarena_events SEC(".maps") __weak;

static __always_inline void platform_notify(__u64 instance)
{
	bpf_ringbuf_output(&libarena_events, &instance, sizeof(instance),
			   BPF_RB_FORCE_WAKEUP);
}

static __always_inline void platform_window(__u64 *start, __u64 *end)
{
	struct bpf_arena *a = (void *)&arena;

	*start = a->user_vm_start;
	*end = a->user_vm_start +
	       ((__u64)a->map.max_entries << ARENA_PAGE_SHIFT);
}

/*
 * Is the window fenced off with bpf_arena_reserve_pages() (from 6.17)?
 * Populating a fenced slice first frees it (that drops the reservation),
 * which only a sleepable caller can do at once: elsewhere the kernel
 * defers the free to a worker, which would later unmap the pages just
 * populated there.  So where programs grow inline (from 7.0) the window
 * is not fenced either.  Unfenced, it is still the library's by
 * convention (it starts past the globals and nothing else allocates at
 * fixed addresses in it), but a program of the user's that calls
 * bpf_arena_alloc_pages() without an address may be given pages inside
 * it; populating the slice that holds them then fails (-ENOMEM, counted
 * as a failed grow), and the next new slice is tried.
 */
static __always_inline bool platform_fenced(void)
{
	return bpf_ksym_exists(bpf_arena_reserve_pages) && !libarena_grows_inline();
}

static __always_inline int platform_reserve(__u64 addr, __u32 pages)
{
	if (!platform_fenced())
		return 0;
	return bpf_arena_reserve_pages(&arena, arena_ptr(addr), pages);
}

static __always_inline int platform_populate(__u64 addr, __u32 pages)
{
	void __arena *p;

	/* Freeing reserved pages drops the reservation; then take them. */
	if (platform_fenced())
		bpf_arena_free_pages(&arena, arena_ptr(addr), pages);
	p = bpf_arena_alloc_pages(&arena, arena_ptr(addr), pages,
				  NUMA_NO_NODE, 0);
	if (arena_addr(p) == addr)
		return 0;
	if (p)
		bpf_arena_free_pages(&arena, p, pages);
	platform_reserve(addr, pages);
	return -ENOMEM;
}

static __always_inline void platform_depopulate(__u64 addr, __u32 pages)
{
	bpf_arena_free_pages(&arena, arena_ptr(addr), pages);
	platform_reserve(addr, pages);
}

#endif /* __LIBARENA_PLATFORM_BPF_H */
