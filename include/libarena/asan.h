/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ASan runtime names that programs written for upstream libarena (and
 * code instrumented by an LLVM 22+ -fsanitize=kernel-address BPF build)
 * expect, served by libarena's debug runtime: build with -DLIBARENA_DEBUG
 * and link libarena_debug.bpf.o.  Shadow encoding as ASan's: one byte per
 * 8 bytes of heap, 0 = addressable, 1..7 = that many leading bytes, other
 * values = not addressable (0xfa redzone, 0xfd freed).  The compiler's
 * __asan_load/store checks are in <libarena/debug.h>.
 *
 * Included in a release build it is harmless: the names are there and do
 * nothing, as upstream's header outside its ASan builds.
 *
 * What differs from upstream: the per-block header is libarena's debug
 * header (16 bytes: size, magic, canary), not upstream's; asan_init() has
 * nothing to set up (the shadow is populated with each chunk); reports go
 * to the libarena_reports ring buffer, BPF streams not working here.
 */
#ifndef __LIBARENA_ASAN_H
#define __LIBARENA_ASAN_H

#define ASAN_SHADOW_SHIFT	3
#define ASAN_GRANULE(addr)	((__u64)(addr) & ((1u << ASAN_SHADOW_SHIFT) - 1))

struct asan_init_args {
	__u64 arena_all_pages;
	__u64 arena_globals_pages;
};

#define asan_init(args)			((void)(args), 0)

#ifdef LIBARENA_DEBUG
#include "debug.h"

/* Nonzero (the faulting address) once a check found a bug; clear it. */
extern volatile __u64 __arena asan_violated;

/* Out of line, in src/debug.bpf.c; addresses travel as integers. */
int libarena_asan_poison(__u64 addr, __u64 val, __u64 size);
int libarena_asan_unpoison(__u64 addr, __u64 size);
__s64 libarena_asan_shadow_value(__u64 addr);	/* -EFAULT: not heap */

#define asan_poison(addr, val, size)	libarena_asan_poison((__u64)(addr), (__u8)(val), (size))
#define asan_unpoison(addr, size)	libarena_asan_unpoison((__u64)(addr), (size))
#define asan_shadow_value(addr)		libarena_asan_shadow_value((__u64)(addr))
/* Is addr's shadow byte set (not wholly addressable)? */
#define asan_shadow_set(addr)		(asan_shadow_value(addr) != 0)

#else /* !LIBARENA_DEBUG */

/*
 * A release build keeps no shadow: every address reads as addressable and
 * poisoning does nothing, so code written for upstream (which includes
 * this header in every build) compiles unchanged.  asan_violated exists
 * only in the debug runtime.
 */
#define asan_poison(addr, val, size)	((void)(addr), (void)(val), (void)(size), 0)
#define asan_unpoison(addr, size)	((void)(addr), (void)(size), 0)
#define asan_shadow_value(addr)		((void)(addr), (__s64)0)
#define asan_shadow_set(addr)		((void)(addr), false)

#endif /* LIBARENA_DEBUG */

#endif /* __LIBARENA_ASAN_H */
