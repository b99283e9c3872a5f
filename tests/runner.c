// SPDX-License-Identifier: BSD-2-Clause
/*
 * The in-kernel test runner.  Loads the test objects (each linked with
 * libarena.bpf.o) into the running kernel and runs every SEC("syscall")
 * program named test_* with bpf_prog_test_run_opts(): before each, the
 * default instance is reset (arena_buddy_reset), after each the heap walk
 * (arena_buddy_check) must pass.  Tests named test_{seed,cache}_small_* run
 * in a second copy of the object whose arena is only a few MiB.
 */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/types.h>
#include "runner.h"
#include "buddy_tests.skel.h"

/* 8 MiB of window plus the 1 MiB guards and alignment slack. */
#define SMALL_ARENA_PAGES	((11u << 20) >> 12)

static int run_prog(struct bpf_program *prog, int *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	*retval = opts.retval;
	return err ? -errno : 0;
}

static struct buddy_tests *load(unsigned int arena_pages)
{
	struct buddy_tests *skel = buddy_tests__open();
	int err;

	if (!skel) {
		fprintf(stderr, "runner: cannot open test object: %s\n", strerror(errno));
		return NULL;
	}
	if (arena_pages)
		bpf_map__set_max_entries(skel->maps.arena, arena_pages);
	err = buddy_tests__load(skel);
	if (err) {
		fprintf(stderr, "runner: cannot load test object: %s\n", strerror(-err));
		buddy_tests__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Run one test program with the reset before and the heap walk after. */
static enum test_status run_one(struct buddy_tests *skel, struct bpf_program *prog)
{
	int err, ret;

	err = run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset failed: err %d, retval %d", err, ret);
		return TEST_FAIL;
	}
	memset(&skel->arena->test_report, 0, sizeof(skel->arena->test_report));
	err = run_prog(prog, &ret);
	if (err) {
		test_why("bpf_prog_test_run_opts: %s", strerror(-err));
		return TEST_FAIL;
	}
	if (ret) {
		if (ret == 1)
			test_print_report(&skel->arena->test_report);
		else
			test_why("program returned %d", ret);
		return TEST_FAIL;
	}
	if (!skel->arena->test_report.nr_asserts) {
		test_why("the test asserted nothing");
		return TEST_FAIL;
	}
	err = run_prog(skel->progs.arena_buddy_check, &ret);
	if (err || ret) {
		test_why("heap check after the test: err %d, retval %d", err, ret);
		test_print_check(&skel->arena->buddy.check);
		return TEST_FAIL;
	}
	return TEST_OK;
}

static void run_buddy_tests(struct test_run *r, struct buddy_tests *skel)
{
	struct buddy_tests *small = NULL;
	struct bpf_program *prog;
	char name[128];

	bpf_object__for_each_program(prog, skel->obj) {
		const char *pname = bpf_program__name(prog);
		struct bpf_program *p = prog;
		struct buddy_tests *s = skel;

		if (strncmp(pname, "test_", 5))
			continue;
		snprintf(name, sizeof(name), "kernel/%s", pname + 5);
		if (!test_selected(r, name))
			continue;
		if (strstr(pname, "_small_")) {
			if (!small)
				small = load(SMALL_ARENA_PAGES);
			if (!small) {
				test_why("cannot load the small-arena copy");
				test_result(r, name, TEST_FAIL);
				continue;
			}
			s = small;
			p = bpf_object__find_program_by_name(small->obj, pname);
		}
		test_result(r, name, run_one(s, p));
	}
	buddy_tests__destroy(small);
}

/*
 * Allocations served, read from user space: the slow path's count plus
 * every CPU's cache hits.  Arena pointers are valid user pointers: libbpf
 * maps the arena at the address the BPF side sees.
 */
static __u64 user_total_allocs(const struct buddy *b)
{
	__u64 n = b->stats.allocs;
	int cpu;

	for (cpu = 0; cpu < LIBARENA_MAX_CPUS; cpu++)
		if (b->pcpu[cpu])
			n += ((const struct pcpu_cache *)b->pcpu[cpu])->stats.alloc_hits;
	return n;
}

/* arena_buddy_reset empties the default instance and leaves it usable. */
static enum test_status test_reset_program(struct buddy_tests *skel)
{
	struct buddy_stats *st = &skel->arena->buddy.stats;
	int err, ret, cpu;

	err = run_prog(skel->progs.arena_buddy_reset, &ret);
	if (!err && !ret)
		err = run_prog(skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill_default: expected 100 blocks, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	if (st->bytes_in_use < 100 * 64 || user_total_allocs(&skel->arena->buddy) != 100) {
		test_why("stats read from user space: expected >= 6400 bytes in 100 allocs, got %llu in %llu",
			 (unsigned long long)st->bytes_in_use,
			 (unsigned long long)user_total_allocs(&skel->arena->buddy));
		return TEST_FAIL;
	}
	err = run_prog(skel->progs.arena_buddy_reset, &ret);
	if (err || ret) {
		test_why("arena_buddy_reset: expected 0, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	if (st->bytes_in_use || st->chunks || st->allocs ||
	    skel->arena->buddy.state != BUDDY_READY) {
		test_why("after reset: expected empty ready instance, got %llu bytes, %llu chunks, state %llu",
			 (unsigned long long)st->bytes_in_use,
			 (unsigned long long)st->chunks,
			 (unsigned long long)skel->arena->buddy.state);
		return TEST_FAIL;
	}
	for (cpu = 0; cpu < LIBARENA_MAX_CPUS; cpu++) {
		if (skel->arena->buddy.pcpu[cpu]) {
			test_why("after reset: CPU %d still has a cache", cpu);
			return TEST_FAIL;
		}
	}
	err = run_prog(skel->progs.fill_default, &ret);
	if (err || ret != 100) {
		test_why("fill after reset: expected 100, got %d (err %d)", ret, err);
		return TEST_FAIL;
	}
	return TEST_OK;
}

int main(int argc, char **argv)
{
	struct buddy_tests *skel;
	struct test_run r;
	const char *name = "kernel/reset_via_syscall_program";

	test_run_init(&r, argc, argv);
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_ARENA, NULL) != 1) {
		test_result(&r, "kernel/*", TEST_SKIP);
		test_why("this kernel has no BPF arena (BPF_MAP_TYPE_ARENA); needs Linux >= 6.9");
		return test_finish(&r);
	}
	skel = load(0);
	if (!skel) {
		test_result(&r, "kernel/load", TEST_FAIL);
		return test_finish(&r);
	}
	run_buddy_tests(&r, skel);
	if (test_selected(&r, name))
		test_result(&r, name, test_reset_program(skel));
	buddy_tests__destroy(skel);
	return test_finish(&r);
}
