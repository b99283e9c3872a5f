// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader for list.bpf.c: push 1000 nodes into an arena linked list, sum
 * them, free them, and read the allocator's statistics with libarena's
 * user-space library.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>
#include "list.h"
#include "list.skel.h"

static int run(struct bpf_program *prog, void *ctx, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = size);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	return opts.retval;
}

int main(void)
{
	struct push_args args = { .first = 1, .count = 1000 };
	struct libarena_stats st;
	struct libarena *la;
	struct list *skel;
	__u64 inst;
	int err;

	skel = list__open();
	if (!skel)
		return fprintf(stderr, "list: open: %s\n", strerror(errno)), 1;
	/* Size the arena before load: 64 MiB of heap plus room for globals. */
	bpf_map__set_max_entries(skel->maps.arena, (64 + 3) * 256);
	err = list__load(skel);
	if (err)
		return fprintf(stderr, "list: load: %s\n", strerror(-err)), 1;
	/* Initialise the heap and fill its reserve (populating pages sleeps,
	 * so it happens here, not in the programs that allocate). */
	err = libarena__refill(skel->obj);
	if (err < 0)
		return 1;
	err = run(skel->progs.list_push, &args, sizeof(args)) ?:
	      run(skel->progs.list_sum, NULL, 0);
	if (err)
		return fprintf(stderr, "list: push/sum failed: %d\n", err), 1;
	printf("pushed %llu nodes, sum %llu\n", (unsigned long long)skel->arena->list.length,
	       (unsigned long long)skel->arena->list.sum);

	if (libarena__open(bpf_map__fd(skel->maps.arena), &la))
		return 1;
	if (libarena__instances(la, &inst, 1) != 1 || libarena__stats(la, inst, &st))
		return 1;
	printf("heap: %llu allocations, %llu bytes in use\n", (unsigned long long)st.totals.allocs,
	       (unsigned long long)st.buddy.bytes_in_use);
	err = run(skel->progs.list_free_all, NULL, 0);
	if (err || libarena__stats(la, inst, &st))
		return fprintf(stderr, "list: free_all failed: %d\n", err), 1;
	printf("freed: %llu frees, %llu bytes in use besides the caches' own blocks\n",
	       (unsigned long long)st.totals.frees,
	       (unsigned long long)(st.buddy.bytes_in_use - st.buddy.cache_meta_bytes));
	libarena__close(la);
	list__destroy(skel);
	return 0;
}
