// SPDX-License-Identifier: BSD-2-Clause
/* The shared allocator tests as SEC("syscall") programs, one per test. */
#include "cache_tests.h"
#include "reliability_tests.h"
#include "slab_tests.h"
#include "upstream_tests.h"

/* After the name, what the test needs (test_attrs.h): decl tags the
 * runner reads. */
#define DEFINE_CACHE_TEST(name, ...)					\
	__VA_ARGS__ SEC("syscall") int test_cache_##name(void *ctx)	\
	{								\
		return t_##name(0);					\
	}

#define DEFINE_UNCACHED_TEST(name, ...)					\
	__VA_ARGS__ SEC("syscall") int test_uncached_##name(void *ctx)	\
	{								\
		return t_##name(BUDDY_NO_PCPU_CACHE);			\
	}

/* Cache-only tests are named after what they test already. */
#define DEFINE_CACHE_ONLY_TEST(name, ...)				\
	__VA_ARGS__ SEC("syscall") int test_##name(void *ctx)		\
	{								\
		return t_##name(0);					\
	}

BUDDY_TESTS(DEFINE_UNCACHED_TEST)
UNCACHED_TESTS(DEFINE_UNCACHED_TEST)
RELIABILITY_TESTS(DEFINE_UNCACHED_TEST)
RELIABILITY_UNCACHED_TESTS(DEFINE_UNCACHED_TEST)
UPSTREAM_TESTS(DEFINE_UNCACHED_TEST)
UPSTREAM_TESTS(DEFINE_CACHE_TEST)
BUDDY_TESTS(DEFINE_CACHE_TEST)
SLAB_TESTS(DEFINE_UNCACHED_TEST)
SLAB_UNCACHED_TESTS(DEFINE_UNCACHED_TEST)
SLAB_TESTS(DEFINE_CACHE_TEST)
RELIABILITY_TESTS(DEFINE_CACHE_TEST)
RELIABILITY_CACHE_TESTS(DEFINE_CACHE_TEST)
CACHE_TESTS(DEFINE_CACHE_ONLY_TEST)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The opt-in standard names (<libarena/override.h>), included last so that
 * nothing above sees them. */
#include <libarena/override.h>

SEC("syscall") int test_override_names(void *ctx)
{
	__u8 __arena *p, *q;

	ASSERT_OK(test_begin(0));
	p = malloc(100);
	ASSERT_NOT_NULL(p);
	p[99] = 7;
	q = realloc(p, 3000);
	ASSERT_NOT_NULL(q);
	ASSERT_EQ(q[99], 7);
	free(q);
	q = calloc(10, 10);
	ASSERT_NOT_NULL(q);
	ASSERT_EQ(q[50], 0);
	free(q);
	ASSERT_EQ(settled_bytes(&libarena_heap), 0);
	return 0;
}

/* For the runner's own checks: 100 blocks of 64 B left allocated. */
SEC("syscall")
int fill_default(void *ctx)
{
	int i, n = 0;

	for (i = 0; i < 100; i++)
		n += arena_malloc_addr(64) != 0;
	return n;
}

/* 64 blocks of 64 B allocated, then freed: they stay in this CPU's cache
 * (kernel/trim_every_cpu).  Linked through their first words. */
SEC("syscall")
int cache_here(void *ctx)
{
	__u64 head = 0, p;
	int i;

	for (i = 0; i < 64; i++) {
		p = arena_malloc_addr(64);
		if (!p)
			return -ENOMEM;
		*(__u64 __arena *)arena_ptr(p) = head;
		head = p;
	}
	for (i = 0; i < 64 && head; i++) {
		p = head;
		head = *(__u64 __arena *)arena_ptr(p);
		if (arena_free_addr(p))
			return -EINVAL;
	}
	return 0;
}

/* Bodies the runner drives from threads on several CPUs (stress_tests.h). */
#define DEFINE_DRIVEN(name, flags)			\
	SEC("syscall") int name(void *ctx)		\
	{						\
		return t_##name(flags);			\
	}

SEC("syscall") int stress_begin_uncached(void *ctx)
{
	return t_stress_begin(BUDDY_NO_PCPU_CACHE);
}

SEC("syscall") int stress_begin_cache(void *ctx)
{
	return t_stress_begin(0);
}

DEFINE_DRIVEN(stress_worker, 0)
DEFINE_DRIVEN(stress_finish, 0)
DEFINE_DRIVEN(trim_here, 0)
DEFINE_DRIVEN(trim_worker, 0)
DEFINE_DRIVEN(pc_produce, 0)
DEFINE_DRIVEN(pc_consume, 0)
DEFINE_DRIVEN(pc_finish, 0)

/* For the arenactl test: free pages of the arena outside libarena's window
 * (the only pages a user-space read could allocate), counted by taking each
 * one and giving it back.  bpf_loop(): a kfunc in a can_loop loop does not
 * verify. */
struct page_probe {
	__u64 start;
	__u64 count;
};

static long probe_page(__u64 i, void *ctx)
{
	struct page_probe *pp = ctx;
	struct arena_space __arena *s = &libarena_space;
	__u64 addr = pp->start + (i << ARENA_PAGE_SHIFT);
	void __arena *p;

	if (addr >= s->base && addr < s->base + ((__u64)s->nr_slices << CHUNK_SHIFT))
		return 0;
	p = bpf_arena_alloc_pages(&arena, arena_ptr(addr), 1, -1, 0);
	if (!p)
		return 0;
	if (arena_addr(p) == addr)
		pp->count++;
	bpf_arena_free_pages(&arena, p, 1);
	return 0;
}

SEC("syscall")
int count_free_pages(void *ctx)
{
	struct bpf_arena *a = (void *)&arena;
	struct page_probe pp = { .start = a->user_vm_start };

	bpf_loop(a->map.max_entries, probe_page, &pp, 0);
	return pp.count;
}
