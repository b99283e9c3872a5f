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

int libarena__refill(struct bpf_object *obj)
{
	struct bpf_program *prog;

	prog = bpf_object__find_program_by_name(obj, "arena_buddy_refill");
	if (!prog)
		return libarena_err(-ENOENT, "no arena_buddy_refill program in %s "
				    "(is the object linked with libarena.bpf.o?)",
				    bpf_object__name(obj));
	if (bpf_program__fd(prog) < 0)
		return libarena_err(-EBADF, "arena_buddy_refill is not loaded "
				    "(load the object first)");
	return libarena__refill_fd(bpf_program__fd(prog));
}
