/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiler and kernel glue shared by every libarena header.  What differs
 * between BPF (clang -target bpf) and the host (user space and the host
 * build of the allocator) lives in bpf.h and host.h: this is the one
 * switch between them.
 */
#ifndef __LIBARENA_COMMON_H
#define __LIBARENA_COMMON_H

#ifdef __BPF__
#include "bpf.h"
#else
#include "host.h"
#endif

/* Make the compiler forget what it knows of var (so a mask it would drop as
 * redundant stays for the verifier, which may have lost the bound). */
#ifndef barrier_var
#define barrier_var(var)	asm volatile("" : "+r"(var))
#endif

#ifndef READ_ONCE
#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#endif
#ifndef cmpxchg
#define cmpxchg(p, old, new)	__sync_val_compare_and_swap((p), (old), (new))
#endif

/*
 * Every mapping of an arena must sit at the arena's one address, so a tool
 * in another process (arenactl) can map it only if that range is free
 * there.  Loaders that want to be inspected should place the arena away
 * from where mmap puts things:
 *   bpf_map__set_map_extra(skel->maps.arena, LIBARENA_ARENA_ADDR);
 */
#define LIBARENA_ARENA_ADDR	0x100000000000ull	/* 16 TiB */

/* The helpers programs use too (arena_elem(), opaque()...): public. */
#include "../helpers.h"

#endif /* __LIBARENA_COMMON_H */
