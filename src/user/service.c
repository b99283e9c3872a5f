// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driving the library from user space through its SEC("syscall")
 * programs, linked into the application's object: serving the reserve
 * (arena_buddy_refill), setting its watermarks (arena_set_reserve) and
 * trimming every CPU's cache (arena_buddy_trim, run on each CPU).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

/* Run one of the library's SEC("syscall") programs on ctx (NULL: none):
 * its result, or -errno (said, with what it was doing). */
static int run_prog(int prog_fd, const char *name, void *ctx, __u32 ctx_size,
		    const char *doing)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = ctx_size);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return libarena_err(-errno, "running %s", name);
	if ((int)opts.retval < 0)
		return libarena_err((int)opts.retval, "%s", doing);
	return (int)opts.retval;
}

int libarena__refill_fd(int prog_fd)
{
	return run_prog(prog_fd, "arena_buddy_refill", NULL, 0, "refilling the reserve");
}

int libarena_prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	if (!prog)
		return libarena_err(-ENOENT, "no %s program in %s (is the object linked "
				    "with libarena.bpf.o?)", name, bpf_object__name(obj));
	if (bpf_program__fd(prog) < 0)
		return libarena_err(-EBADF, "%s is not loaded (load the object first)", name);
	return bpf_program__fd(prog);
}

int libarena__refill(struct bpf_object *obj)
{
	int fd = libarena_prog_fd(obj, "arena_buddy_refill");

	return fd < 0 ? fd : libarena__refill_fd(fd);
}

int libarena__set_reserve(struct bpf_object *obj, __u64 low, __u64 high)
{
	struct arena_set_reserve_args args = { .low = low, .high = high };
	int fd = libarena_prog_fd(obj, "arena_set_reserve"), err;
	char doing[160];

	if (fd < 0)
		return fd;
	snprintf(doing, sizeof(doing), "setting the reserve's watermarks to low %llu, high %llu "
		 "(-ERANGE: low > high, or high past the heap's window)",
		 (unsigned long long)low, (unsigned long long)high);
	err = run_prog(fd, "arena_set_reserve", &args, sizeof(args), doing);
	return err < 0 ? err : 0;
}

struct trim_job {
	int prog_fd;
	int trimmed;		/* or the first -errno */
};

/* On each online CPU in turn (syscall programs run on the caller's). */
static void *trim_each_cpu(void *arg)
{
	struct trim_job *job = arg;
	long cpu, nr = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;
	int n;

	for (cpu = 0; cpu < nr && job->trimmed >= 0; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;	/* offline */
		n = run_prog(job->prog_fd, "arena_buddy_trim", NULL, 0, "trimming the caches");
		job->trimmed = n < 0 ? n : job->trimmed + n;
	}
	return NULL;
}

int libarena__trim(struct bpf_object *obj)
{
	struct trim_job job = { .prog_fd = libarena_prog_fd(obj, "arena_buddy_trim") };
	pthread_t thread;
	int err;

	if (job.prog_fd < 0)
		return job.prog_fd;
	/* A thread of its own, so that the caller's affinity stays as it was. */
	err = pthread_create(&thread, NULL, trim_each_cpu, &job);
	if (err)
		return libarena_err(-err, "starting the trim thread");
	pthread_join(thread, NULL);
	return job.trimmed;
}
