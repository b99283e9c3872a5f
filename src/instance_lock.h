/* SPDX-License-Identifier: BSD-2-Clause */
/* The instance lock, for the core (src/buddy.bpf.c, src/check.bpf.c). */
#ifndef __LIBARENA_INSTANCE_LOCK_H
#define __LIBARENA_INSTANCE_LOCK_H

#include "instance.h"

/* The long way (src/lock.bpf.c). */
int instance_lock_slow(buddy_t *b __arg_arena);

/*
 * Lock a ready instance: 0, -EINVAL, -EDEADLK or -ETIMEDOUT, counted.  A
 * free lock is taken here, inline (a call's entry and exit cost as much
 * as the rest); a held one, or fault injection, goes the long way
 * (src/lock.bpf.c).
 */
static __always_inline int instance_lock(buddy_t *b)
{
	if (READ_ONCE(libarena_faults.lock_every) || !buddy_ready(b) ||
	    platform_trylock(&b->lock))
		return instance_lock_slow(b);
	lock_taken(b);
	return 0;
}

static __always_inline void instance_unlock(buddy_t *b)
{
	WRITE_ONCE(b->stats.seq, b->stats.seq + 1);	/* even: consistent */
	platform_unlock(&b->lock);
}

#endif /* __LIBARENA_INSTANCE_LOCK_H */
