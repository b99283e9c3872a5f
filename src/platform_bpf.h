/* SPDX-License-Identifier: BSD-2-Clause */
/* The platform seam for BPF: arena kfuncs and the resilient spin lock. */
#ifndef __LIBARENA_PLATFORM_BPF_H
#define __LIBARENA_PLATFORM_BPF_H

#define NUMA_NO_NODE	(-1)

int bpf_res_spin_lock(struct bpf_res_spin_lock *lock) __ksym;
void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock) __ksym;

/*
 * bpf_res_spin_lock must sit in a map value; instances live in the arena, so
 * each takes a slot of this array at its first init.
 */
struct libarena_lock {
	struct bpf_res_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LIBARENA_MAX_INSTANCES);
	__type(key, __u32);
	__type(value, struct libarena_lock);
} libarena_locks SEC(".maps") __weak;

static __always_inline struct libarena_lock *platform_lock_of(__u32 slot)
{
	__u32 key = slot;

	return bpf_map_lookup_elem(&libarena_locks, &key);
}

/* Timeout and AA-deadlock detection come from the kernel: -ETIMEDOUT/-EDEADLK. */
#define platform_lock(l)	bpf_res_spin_lock(&(l)->lock)
#define platform_unlock(l)	bpf_res_spin_unlock(&(l)->lock)

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

static __always_inline void platform_window(__u64 *start, __u64 *end)
{
	struct bpf_arena *a = (void *)&arena;

	*start = a->user_vm_start;
	*end = a->user_vm_start +
	       ((__u64)a->map.max_entries << ARENA_PAGE_SHIFT);
}

static __always_inline int platform_reserve(__u64 addr, __u32 pages)
{
	return bpf_arena_reserve_pages(&arena, arena_ptr(addr), pages);
}

static __always_inline int platform_populate(__u64 addr, __u32 pages)
{
	void __arena *p;

	/* Freeing reserved pages drops the reservation; then take them. */
	bpf_arena_free_pages(&arena, arena_ptr(addr), pages);
	p = bpf_arena_alloc_pages(&arena, arena_ptr(addr), pages,
				  NUMA_NO_NODE, 0);
	if (arena_addr(p) == addr)
		return 0;
	if (p)
		bpf_arena_free_pages(&arena, p, pages);
	bpf_arena_reserve_pages(&arena, arena_ptr(addr), pages);
	return -ENOMEM;
}

static __always_inline void platform_depopulate(__u64 addr, __u32 pages)
{
	bpf_arena_free_pages(&arena, arena_ptr(addr), pages);
	bpf_arena_reserve_pages(&arena, arena_ptr(addr), pages);
}

#endif /* __LIBARENA_PLATFORM_BPF_H */
