/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/progs/budget.bpf.c and tests/budget.c. */
#ifndef __LIBARENA_BUDGET_TYPES_H
#define __LIBARENA_BUDGET_TYPES_H

/* What a caller keeps for its own frames: 512 B minus the library's 144
 * (128 until arena_elem() pinned pointer arithmetic for kernels before
 * 7.0.10: its adds cost a spill slot in a few slow-path frames). */
#define BUDGET_CALLER_STACK	368
#define BUDGET_LIBRARY_STACK	144
/* Verified instructions: one entry point alone, and alloc + free. */
#define BUDGET_ENTRY_INSNS	15000
#define BUDGET_PAIR_INSNS	25000

#endif /* __LIBARENA_BUDGET_TYPES_H */
