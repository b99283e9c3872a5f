/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The platform seam for the host build: the arena is an mmap'ed PROT_NONE
 * region, populating is mprotect, the lock is a bounded spin lock that
 * detects re-acquisition by its own thread.
 */
#ifndef __LIBARENA_HOST_PLATFORM_H
#define __LIBARENA_HOST_PLATFORM_H

/* The lock word holds the holder's thread id (host threads migrate). */
int platform_lock(__u32 *word);
int platform_trylock(__u32 *word);
void platform_unlock(__u32 *word);
bool platform_lock_held_here(__u32 *word);
void platform_window(__u64 *start, __u64 *end);
__u32 platform_random(void);
void platform_publish(__u64 space, __u64 default_instance);
int platform_reserve(__u64 addr, __u32 pages);
int platform_populate(__u64 addr, __u32 pages);
void platform_depopulate(__u64 addr, __u32 pages);
#define platform_notify(instance)	((void)(instance))

/* Host-only controls for tests: arena size, fault-free fresh start. */
int libarena_host_set_arena_size(__u64 bytes);
void libarena_host_reset(void);
/* Lock timeout in ns (default 250 ms, like the kernel's). */
void libarena_host_set_lock_timeout(__u64 ns);
/* Keep the calling thread on the CPU it runs on: per-CPU caches are found
 * by CPU id, and only a cache's own CPU can empty it (buddy_trim()). */
void libarena_host_pin(void);

#endif /* __LIBARENA_HOST_PLATFORM_H */
