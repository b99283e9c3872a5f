// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader for sched.bpf.c: switch the machine to the scheduler for a few
 * seconds while workers fork and spin, switch back, then check that every
 * task had its context and that all of them were freed.
 *
 * Exit status: 0 checked, 1 a check failed, 2 this kernel has no sched_ext.
 *
 * No skeleton: bpftool 7.5 writes struct_ops skeletons that need libbpf
 * 1.5's headers, and Debian 12's backports pair it with libbpf 1.4.  The
 * object is opened from the file the build put beside this program.
 */
#include <errno.h>
#include <signal.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/user.h>
#include "sched.h"

#define SCX_SYSFS	"/sys/kernel/sched_ext"
#define RUN_SECONDS	3
#define WORKERS		4

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first line of a sysfs file, or "" if there is none. */
static const char *sysfs_line(const char *path)
{
	static char buf[128];
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	return buf;
}

static int wait_state(const char *state, double seconds)
{
	double end = now() + seconds;

	while (strcmp(sysfs_line(SCX_SYSFS "/state"), state)) {
		if (now() > end)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/* A worker: fork short-lived children, each spinning a moment, until the
 * deadline; count them in *forks. */
static void worker(double deadline, unsigned long *forks)
{
	volatile unsigned long spin;
	pid_t pid;

	while (now() < deadline) {
		pid = fork();
		if (pid == 0) {
			for (spin = 0; spin < 200000; spin++)
				;
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) < 0)
			_exit(1);
		__atomic_fetch_add(forks, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/* Load for RUN_SECONDS: WORKERS workers on this machine's CPUs. */
static unsigned long run_load(void)
{
	unsigned long *forks;
	double deadline = now() + RUN_SECONDS;
	unsigned long n;
	int i;

	forks = mmap(NULL, sizeof(*forks), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (forks == MAP_FAILED)
		return 0;
	*forks = 0;
	for (i = 0; i < WORKERS; i++)
		if (fork() == 0)
			worker(deadline, forks);
	while (wait(NULL) > 0)
		;
	n = *forks;
	munmap(forks, sizeof(*forks));
	return n;
}

static int failed;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failed = 1;
	}
}

/* The counts, copied out of the object's .bss (libbpf 1.4 maps .bss to
 * user space only for skeletons). */
static int read_counts(struct bpf_object *obj, struct sched_counts *c)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	__u32 zero = 0;

	if (!bss || bpf_map__value_size(bss) < sizeof(*c))
		return -ENOENT;
	return bpf_map__lookup_elem(bss, &zero, sizeof(zero), c, sizeof(*c), 0);
}

static int report(struct bpf_object *obj, unsigned long forks)
{
	struct sched_counts counts, *c = &counts;
	struct libarena_stats st;
	struct libarena *la = NULL;
	double end = now() + 5;
	int err;

	/* Tasks that died under the scheduler leave it when the kernel frees
	 * them (after an RCU grace period): give them a moment. */
	while (!(err = read_counts(obj, c)) && c->exits != c->inits && now() < end)
		usleep(10000);
	if (!err)
		err = libarena__open(bpf_map__fd(bpf_object__find_map_by_name(obj, "arena")), &la);
	if (!err)
		err = libarena__stats(la, LIBARENA_DEFAULT_INSTANCE, &st);
	libarena__close(la);
	if (err)
		return fprintf(stderr, "sched: stats: %s\n", strerror(-err)), 1;

	printf("tasks: %llu contexts allocated (%llu at fork; the workers forked %lu), %llu without memory\n",
	       c->inits, c->forks, forks, c->init_failures);
	printf("enqueues: %llu, %llu counted in the tasks' contexts\n", c->enqueues, c->ctx_enqueues);
	printf("dispatched: %llu from the shared queue\n", c->dispatched);
	printf("tasks without a context: %llu\n", c->no_ctx);
	printf("freed: %llu contexts, %llu bytes live\n", c->exits,
	       (unsigned long long)st.totals.live_bytes);

	check(c->init_failures == 0, "init_task found no memory");
	check(c->no_ctx == 0, "a task was scheduled without a context");
	check(c->forks >= forks, "fewer forks reached init_task than the workers made");
	check(c->enqueues > 0 && c->dispatched > 0, "the scheduler queued nothing");
	check(c->ctx_enqueues == c->enqueues, "the contexts' enqueues do not add up");
	check(c->exits == c->inits, "contexts allocated and freed differ");
	check(st.totals.live_bytes == 0, "arena bytes still live");
	return failed;
}

/* The object built beside this program, opened and loaded. */
static struct bpf_object *load(const char *argv0)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct bpf_object *obj;

	snprintf(dir, sizeof(dir), "%s", argv0);
	snprintf(path, sizeof(path), "%s/sched.linked.o", dirname(dir));
	obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "sched: load %s: %s\n", path, strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

int main(int argc, char **argv)
{
	struct libarena_refiller *refiller = NULL;
	struct sched_counts counts;
	struct bpf_link *link = NULL;
	struct bpf_object *obj;
	unsigned long forks;
	int err = 1;

	if (access(SCX_SYSFS, F_OK)) {
		printf("sched_ext: not in this kernel (CONFIG_SCHED_CLASS_EXT: Linux 6.12, Debian's from 6.16)\n");
		return 2;
	}
	if (strcmp(sysfs_line(SCX_SYSFS "/state"), "disabled")) {
		fprintf(stderr, "sched: another sched_ext scheduler is running (%s)\n",
			sysfs_line(SCX_SYSFS "/root/ops"));
		return 1;
	}
	obj = load(argv[0]);
	if (!obj)
		return 1;
	/* Fills the reserve before any task needs a context, then serves it
	 * where programs cannot grow the heap themselves (before Linux 7.0). */
	if (libarena__start_refill(obj, &refiller))
		goto out;
	link = bpf_map__attach_struct_ops(bpf_object__find_map_by_name(obj, "fifo_ops"));
	if (!link) {
		fprintf(stderr, "sched: attach: %s\n", strerror(errno));
		goto out;
	}
	if (wait_state("enabled", 5) || strcmp(sysfs_line(SCX_SYSFS "/root/ops"), SCHED_NAME)) {
		fprintf(stderr, "sched: %s did not become the scheduler (state %s)\n",
			SCHED_NAME, sysfs_line(SCX_SYSFS "/state"));
		goto out;
	}
	forks = run_load();
	if (read_counts(obj, &counts) || counts.exit_kind) {
		fprintf(stderr, "sched: the kernel stopped the scheduler (kind %lld): %s\n",
			counts.exit_kind, counts.exit_msg);
		goto out;
	}
	printf("%s: the scheduler for %d s, %d workers forking (%lu children)\n",
	       SCHED_NAME, RUN_SECONDS, WORKERS, forks);
	bpf_link__destroy(link);
	link = NULL;
	if (wait_state("disabled", 10)) {
		fprintf(stderr, "sched: the scheduler did not stop\n");
		goto out;
	}
	err = report(obj, forks);
out:
	bpf_link__destroy(link);
	libarena__stop_refill(refiller);
	bpf_object__close(obj);
	return err;
}
