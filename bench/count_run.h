/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A benchmark program run n iterations at a time, in the shape
 * insn_count_per_op() (tools/insn-count/insn_count.h) counts: shared by
 * the benchmark and the instruction budget test (tests/count).
 */
#ifndef __LIBARENA_BENCH_COUNT_RUN_H
#define __LIBARENA_BENCH_COUNT_RUN_H

#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"

struct count_run {
	struct bpf_program *prog;
	struct bench_args args;		/* iters set per run */
};

/* The program's result, or -errno of the test run. */
static inline int count_run_prog(void *arg, unsigned long long n)
{
	struct count_run *run = arg;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &run->args,
		    .ctx_size_in = sizeof(run->args));

	run->args.iters = n;
	if (bpf_prog_test_run_opts(bpf_program__fd(run->prog), &opts))
		return -errno;
	return opts.retval;
}

#endif /* __LIBARENA_BENCH_COUNT_RUN_H */
