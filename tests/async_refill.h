/* SPDX-License-Identifier: BSD-2-Clause */
/* The bpf_wq refill test (tests/async_refill.c). */
#ifndef __LIBARENA_TESTS_ASYNC_REFILL_H
#define __LIBARENA_TESTS_ASYNC_REFILL_H

#include "runner.h"

void run_async_refill_tests(struct test_run *r);

#endif /* __LIBARENA_TESTS_ASYNC_REFILL_H */
