/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libarena: a heap for BPF programs inside a BPF arena.
 *
 * Include this first in a BPF program (it includes vmlinux.h with
 * BPF_NO_KFUNC_PROTOTYPES and bpf_helpers.h), then link the program's object
 * with libarena.bpf.o.  See README.md.
 */
#ifndef __LIBARENA_H
#define __LIBARENA_H

#include "internal/common.h"
#include "internal/types.h"
#include "buddy.h"
#include "malloc.h"
#include "lock.h"

#endif /* __LIBARENA_H */
