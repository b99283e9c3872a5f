/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiler and kernel glue shared by every libarena header: the arena
 * address space, the single arena map, the kfuncs the library calls, and a
 * few builtins.  Compiles for BPF (clang -target bpf) and for the host build,
 * where the arena is an mmap-reserved region and these collapse to plain C.
 */
#ifndef __LIBARENA_COMMON_H
#define __LIBARENA_COMMON_H

#ifdef __BPF__

#ifndef BPF_NO_KFUNC_PROTOTYPES
#define BPF_NO_KFUNC_PROTOTYPES	/* we declare the arena kfuncs ourselves */
#endif
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define __arena __attribute__((address_space(1)))
#ifndef __arg_arena	/* libbpf >= 1.4 defines it too */
#define __arg_arena __attribute__((btf_decl_tag("arg:arena")))
#endif

/*
 * True while the verifier's loop budget lasts (a may_goto instruction).
 * Every loop in the library is also bounded by its own count, so hitting the
 * budget is detected by the caller, never a silent partial result.
 */
#define can_loop							\
	({								\
		__label__ l_out, l_in;					\
		bool __ok = true;					\
		asm volatile goto("may_goto %l[l_out]" :::: l_out);	\
		goto l_in;						\
	l_out:								\
		__ok = false;						\
	l_in:								\
		__ok;							\
	})

/* Arena size in 4 KiB pages: 1 GiB buddy window + 3 MiB for globals/slack. */
#ifndef LIBARENA_ARENA_PAGES
#define LIBARENA_ARENA_PAGES	((1u << 18) + 768)
#endif

/*
 * The one arena every object linked with libarena shares.  __weak so that the
 * library and any number of user objects may each define it; the definitions
 * must be identical (resize from user space with bpf_map__set_max_entries()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, LIBARENA_ARENA_PAGES);
} arena SEC(".maps") __weak;

void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr,
				    __u32 page_cnt, int node_id,
				    __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr,
			  __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *addr,
			    __u32 page_cnt) __ksym __weak;

#else /* host build */

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

#endif /* __BPF__ */

#ifdef __BPF__
/* vmlinux.h carries no errno macros; these are the Linux values. */
#define ENOENT		2
#define E2BIG		7
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EXDEV		18
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define EDEADLK		35
#define EOVERFLOW	75
#define EOPNOTSUPP	95
#define EADDRNOTAVAIL	99
#define ETIMEDOUT	110
#define EALREADY	114
#define EUCLEAN		117
#else
#include <errno.h>
#endif

/*
 * Hide a value from the verifier's range tracking.  A can_loop loop that
 * carries a known constant (a counter starting at 0) is walked iteration by
 * iteration; a value loaded from the arena is unknown, so the verifier can
 * prune at the loop head instead.
 */
#ifdef __BPF__
extern volatile __u64 __arena libarena_opaque_zero;	/* in space.bpf.c */
#define opaque(x)	((typeof(x))((x) + libarena_opaque_zero))
#else
#define opaque(x)	(x)
#endif

/* Make the compiler forget what it knows of var (so a mask it would drop as
 * redundant stays for the verifier, which may have lost the bound). */
#ifndef barrier_var
#define barrier_var(var)	asm volatile("" : "+r"(var))
#endif

#ifndef READ_ONCE
#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#endif
#ifndef cmpxchg
#define cmpxchg(p, old, new)	__sync_val_compare_and_swap((p), (old), (new))
#endif

/* The CPU this code runs on; BPF programs cannot migrate while running. */
#ifdef __BPF__
#define libarena_cpu()		bpf_get_smp_processor_id()
#else
__u32 libarena_cpu(void);	/* src/host/platform.c */
#endif

/*
 * A per-CPU busy flag guarding data only its own CPU touches (the per-CPU
 * caches).  In BPF a plain load and store suffice against programs that
 * nest on this CPU (an interrupt runs to completion before we resume), and
 * preemption is switched off around the section where the kernel could
 * preempt us at all (.kconfig: resolved at load, the branch dropped by the
 * verifier when false).  Host threads migrate and run truly in parallel,
 * so there the flag is taken with compare-and-swap.
 */
#ifdef __BPF__
void bpf_preempt_disable(void) __ksym __weak;
void bpf_preempt_enable(void) __ksym __weak;
extern bool CONFIG_PREEMPTION __kconfig __weak;

/* The flag alone: enough where nothing can preempt us (see below). */
static __always_inline bool libarena_flag_enter(__u32 __arena *busy)
{
	if (*(volatile __u32 __arena *)busy)
		return false;
	*(volatile __u32 __arena *)busy = 1;
	asm volatile("" ::: "memory");
	return true;
}

static __always_inline void libarena_flag_exit(__u32 __arena *busy)
{
	asm volatile("" ::: "memory");
	*(volatile __u32 __arena *)busy = 0;
}

static __always_inline bool libarena_guard_enter(__u32 __arena *busy)
{
	if (CONFIG_PREEMPTION)
		bpf_preempt_disable();
	if (libarena_flag_enter(busy))
		return true;
	if (CONFIG_PREEMPTION)
		bpf_preempt_enable();
	return false;
}

static __always_inline void libarena_guard_exit(__u32 __arena *busy)
{
	libarena_flag_exit(busy);
	if (CONFIG_PREEMPTION)
		bpf_preempt_enable();
}
#else
static inline bool libarena_guard_enter(__u32 *busy)
{
	return __sync_bool_compare_and_swap(busy, 0, 1);
}

static inline void libarena_guard_exit(__u32 *busy)
{
	__atomic_store_n(busy, 0, __ATOMIC_RELEASE);
}
#endif

/*
 * Every mapping of an arena must sit at the arena's one address, so a tool
 * in another process (arenactl) can map it only if that range is free
 * there.  Loaders that want to be inspected should place the arena away
 * from where mmap puts things:
 *   bpf_map__set_map_extra(skel->maps.arena, LIBARENA_ARENA_ADDR);
 */
#define LIBARENA_ARENA_ADDR	0x100000000000ull	/* 16 TiB */

/* Arena pointers travel through global functions as 64-bit addresses. */
#define arena_ptr(addr)		((void __arena *)(__u64)(addr))
#define arena_addr(ptr)		((__u64)(ptr))

#endif /* __LIBARENA_COMMON_H */
