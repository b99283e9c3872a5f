// SPDX-License-Identifier: BSD-2-Clause
/*
 * The host platform seam: the "arena" is one mmap'ed PROT_NONE region;
 * populating pages is mprotect, returning them is MADV_DONTNEED (so they
 * read back as zero, as fresh arena pages do) plus PROT_NONE again.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include "../space.h"

#define HOST_DEFAULT_ARENA	((1ull << 30) + (3ull << 20))

static void *host_arena;
static __u64 host_arena_size = HOST_DEFAULT_ARENA;
static __u64 host_lock_timeout_ns = 250 * 1000 * 1000ull;

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int thread_id(void)
{
	static __thread int tid;

	if (!tid)
		tid = gettid();
	return tid;
}

__u32 libarena_cpu(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : cpu;
}

/* The host has no map to publish in; tools are a BPF-side matter. */
void platform_publish(__u64 space, __u64 default_instance)
{
}

__u32 platform_random(void)
{
	return (__u32)random();
}

int platform_lock(__u32 *word)
{
	__u32 self = thread_id(), owner;
	__u64 deadline = 0;

	for (;;) {
		owner = __atomic_load_n(word, __ATOMIC_RELAXED);
		if (owner == self)
			return -EDEADLK;
		if (!owner && __atomic_compare_exchange_n(word, &owner, self, false,
							  __ATOMIC_ACQUIRE,
							  __ATOMIC_RELAXED))
			return 0;
		if (!deadline)
			deadline = now_ns() + host_lock_timeout_ns;
		else if (now_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

int platform_trylock(__u32 *word)
{
	__u32 self = thread_id(), owner = __atomic_load_n(word, __ATOMIC_RELAXED);

	if (owner == self)
		return -EDEADLK;
	if (owner || !__atomic_compare_exchange_n(word, &owner, self, false,
						  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EBUSY;
	return 0;
}

void platform_unlock(__u32 *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

bool platform_lock_held_here(__u32 *word)
{
	return __atomic_load_n(word, __ATOMIC_RELAXED) == (__u32)thread_id();
}

void platform_window(__u64 *start, __u64 *end)
{
	if (!host_arena) {
		void *p = mmap(NULL, host_arena_size, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		host_arena = p == MAP_FAILED ? NULL : p;
	}
	*start = (__u64)host_arena;
	*end = host_arena ? *start + host_arena_size : 0;
}

int platform_reserve(__u64 addr, __u32 pages)
{
	return 0;	/* the whole region is PROT_NONE until populated */
}

int platform_populate(__u64 addr, __u32 pages)
{
	return mprotect((void *)addr, (size_t)pages << ARENA_PAGE_SHIFT,
			PROT_READ | PROT_WRITE) ? -ENOMEM : 0;
}

void platform_depopulate(__u64 addr, __u32 pages)
{
	size_t len = (size_t)pages << ARENA_PAGE_SHIFT;

	madvise((void *)addr, len, MADV_DONTNEED);
	mprotect((void *)addr, len, PROT_NONE);
}

int libarena_host_set_arena_size(__u64 bytes)
{
	if (host_arena)
		return -EBUSY;
	host_arena_size = bytes ? bytes : HOST_DEFAULT_ARENA;
	return 0;
}

void libarena_host_reset(void)
{
	if (host_arena)
		munmap(host_arena, host_arena_size);
	host_arena = NULL;
	memset((void *)&libarena_space, 0, sizeof(libarena_space));
}

void libarena_host_set_lock_timeout(__u64 ns)
{
	host_lock_timeout_ns = ns;
}

void libarena_host_pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(libarena_cpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}
