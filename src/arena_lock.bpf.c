// SPDX-License-Identifier: BSD-2-Clause
/*
 * The users' arena lock (<libarena/lock.h>): the platform's lock word, the
 * one the instances use, with its failures counted in the lock.  Out of
 * line so that the spin's state is not in the caller's frame.
 */
#include <libarena/lock.h>
#include "platform.h"

/* A failure counted in the lock: a deadlock, or the call's other one
 * (a timeout, or a trylock that found the lock held). */
static __always_inline int lock_counted(struct arena_lock __arena *l, int err,
					__u32 __arena *other)
{
	if (err == -EDEADLK)
		atomic_add(&l->deadlocks, 1);
	else if (err)
		atomic_add(other, 1);
	return err;
}

__noinline int arena_lock(struct arena_lock __arena *l __arg_arena)
{
	return lock_counted(l, platform_lock(&l->word), &l->timeouts);
}

__noinline int arena_trylock(struct arena_lock __arena *l __arg_arena)
{
	return lock_counted(l, platform_trylock(&l->word), &l->busy);
}

__noinline int arena_unlock(struct arena_lock __arena *l __arg_arena)
{
	if (!platform_lock_held_here(&l->word))
		return -EPERM;
	platform_unlock(&l->word);
	return 0;
}
