/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The buddy allocator: explicit instances.
 *
 *   buddy_t b;                     (in the arena: a global or a block)
 *   buddy_init(&b);
 *   p = buddy_alloc(&b, 100);      16-byte aligned, NULL on failure
 *   err = buddy_free(&b, p);       0, or -errno and nothing changed
 *   buddy_destroy(&b);             every page back to the kernel
 *
 * buddy_free() errors: -EFAULT (not in a populated slice of the window),
 * -EINVAL (not 16-byte aligned), -EXDEV (owned by another instance),
 * -EADDRNOTAVAIL (inside a block or its chunk's metadata, not at a block
 * start), -EALREADY (not allocated: double free), -EDEADLK/-ETIMEDOUT (the
 * lock could not be taken; the block stays allocated).  Each is counted in
 * buddy_stats.rejected[].
 */
#ifndef __LIBARENA_BUDDY_H
#define __LIBARENA_BUDDY_H

#include "types.h"

typedef struct buddy __arena buddy_t;

#ifdef __BPF__
#define __LIBARENA_ARG __arg_arena
#else
#define __LIBARENA_ARG
#endif

int buddy_init_flags(buddy_t *b __LIBARENA_ARG, __u64 flags);
int buddy_destroy(buddy_t *b __LIBARENA_ARG);
int buddy_reset(buddy_t *b __LIBARENA_ARG);
/* Global entry points; a global BPF function may not return a pointer. */
__u64 __buddy_alloc(buddy_t *b __LIBARENA_ARG, __u64 size);
int __buddy_free(buddy_t *b __LIBARENA_ARG, __u64 addr);
__u64 __buddy_usable_size(buddy_t *b __LIBARENA_ARG, __u64 addr);
/* Walk every chunk; 0 or -EUCLEAN with the finding in b->check. */
int buddy_check(buddy_t *b __LIBARENA_ARG);

static __always_inline int buddy_init(buddy_t *b)
{
	return buddy_init_flags(b, 0);
}

#define buddy_alloc(b, size)	((void __arena *)__buddy_alloc((b), (size)))
#define buddy_free(b, p)	__buddy_free((b), arena_addr(p))
#define buddy_usable_size(b, p)	__buddy_usable_size((b), arena_addr(p))

#endif /* __LIBARENA_BUDDY_H */
