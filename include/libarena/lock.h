/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A lock for your own structures in the arena, usable where bpf_spin_lock
 * is not (tracing, perf_event, socket programs) and held across arena
 * accesses and calls: the lock the allocator takes for its instances.
 *
 *   struct arena_lock __arena table_lock;      (zero: unlocked)
 *
 *   err = arena_lock(&table_lock);
 *   if (err)
 *           return err;        (-EDEADLK, -ETIMEDOUT: not taken)
 *   ... the critical section ...
 *   arena_unlock(&table_lock);
 *
 * A word holding the holder's CPU + 1: BPF programs do not migrate, so a
 * program that finds its own CPU there interrupted the holder (a perf_event
 * or tracing program nested in it) and gets -EDEADLK at once instead of
 * spinning against a holder that cannot run.  Other CPUs spin with backoff
 * for at most 10 ms, then get -ETIMEDOUT.  Keep critical sections short
 * and make no call that may sleep inside one.  Failures are counted in the
 * lock itself.
 */
#ifndef __LIBARENA_LOCK_H
#define __LIBARENA_LOCK_H

#include "internal/types.h"

struct arena_lock {
	__u32 word;		/* 0 free, else the holder's CPU + 1 */
	__u32 deadlocks;	/* -EDEADLK returned: nested on the holder's CPU */
	__u32 timeouts;		/* -ETIMEDOUT returned */
	__u32 busy;		/* arena_trylock() found it held */
};

/* 0, -EDEADLK (held by this CPU), -ETIMEDOUT (held elsewhere for 10 ms). */
int arena_lock(struct arena_lock __arena *l __arg_arena);
/* 0, -EBUSY (held by another CPU), -EDEADLK (held by this CPU); no wait. */
int arena_trylock(struct arena_lock __arena *l __arg_arena);
/* 0; -EPERM if this CPU does not hold it (nothing changes). */
int arena_unlock(struct arena_lock __arena *l __arg_arena);

#endif /* __LIBARENA_LOCK_H */
