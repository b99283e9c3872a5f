/* SPDX-License-Identifier: BSD-2-Clause */
/* The program-type matrix (tests/prog_types.c). */
#ifndef __LIBARENA_TESTS_PROG_TYPES_H
#define __LIBARENA_TESTS_PROG_TYPES_H

#include "runner.h"

void run_prog_type_tests(struct test_run *r);

#endif /* __LIBARENA_TESTS_PROG_TYPES_H */
