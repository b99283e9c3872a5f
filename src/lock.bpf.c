// SPDX-License-Identifier: BSD-2-Clause
/*
 * The instance lock: a word in struct buddy (platform_lock() in the
 * platform seam spins on it), plus what the library adds around it:
 * fault injection, the statistics' seqcount, and the counts of failures.
 * Out of line: every locked path calls it, and the spin's state would
 * otherwise sit in each caller's stack frame.
 */
#include "instance.h"

__noinline int buddy_lock(buddy_t *b __arg_arena)
{
	pcpu_cache_t *pc;
	int err;

	if (!buddy_ready(b))
		return -EINVAL;
	if (fault_hit(FAULT_LOCK, READ_ONCE(libarena_faults.lock_every)))
		err = -ETIMEDOUT;
	else
		err = platform_lock(&b->lock);
	pc = pcpu_of(b, libarena_cpu());
	if (err) {
		atomic_add(&b->stats.lock_failures, 1);
		if (err == -ETIMEDOUT) {
			atomic_add(&b->stats.lock_timeouts, 1);
		} else {
			atomic_add(&b->stats.lock_deadlocks, 1);
			if (pc)
				atomic_add(&pc->stats.nested, 1);
		}
		return err;
	}
	WRITE_ONCE(b->stats.seq, b->stats.seq + 1);	/* odd: updating */
	b->stats.lock_acquisitions++;
	if (pc)
		atomic_add(&pc->stats.lock_acquisitions, 1);
	return 0;
}
