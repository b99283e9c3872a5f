// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader for tracer.bpf.c: trace this process's system calls while it
 * makes a known set of them, then walk the records through the arena
 * mapping (arena pointers are valid here: the arena is mapped at the same
 * address) and print a summary per system call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>
#include "tracer.h"
#include "tracer.skel.h"

/* The calls made while tracing, and how many of each. */
static const struct {
	long nr;
	const char *name;
	int times;
} calls[] = {
	{ SYS_getppid, "getppid", 1000 },
	{ SYS_getuid, "getuid", 500 },
	{ SYS_getgid, "getgid", 250 },
};

#define NR_CALLS	(sizeof(calls) / sizeof(calls[0]))

static void make_calls(void)
{
	unsigned int c;
	int i;

	for (c = 0; c < NR_CALLS; c++)
		for (i = 0; i < calls[c].times; i++)
			syscall(calls[c].nr);
}

/* Records of one system call, read through the arena mapping. */
static void summarise(const struct tracer_state *t, long nr, const char *name)
{
	const struct tracer_bucket *bk = &t->buckets[nr % TRACER_BUCKETS];
	unsigned long long records = 0, args = 0;
	const struct tracer_rec *r;

	for (r = bk->head; r; r = r->next) {
		if ((long)r->nr != nr)
			continue;
		records++;
		args = r->nargs;
	}
	printf("%s: %llu records, %llu args each\n", name, records, args);
}

static int free_all(struct tracer *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tracer_free_all), &opts))
		return -errno;
	return opts.retval;
}

int main(void)
{
	struct libarena_refiller *refiller = NULL;
	struct libarena_stats st;
	struct libarena *la = NULL;
	struct tracer *skel;
	unsigned long long total = 0;
	unsigned int c, b;
	int err = 1;

	skel = tracer__open_and_load();
	if (!skel)
		return fprintf(stderr, "tracer: load: %s\n", strerror(errno)), 1;
	/* Serves the reserve where programs cannot grow the heap themselves
	 * (before Linux 7.0); sleeps otherwise. */
	if (libarena__start_refill(skel->obj, &refiller))
		goto out;
	skel->arena->tracer.tgid = getpid();
	if (tracer__attach(skel)) {
		fprintf(stderr, "tracer: attach: %s\n", strerror(errno));
		goto out;
	}
	make_calls();
	tracer__detach(skel);

	for (c = 0; c < NR_CALLS; c++)
		summarise(&skel->arena->tracer, calls[c].nr, calls[c].name);
	for (b = 0; b < TRACER_BUCKETS; b++)
		total += skel->arena->tracer.buckets[b].records;
	printf("all calls: %llu records, %llu without memory, %llu lock failures\n", total,
	       (unsigned long long)skel->arena->tracer.nulls,
	       (unsigned long long)skel->arena->tracer.lock_failures);

	if (free_all(skel) || libarena__open(bpf_map__fd(skel->maps.arena), &la) ||
	    libarena__stats(la, LIBARENA_DEFAULT_INSTANCE, &st))
		goto out;
	printf("freed: %llu records, %llu bytes live\n",
	       (unsigned long long)skel->arena->tracer.freed,
	       (unsigned long long)st.totals.live_bytes);
	err = skel->arena->tracer.freed == total ? 0 : 1;
out:
	libarena__close(la);
	libarena__stop_refill(refiller);
	tracer__destroy(skel);
	return err;
}
