/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The buddy allocator: explicit instances.
 *
 *   buddy_t b;                     (in the arena: a global or a block)
 *   buddy_init(&b);                per-CPU caches on; or
 *   buddy_init_flags(&b, BUDDY_NO_PCPU_CACHE)  the plain buddy ("uncached mode")
 *   p = buddy_alloc(&b, 100);      16-byte aligned, NULL on failure
 *   err = buddy_free(&b, p);       0, or -errno and nothing changed
 *   buddy_destroy(&b);             every page back to the kernel
 *
 * Program types: buddy_alloc/buddy_free/buddy_usable_size and buddy_trim,
 * buddy_set_reserve, buddy_check work in every program type that can use an
 * arena.  Alloc and free grow and shrink the heap inline where the program
 * may populate pages (libarena_grows_inline(): Linux 7.0+), else they
 * serve from the reserve and wake the user-space refill thread.  Populating
 * and releasing pages sleeps before 7.0, so there these are for sleepable
 * programs (syscall, iter.s, uprobe.s, a bpf_wq callback...): buddy_init*,
 * buddy_destroy, buddy_reset, buddy_refill, buddy_reserve, buddy_shrink.
 * Overrides (define before including libarena.h): LIBARENA_SLEEPABLE
 * always grows inline (sleepable programs before 7.0);
 * LIBARENA_ASYNC_REFILL never does and kicks a bpf_wq work item instead
 * (program types that may use one; see buddy_kick_refill()).
 *
 * buddy_free() errors: -EFAULT (not in a populated slice of the window),
 * -EINVAL (not 16-byte aligned, or the instance not initialised), -EXDEV
 * (owned by another instance), -EADDRNOTAVAIL (inside a block or its
 * chunk's metadata, not at a block start), -EALREADY (not allocated:
 * double free), -EDEADLK/-ETIMEDOUT (the lock could not be taken; the
 * block stays allocated; with caches on the free is queued instead and 0
 * returned).  Each is counted in buddy_stats.rejected[], except the
 * uninitialised instance's -EINVAL.
 */
#ifndef __LIBARENA_BUDDY_H
#define __LIBARENA_BUDDY_H

#include "internal/entry.h"
#include "internal/fast.h"	/* the inline fast paths */

int buddy_init_flags(buddy_t *b __arg_arena, __u64 flags);
int buddy_destroy(buddy_t *b __arg_arena);
int buddy_reset(buddy_t *b __arg_arena);

/*
 * The reserve (free bytes in populated chunks).  Alloc asks for a refill
 * under `low` free bytes or when a request found no block; free asks for a
 * shrink when entirely empty chunks hold more than `high` bytes.  Defaults:
 * 512 KiB and 4 MiB, raised by the library when the reserve runs (nearly)
 * dry before a refill; set ones stay.  Any context: 0 or -EINVAL (not
 * initialised) / -ERANGE (low > high, or high past the window).
 */
int buddy_set_reserve(buddy_t *b __arg_arena, __u64 low, __u64 high);
/* Where pages may be populated (see above): serve what alloc/free asked
 * for; chunks moved, or -errno. */
int buddy_refill(buddy_t *b __arg_arena);
/* Likewise: grow now until `bytes` are free; chunks added, or -errno. */
int buddy_reserve(buddy_t *b __arg_arena, __u64 bytes);
/* Likewise: trim the caches, return empty chunks beyond the high mark. */
int buddy_shrink(buddy_t *b __arg_arena);

/* Walk every chunk; 0 or -EUCLEAN with the finding in b->check. */
int buddy_check(buddy_t *b __arg_arena);
/* Give this CPU's cached blocks and the depot's back to the buddy, and ask
 * the other CPUs to empty theirs at their next slow path: how many now, or
 * -errno. */
int buddy_trim(buddy_t *b __arg_arena);
/* Bytes each CPU may keep cached (default 2 MiB); trims. */
int buddy_set_cache_budget(buddy_t *b __arg_arena, __u64 bytes);

static __always_inline int buddy_init(buddy_t *b)
{
	return buddy_init_flags(b, 0);
}

#ifdef LIBARENA_DEBUG
#include "debug.h"
#define buddy_alloc(b, size)	((void __arena *)__dbg_alloc_slow((b), (size)))
#define buddy_free(b, p)	__dbg_free((b), arena_addr(p))
#define buddy_usable_size(b, p)	__dbg_usable_size((b), arena_addr(p))
#else
#define buddy_alloc(b, size)	((void __arena *)buddy_alloc_fast((b), (size)))
#define buddy_free(b, p)	buddy_free_fast((b), arena_addr(p))
#define buddy_usable_size(b, p)	buddy_usable_size_addr((b), arena_addr(p))
#endif

#endif /* __LIBARENA_BUDDY_H */
