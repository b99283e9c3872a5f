/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The platform seam: everything the allocator needs from its environment.
 *
 *   platform_window(&start, &end)      arena address range
 *   platform_reserve(addr, pages)      keep pages from other allocators
 *   platform_populate(addr, pages)     reserved -> backed by zeroed pages
 *   platform_depopulate(addr, pages)   backed -> reserved again
 *   platform_random()                  32 random bits
 *   platform_publish(space, instance)  tell tools where the allocator is
 *   platform_lock(word) / platform_unlock(word)
 *                                      a lock word in the arena; bounded:
 *                                      0, -EDEADLK (this CPU/thread holds
 *                                      it already) or -ETIMEDOUT
 *   platform_trylock(word)             one try: 0, -EDEADLK or -EBUSY
 *   platform_lock_held_here(word)      does this CPU/thread hold it?
 *   platform_notify(instance)          wake whoever serves refill requests
 *
 * The BPF implementation uses the arena kfuncs (sleepable before 7.0:
 * reached only where libarena_grows_inline() or a sleepable caller
 * allows), an arena spin word and a ring buffer that wakes the user-space
 * refill thread; the host one (src/host/) uses mmap and a spin lock with
 * the same guarantees, and grows inline, so it notifies nobody.
 */
#ifndef __LIBARENA_PLATFORM_H
#define __LIBARENA_PLATFORM_H

#include <libarena/internal/types.h>

#ifdef __BPF__
#include "platform_bpf.h"
#else
#include "host/platform.h"
#endif

#define atomic_add(p, v)	((void)__sync_fetch_and_add((p), (v)))
#define atomic_or(p, v)		((void)__sync_fetch_and_or((p), (v)))
#define atomic_and(p, v)	((void)__sync_fetch_and_and((p), (v)))

#endif /* __LIBARENA_PLATFORM_H */
