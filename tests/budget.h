/* SPDX-License-Identifier: BSD-2-Clause */
/* Stack and verifier budget of every entry point (tests/budget.c). */
#ifndef __LIBARENA_TESTS_BUDGET_H
#define __LIBARENA_TESTS_BUDGET_H

#include "runner.h"

void run_budget_tests(struct test_run *r);

#endif /* __LIBARENA_TESTS_BUDGET_H */
