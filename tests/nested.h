/* SPDX-License-Identifier: BSD-2-Clause */
/* Same-CPU nesting tests (tests/nested.c). */
#ifndef __LIBARENA_TESTS_NESTED_H
#define __LIBARENA_TESTS_NESTED_H

#include "runner.h"

void run_nested_tests(struct test_run *r);

#endif /* __LIBARENA_TESTS_NESTED_H */
