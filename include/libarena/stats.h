/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading an instance's statistics from user space, through the arena
 * mapping libbpf sets up (arena addresses are valid user pointers there).
 * The per-CPU caches count what they serve; the instance counts what its
 * slow path served: a caller's totals are the sum.
 */
#ifndef __LIBARENA_STATS_H
#define __LIBARENA_STATS_H

#include "internal/block.h"

/* What buddy_check() found (enum buddy_check_err), in words. */
static inline const char *buddy_check_err_str(__u32 err)
{
	static const char *const names[] = {
		[BUDDY_CHECK_OK] = "consistent",
		[BUDDY_CHECK_BAD_CHUNK] = "bad chunk header",
		[BUDDY_CHECK_BAD_BLOCK] = "bad block order or alignment",
		[BUDDY_CHECK_UNMERGED] = "two free buddies left unmerged",
		[BUDDY_CHECK_FREELIST] = "freelist corrupt",
		[BUDDY_CHECK_COUNTS] = "allocated/free totals disagree",
		[BUDDY_CHECK_STATS] = "statistics disagree with the chunks",
		[BUDDY_CHECK_INCOMPLETE] = "walk incomplete",
		[BUDDY_CHECK_SLAB] = "slab header, free list or counts wrong",
	};

	return err < sizeof(names) / sizeof(names[0]) ? names[err] : "unknown finding";
}

struct buddy_totals {
	__u64 allocs;		/* allocations served, cache hits included */
	__u64 frees;
	__u64 bytes_requested;	/* ever asked for, cache hits included */
	__u64 alloc_hits;	/* of allocs: served by the per-CPU caches */
	__u64 free_hits;	/* of frees: taken by the per-CPU caches */
	__u64 live_bytes;	/* handed to callers and not freed (class sizes) */
	__u64 cached_bytes;	/* held by the per-CPU caches right now */
	__u32 nr_pcpu;		/* CPUs with a cache */
	struct pcpu_stats pcpu;	/* summed over CPUs */
	struct class_stats classes[NR_CLASSES];	/* allocs, bytes_requested, frees by class */
};

/* Add a CPU's cache counters to t. */
static inline void buddy_add_pcpu(const struct pcpu_cache *pc, struct buddy_totals *t)
{
	const __u64 *src = (const __u64 *)&pc->stats;
	__u64 *dst = (__u64 *)&t->pcpu;
	unsigned int i, cls;

	t->nr_pcpu++;
	for (i = 0; i < sizeof(pc->stats) / sizeof(__u64); i++)
		dst[i] += src[i];
	for (cls = 0; cls < PCPU_NR_CLASSES; cls++) {
		t->cached_bytes += pc->cls[cls].count * class_size(cls);
		t->alloc_hits += pc->cls[cls].stats.allocs;
		t->free_hits += pc->cls[cls].stats.frees;
		t->classes[cls].allocs += pc->cls[cls].stats.allocs;
		t->classes[cls].requested += pc->cls[cls].stats.requested;
		t->classes[cls].frees += pc->cls[cls].stats.frees;
	}
}

static inline void buddy_read_totals(const struct buddy *b, struct buddy_totals *t)
{
	unsigned int cpu, cls;

	*t = (struct buddy_totals){ 0 };
	for (cls = 0; cls < NR_CLASSES; cls++)
		t->classes[cls] = b->stats.classes[cls];
	for (cpu = 0; cpu < LIBARENA_MAX_CPUS; cpu++) {
		const struct pcpu_cache *pc = (const void *)(unsigned long)b->pcpu[cpu];

		if (pc)
			buddy_add_pcpu(pc, t);
	}
	for (cls = 0; cls < NR_CLASSES; cls++) {
		t->allocs += t->classes[cls].allocs;
		t->bytes_requested += t->classes[cls].requested;
		t->frees += t->classes[cls].frees;
		/* Read while others allocate, a class's frees may be counted
		 * before its allocs: no wrap below zero. */
		if (t->classes[cls].allocs > t->classes[cls].frees)
			t->live_bytes += (t->classes[cls].allocs - t->classes[cls].frees) *
					 class_size(cls);
	}
}

#endif /* __LIBARENA_STATS_H */
