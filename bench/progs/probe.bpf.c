// SPDX-License-Identifier: BSD-2-Clause
/*
 * Entry points alone, so their verifier cost can be read (verified_insns):
 * the any-context build (no LIBARENA_SLEEPABLE) on the default instance.
 */
#include <libarena/libarena.h>

SEC("syscall")
int probe_alloc(void *ctx)
{
	return buddy_alloc_addr(&libarena_heap, 64) != 0;
}

SEC("syscall")
int probe_free(void *ctx)
{
	return buddy_free_addr(&libarena_heap, 0);
}

/* The inline fast paths with their slow-path calls, as a program uses them. */
SEC("syscall")
int probe_pair(void *ctx)
{
	void __arena *p = arena_malloc(64);

	arena_free(p);
	return p != NULL;
}
