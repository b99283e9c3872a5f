/* SPDX-License-Identifier: BSD-2-Clause */
/* Small libbpf and perf helpers the kernel test drivers share. */
#ifndef __LIBARENA_TESTS_KERNEL_H
#define __LIBARENA_TESTS_KERNEL_H

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runner.h"

/* bpf_prog_test_run_opts() on a program: 0 or -errno. */
static inline int test_run_opts(struct bpf_program *prog, struct bpf_test_run_opts *opts)
{
	return bpf_prog_test_run_opts(bpf_program__fd(prog), opts) ? -errno : 0;
}

/*
 * Run a program once with bpf_prog_test_run_opts(): 0, or -errno; its
 * return value (0 if it did not run) in *retval.  A tc program gets a packet (64 zero bytes:
 * it needs at least an Ethernet header); others take no input.
 */
static inline int test_run_prog(struct bpf_program *prog, int *retval)
{
	static char frame[64];
	bool tc = bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = tc ? frame : NULL,
		    .data_size_in = tc ? sizeof(frame) : 0);

	int err = test_run_opts(prog, &opts);

	*retval = opts.retval;
	return err;
}

/* The same as one number: -errno, or the program's return value. */
static inline int test_run_result(struct bpf_program *prog)
{
	int ret, err = test_run_prog(prog, &ret);

	return err ?: ret;
}

/* A cpu_job's step (runner.h) that runs the program in job->arg once. */
static inline int test_prog_step(struct cpu_job *job)
{
	return test_run_result(job->arg);
}

/* The verifier's instruction count of a loaded program, 0 if unknown. */
static inline __u32 test_verified_insns(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.verified_insns;
}

/* The last lines of a verifier log, one test_why() each. */
static inline void test_why_log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);
	int seen = 0;

	while (p > log && seen <= lines)
		if (*--p == '\n')
			seen++;
	if (*p == '\n')
		p++;
	while (*p) {
		int n = strcspn(p, "\n");

		test_why("| %.*s", n, p);
		p += n + !!p[n];
	}
}

/* A software cpu-clock event on one CPU, all tasks, freq samples a
 * second: what a perf_event program attaches to.  An fd, or -errno. */
static inline int test_cpu_clock_event(int cpu, __u64 freq)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = freq,
		.freq = 1,
	};
	int fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

#endif /* __LIBARENA_TESTS_KERNEL_H */
