// SPDX-License-Identifier: BSD-2-Clause
/*
 * Servicing the reserve from user space.  Alloc and free never populate
 * pages (that sleeps); they ask for a refill instead, and something
 * sleepable must answer.  Here that is the library's SEC("syscall")
 * program arena_buddy_refill, linked into the application's object.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

int libarena__refill_fd(int prog_fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return libarena_err(-errno, "running arena_buddy_refill");
	if ((int)opts.retval < 0)
		return libarena_err((int)opts.retval, "refilling the reserve");
	return (int)opts.retval;
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
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int fd = libarena_prog_fd(obj, "arena_set_reserve");

	if (fd < 0)
		return fd;
	if (bpf_prog_test_run_opts(fd, &opts))
		return libarena_err(-errno, "running arena_set_reserve");
	if ((int)opts.retval == -ERANGE)
		return libarena_err(-ERANGE, "reserve watermarks low %llu > high %llu, or high "
				    "past the heap's window", (unsigned long long)low,
				    (unsigned long long)high);
	if ((int)opts.retval < 0)
		return libarena_err((int)opts.retval, "setting the reserve");
	return 0;
}
