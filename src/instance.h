/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers on an allocator instance shared by the library's sources. */
#ifndef __LIBARENA_INSTANCE_H
#define __LIBARENA_INSTANCE_H

#include "chunk.h"
#include "space.h"
#include <libarena/buddy.h>

static __always_inline bool buddy_ready(buddy_t *b)
{
	return b->magic == BUDDY_MAGIC && READ_ONCE(b->state) == BUDDY_READY;
}

static __always_inline struct libarena_lock *buddy_lock_of(buddy_t *b)
{
	return platform_lock_of(b->lock_slot - 1);
}

/* Take the instance lock: 0, or the lock's -EDEADLK/-ETIMEDOUT (counted). */
static __always_inline int buddy_lock(buddy_t *b, struct libarena_lock *l)
{
	int err = platform_lock(l);

	if (err) {
		atomic_add(&b->stats.lock_failures, 1);
		return err;
	}
	b->stats.lock_acquisitions++;
	return 0;
}

/* Lock a ready instance: its lock, held, or NULL with *err set (-EINVAL
 * when not ready, else the lock's error). */
static __always_inline struct libarena_lock *buddy_lock_ready(buddy_t *b, int *err)
{
	struct libarena_lock *l;

	*err = -EINVAL;
	if (!buddy_ready(b))
		return NULL;
	l = buddy_lock_of(b);
	if (!l)
		return NULL;
	*err = buddy_lock(b, l);
	return *err ? NULL : l;
}

/*
 * Zero word by word through a volatile pointer: clang may fold a struct
 * clear into a memset that drops the arena address space.  Returns false
 * if the loop budget ran out first.
 */
static __always_inline bool arena_zero(void __arena *p, __u64 bytes)
{
	volatile __u64 __arena *w = p;
	__u64 i;

	for (i = opaque(0); i < bytes / 8 && can_loop; i++)
		w[i] = 0;
	return i == bytes / 8;
}

#endif /* __LIBARENA_INSTANCE_H */
