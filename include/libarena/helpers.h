/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers for your own arena code, the ones the README's rules name
 * (included by <libarena/libarena.h>):
 *
 *   arena_elem(arr, i)    &arr[i] for an array in the arena, i not a
 *                         constant: *arena_elem(arr, i) for arr[i]
 *   opaque(x)             x, hidden from the verifier's range tracking:
 *                         start can_loop counters at opaque(0)
 *   arena_ptr(addr), arena_addr(p)
 *                         an arena pointer to and from a __u64, for
 *                         global functions (which may not return one)
 *   READ_ONCE(x), WRITE_ONCE(x, v)
 *                         one load or store, never merged with others
 *   arena_use()           in a program that only dereferences arena
 *                         pointers it found elsewhere (a map value)
 */
#ifndef __LIBARENA_HELPERS_H
#define __LIBARENA_HELPERS_H

#include "internal/common.h"	/* arena_offset(), __arena, READ_ONCE() */

/* Arena pointers travel through global functions as 64-bit addresses. */
#define arena_ptr(addr)		((void __arena *)(__u64)(addr))
#define arena_addr(ptr)		((__u64)(ptr))

/*
 * &base[i] for an array in the arena, i not a constant.  Kernels without
 * upstream ac61bffe91d4 (6.16 to 6.19, 7.0 before 7.0.10) allow arena
 * pointer arithmetic only with the pointer as the destination (ptr +=
 * scalar); for base[i] clang may emit scalar += ptr instead, which they
 * reject: "R2 pointer arithmetic on arena prohibited".  arena_offset()
 * pins the order.  Every variable index into arena memory in the library
 * goes through here.
 */
#define arena_elem(base, i)						\
	((typeof(&(base)[0]))arena_ptr(arena_offset(arena_addr(&(base)[0]), \
		(__u64)(i) * sizeof((base)[0]))))

/*
 * Hide a value from the verifier's range tracking.  A can_loop loop that
 * carries a known constant (a counter starting at 0) is walked iteration
 * by iteration; a value loaded from the arena is unknown, so the verifier
 * can prune at the loop head instead.
 */
#define opaque(x)	libarena_opaque(x)

/*
 * The verifier lets a program touch arena memory only if the program uses
 * the arena map.  One that calls no libarena function and names no arena
 * global, but follows a pointer it read from a map (a per-task context in
 * task storage), is refused with "addr_space_cast insn can only be used in
 * a program that has an associated arena".  This names the map.
 */
#ifdef __BPF__
#define arena_use()	asm volatile("" :: "r"(&arena))
#else
#define arena_use()	do { } while (0)
#endif

#endif /* __LIBARENA_HELPERS_H */
