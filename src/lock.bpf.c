// SPDX-License-Identifier: BSD-2-Clause
/*
 * The instance lock's long way (instance_lock() in instance_lock.h takes
 * a free lock inline): fault injection, the wait (platform_lock() in the
 * platform seam spins on the word), and the counts of failures.  Out of
 * line: the spin's state would otherwise sit in each caller's stack
 * frame.
 */
#include "instance.h"

/* A lock call that failed, counted. */
static __always_inline int lock_failed(buddy_t *b, int err)
{
	pcpu_cache_t *pc;

	atomic_add(&b->stats.lock_failures, 1);
	if (err == -ETIMEDOUT) {
		atomic_add(&b->stats.lock_timeouts, 1);
		return err;
	}
	atomic_add(&b->stats.lock_deadlocks, 1);
	pc = pcpu_of(b, libarena_cpu());
	if (pc)
		atomic_add(&pc->stats.nested, 1);
	return err;
}

/* The lock taken the long way: fault injection on, or held already. */
__noinline int instance_lock_slow(buddy_t *b __arg_arena)
{
	int err;

	if (!buddy_ready(b))
		return -EINVAL;
	if (fault_hit(FAULT_LOCK, READ_ONCE(libarena_faults.lock_every)))
		err = -ETIMEDOUT;
	else
		err = platform_lock(&b->lock);
	if (err)
		return lock_failed(b, err);
	lock_taken(b);
	return 0;
}
