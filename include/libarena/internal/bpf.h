/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BPF side of the platform glue (clang -target bpf): the arena address
 * space, the one arena map, the kfuncs the library calls, the verifier's
 * loop budget and the per-CPU busy flag.  <libarena/internal/host.h> gives
 * the same names to the host build; only common.h chooses between them.
 */
#ifndef __LIBARENA_INTERNAL_BPF_H
#define __LIBARENA_INTERNAL_BPF_H

#ifndef BPF_NO_KFUNC_PROTOTYPES
#define BPF_NO_KFUNC_PROTOTYPES	/* we declare the arena kfuncs ourselves */
#endif
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

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

/* addr + off with the arena pointer as the destination (see arena_elem()). */
static __always_inline __u64 arena_offset(__u64 addr, __u64 off)
{
	asm("%0 += %1" : "+r"(addr) : "r"(off));
	return addr;
}

/* vmlinux.h carries no errno macros; these are the Linux values. */
#define EPERM		1
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

/* The zero behind opaque() (<libarena/helpers.h>): an arena word the
 * verifier cannot know. */
extern volatile __u64 __arena libarena_opaque_zero;	/* in space.bpf.c */
#define libarena_opaque(x)	((typeof(x))((x) + libarena_opaque_zero))

/* The CPU this code runs on; BPF programs cannot migrate while running. */
#define libarena_cpu()		bpf_get_smp_processor_id()

/* Any arena address reads safely: an unpopulated page reads as zero, so a
 * chunk's owner check fails there. */
#define fast_path_readable(chunk)	((void)(chunk), true)

/*
 * May this program populate arena pages, that is grow the heap inline?
 * From Linux 7.0 bpf_arena_alloc_pages() and bpf_arena_free_pages() work
 * in every program type (the arena takes an rqspinlock and defers the
 * freeing of pages to irq_work, a list of spans and a worker); before,
 * they sleep, and the verifier refuses a non-sleepable program that can
 * reach them.  The kernel's BTF tells: struct bpf_arena has free_spans
 * exactly where the kfuncs are any-context, a backport included; the
 * version covers a later rename of the field.  Each operand is a constant
 * at load (a CO-RE relocation, .kconfig and .rodata), so the verifier
 * drops the branch not taken and never looks at the global function
 * behind it.  The test must sit in the caller's own inlined code: a global
 * function that calls a sleepable kfunc is refused in a non-sleepable
 * program even behind a false constant.  Nothing in a program says
 * whether it is sleepable, so before 7.0 sleepable programs take the
 * asynchronous refill too unless their file defines LIBARENA_SLEEPABLE.
 * User space may turn inline growth off before load:
 * skel->rodata->libarena_no_inline_growth = 1.
 */
struct bpf_arena___any_context {
	struct llist_head free_spans;
} __attribute__((preserve_access_index));

#define LIBARENA_ANY_CONTEXT_PAGES	KERNEL_VERSION(7, 0, 0)
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern const volatile __u32 libarena_no_inline_growth;	/* in space.bpf.c */

static __always_inline bool libarena_grows_inline(void)
{
	if (libarena_no_inline_growth)
		return false;
	return bpf_core_field_exists(struct bpf_arena___any_context,
				     free_spans) ||
	       LINUX_KERNEL_VERSION >= LIBARENA_ANY_CONTEXT_PAGES;
}

/*
 * A per-CPU busy flag guarding data only its own CPU touches (the per-CPU
 * caches).  A plain load and store suffice against programs that nest on
 * this CPU (an interrupt runs to completion before we resume), and
 * preemption is switched off around the section.  Always: every
 * distribution kernel is built preemptible (PREEMPT_DYNAMIC), and asking
 * CONFIG_PREEMPTION through .kconfig cost a load and a branch at each of
 * the four guard calls of a pair, which the verifier does not fold
 * (counted on 7.0: 16 of the cached pair's 232 instructions).
 */
void bpf_preempt_disable(void) __ksym __weak;
void bpf_preempt_enable(void) __ksym __weak;

/* The flag alone: enough where nothing can preempt us (see <libarena/internal/cache.h>). */
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
	bpf_preempt_disable();
	if (libarena_flag_enter(busy))
		return true;
	bpf_preempt_enable();
	return false;
}

static __always_inline void libarena_guard_exit(__u32 __arena *busy)
{
	libarena_flag_exit(busy);
	bpf_preempt_enable();
}

#endif /* __LIBARENA_INTERNAL_BPF_H */
