/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host side of the platform glue: user space (tools reading an arena
 * through its mapping) and the host build of the allocator (tests, fuzzing),
 * where the arena is an mmap-reserved region and the BPF-only notions
 * collapse to plain C.  The one place that knows it is not BPF; the
 * counterpart is <libarena/internal/bpf.h>.
 */
#ifndef __LIBARENA_INTERNAL_HOST_H
#define __LIBARENA_INTERNAL_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define __arena
#define __arg_arena
#define can_loop	1
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __hidden __attribute__((visibility("hidden")))
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif

#define libarena_opaque(x)	(x)
#define arena_offset(addr, off)	((addr) + (off))

__u32 libarena_cpu(void);	/* src/host/platform.c */

/* An unpopulated page faults here: the fast path asks the space map. */
#define fast_path_readable(chunk)	space_is_populated(chunk)

/* Growing the heap is an mmap here: any caller may. */
#define libarena_grows_inline()	true

/* Host threads migrate and run truly in parallel: the busy flag is taken
 * with compare-and-swap, and there is no preemption to switch off. */
static inline bool libarena_guard_enter(__u32 *busy)
{
	return __sync_bool_compare_and_swap(busy, 0, 1);
}

static inline void libarena_guard_exit(__u32 *busy)
{
	__atomic_store_n(busy, 0, __ATOMIC_RELEASE);
}

#define libarena_flag_enter	libarena_guard_enter
#define libarena_flag_exit	libarena_guard_exit

/* The compiler's ASan runtime owns the __asan_* names on the host: the
 * debug layer's checked accesses (<libarena/debug.h>) take a prefix. */
#define __asan_loadN	libarena_asan_loadN
#define __asan_storeN	libarena_asan_storeN
#define __asan_load1	libarena_asan_load1
#define __asan_load2	libarena_asan_load2
#define __asan_load4	libarena_asan_load4
#define __asan_load8	libarena_asan_load8
#define __asan_load16	libarena_asan_load16
#define __asan_store1	libarena_asan_store1
#define __asan_store2	libarena_asan_store2
#define __asan_store4	libarena_asan_store4
#define __asan_store8	libarena_asan_store8
#define __asan_store16	libarena_asan_store16

#endif /* __LIBARENA_INTERNAL_HOST_H */
