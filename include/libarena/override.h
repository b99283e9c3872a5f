/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The standard names for the default instance: include this (after or
 * instead of <libarena/libarena.h>) and malloc(), free(), calloc() and
 * realloc() in your BPF program are arena_malloc() and friends.  Opt-in:
 * macros with such common names would otherwise rename any identifier
 * that happens to be called free or malloc.
 */
#ifndef __LIBARENA_OVERRIDE_H
#define __LIBARENA_OVERRIDE_H

#include "libarena.h"

#define malloc(size)		arena_malloc(size)
#define free(p)			arena_free(p)
#define calloc(n, size)		arena_calloc((n), (size))
#define realloc(p, size)	arena_realloc((p), (size))

#endif /* __LIBARENA_OVERRIDE_H */
