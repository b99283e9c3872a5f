/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/progs/budget.bpf.c and tests/budget.c. */
#ifndef __LIBARENA_BUDGET_TYPES_H
#define __LIBARENA_BUDGET_TYPES_H

/*
 * What a user's program keeps for itself: four frames (main and three
 * nested functions) of 384 bytes in all, which leaves the library 4 of
 * the verifier's 8 frames and 128 of its 512 bytes of stack.
 */
#define BUDGET_USER_FRAMES	4
#define BUDGET_MAIN_FRAME	192
#define BUDGET_NESTED_FRAME	64
#define BUDGET_USER_STACK	(BUDGET_MAIN_FRAME + 3 * BUDGET_NESTED_FRAME)
#define BUDGET_LIBRARY_FRAMES	(8 - BUDGET_USER_FRAMES)
#define BUDGET_LIBRARY_STACK	(512 - BUDGET_USER_STACK)
/* Verified instructions: one entry point alone, and alloc + free. */
#define BUDGET_ENTRY_INSNS	15000
#define BUDGET_PAIR_INSNS	25000

#endif /* __LIBARENA_BUDGET_TYPES_H */
