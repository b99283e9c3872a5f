/* SPDX-License-Identifier: BSD-2-Clause */
/* Small libbpf and perf helpers the kernel test drivers share. */
#ifndef __LIBARENA_TESTS_KERNEL_H
#define __LIBARENA_TESTS_KERNEL_H

#include <errno.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* The verifier's instruction count of a loaded program, 0 if unknown. */
static inline __u32 test_verified_insns(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.verified_insns;
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
