/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the benchmark programs and their driver. */
#ifndef __LIBARENA_BENCH_H
#define __LIBARENA_BENCH_H

#include <libarena/types.h>

#define BENCH_MAX_CPUS	64

/* bpf_prog_test_run_opts() ctx of bench_pairs */
struct bench_args {
	__u64 size;
	__u64 iters;
	__u64 seed_mode;	/* 1: the instance without per-CPU caches */
};

/* What one run on one CPU measured (indexed by CPU). */
struct bench_result {
	__u64 start_ns;
	__u64 end_ns;
	__u64 pairs;
	__u64 locks;		/* lock acquisitions of the instance meanwhile */
};

#endif /* __LIBARENA_BENCH_H */
