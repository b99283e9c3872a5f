// SPDX-License-Identifier: BSD-2-Clause
/*
 * The in-kernel test runner.  Runs the suites of TEST_SUITES (suite.h) in
 * order, each test the same way: what it declared it needs (test_attrs.h)
 * is provided, a copy of the object with a small arena, two CPUs, CPU 0,
 * or the test skips with the reason.  A suite's object (linked with
 * libarena.bpf.o) is opened to list its test programs and loaded into the
 * running kernel before the first of its tests that runs; if it was built
 * with LIBARENA_DEBUG, the debug layer's reports print under the test that
 * caused them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <libarena/debug.h>
#include "kernel.h"
#include "suite.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SMALL_ARENA_PAGES	(TEST_SMALL_ARENA_BYTES >> 12)

#define SUITE_REF(name)	&name##_suite,
static const struct test_suite *const suites[] = { TEST_SUITES(SUITE_REF) };

enum test_status run_test_prog(struct test_env *e, struct bpf_program *prog)
{
	int err, ret;

	memset(e->report, 0, sizeof(*e->report));
	err = test_run_prog(prog, &ret);
	if (e->reports)
		ring_buffer__consume(e->reports);
	if (err) {
		test_why("bpf_prog_test_run_opts: %s", strerror(-err));
		return TEST_FAIL;
	}
	return test_verdict(ret, e->report);
}

/* What a decl tag (TEST_TAG_PREFIX...) asks for; 0, with the reason, for
 * a tag this runner does not know: a misspelt need must not pass unseen. */
static int tag_need(const char *tag)
{
	static const struct {
		const char *tag;
		int need;
	} known[] = {
		{ TEST_TAG_SMALL_ARENA, TEST_SMALL_ARENA },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(tag, known[i].tag))
			return known[i].need;
	test_why("unknown test attribute: decl tag \"%s\"", tag);
	return 0;
}

/* The needs a program declares with decl tags on its function in the
 * object's BTF; -1 if one is unknown. */
static int prog_needs(struct bpf_object *obj, const char *name)
{
	const struct btf *btf = bpf_object__btf(obj);
	__u32 id, nr = btf ? btf__type_cnt(btf) : 0;
	int needs = 0, need;

	for (id = 1; id < nr; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_type *target;
		const char *tag;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1)
			continue;
		target = btf__type_by_id(btf, t->type);
		if (!btf_is_func(target) || strcmp(btf__name_by_offset(btf, target->name_off), name))
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (strncmp(tag, TEST_TAG_PREFIX, strlen(TEST_TAG_PREFIX)))
			continue;
		need = tag_need(tag);
		if (!need)
			return -1;
		needs |= need;
	}
	return needs;
}

static const char *report_kind(__u32 kind)
{
	static const char *const names[REPORT_NR_KINDS] = {
		"none", "heap overflow", "heap underflow", "use after free", "double free",
		"invalid free", "bad access",
	};

	return kind < REPORT_NR_KINDS ? names[kind] : "?";
}

/* A report of the debug layer: a reason under the test. */
static int print_report(void *ctx, void *data, size_t size)
{
	const struct libarena_report *rep = data;

	if (size < sizeof(*rep))
		return 0;
	test_why("report: %s at %#llx (block %#llx, %llu bytes): offset %lld, found %#llx",
		 report_kind(rep->kind), (unsigned long long)rep->addr,
		 (unsigned long long)rep->block, (unsigned long long)rep->size,
		 (long long)rep->offset, (unsigned long long)rep->found);
	return 0;
}

/* An object built with LIBARENA_DEBUG reports into its ring buffer map
 * libarena_reports: read it after each test.  0 or -errno. */
static int read_reports(struct test_env *e)
{
	struct bpf_map *map = bpf_object__find_map_by_name(e->obj, "libarena_reports");

	if (!map)
		return 0;
	e->reports = ring_buffer__new(bpf_map__fd(map), print_report, NULL, NULL);
	return e->reports ? 0 : -errno;
}

/* One suite's run: its object, and the small-arena copy if a test needs
 * it; each 0 until tried, then 1 or -errno. */
struct suite_run {
	const struct test_suite *suite;
	struct test_env env, small;
	int env_state, small_state;
};

/* The copy's arena: TEST_SMALL_ARENA_BYTES, wherever the kernel puts it
 * (the object may ask for a fixed address, which the first copy holds). */
static int shrink_arena(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_ARENA)
			return bpf_map__set_max_entries(map, SMALL_ARENA_PAGES) ?:
			       bpf_map__set_map_extra(map, 0);
	return -ENOENT;
}

static int load_small(const struct test_suite *s, struct test_env *e)
{
	int err = s->open ? s->open(e) : -ENOENT;

	if (!err)
		err = shrink_arena(e->obj);
	if (!err && s->load)
		err = s->load(e);
	return err;
}

/* The object a test runs with, loaded now if it was not; NULL (with the
 * reason) if that failed. */
static struct test_env *suite_env(struct suite_run *sr, bool small)
{
	const struct test_suite *s = sr->suite;
	struct test_env *e = small ? &sr->small : &sr->env;
	int *state = small ? &sr->small_state : &sr->env_state;
	int err;

	if (!*state) {
		if (small)
			err = load_small(s, e);
		else
			err = s->load ? s->load(e) : 0;
		if (!err && s->load)
			err = read_reports(e);
		*state = err ?: 1;
	}
	if (*state > 0)
		return e;
	test_why("cannot load %s%s: %s", s->object, small ? " with a small arena" : "",
		 strerror(-*state));
	return NULL;
}

/* A program of the suite's object (by name: the small copy has its own)
 * or a C test. */
static enum test_status run_in(struct test_env *e, const struct test_suite *s,
			       const char *prog, const struct test_case *c)
{
	if (c)
		return c->fn(e, c->arg);
	return s->run_prog(e, bpf_object__find_program_by_name(e->obj, prog));
}

static enum test_status run_on_cpu0(struct test_env *e, const struct test_suite *s,
				    const char *prog, const struct test_case *c)
{
	enum test_status status;
	cpu_set_t saved;

	sched_getaffinity(0, sizeof(saved), &saved);
	if (test_pin_cpu(0)) {
		test_why("cannot pin to CPU 0");
		return TEST_FAIL;
	}
	status = run_in(e, s, prog, c);
	sched_setaffinity(0, sizeof(saved), &saved);
	return status;
}

/* Give a test what it needs and run it. */
static enum test_status run_test(struct suite_run *sr, int needs, const char *prog,
				 const struct test_case *c)
{
	struct test_env *e;

	if (needs < 0)
		return TEST_FAIL;
	if (!test_needs_met(needs))
		return TEST_SKIP;
	e = suite_env(sr, needs & TEST_SMALL_ARENA);
	if (!e)
		return TEST_FAIL;
	if (needs & TEST_ON_CPU0)
		return run_on_cpu0(e, sr->suite, prog, c);
	return run_in(e, sr->suite, prog, c);
}

static void run_progs(struct test_run *r, struct suite_run *sr)
{
	const struct test_suite *s = sr->suite;
	size_t len = strlen(s->prog_prefix);
	struct bpf_program *prog;
	char name[128];

	bpf_object__for_each_program(prog, sr->env.obj) {
		const char *pname = bpf_program__name(prog);

		if (strncmp(pname, s->prog_prefix, len))
			continue;
		snprintf(name, sizeof(name), "%s%s", s->name_prefix, pname + len);
		if (test_selected(r, name))
			test_result(r, name, run_test(sr, prog_needs(sr->env.obj, pname),
						      pname, NULL));
	}
}

static void run_suite(struct test_run *r, const struct test_suite *s)
{
	struct suite_run sr = { .suite = s };
	char name[128];
	unsigned int i;
	int err;

	sr.env.stress_seconds = sr.small.stress_seconds = r->stress_seconds;
	err = s->open ? s->open(&sr.env) : 0;
	if (err) {
		snprintf(name, sizeof(name), "kernel/%s", s->object);
		test_why("cannot open it: %s", strerror(-err));
		test_result(r, name, TEST_FAIL);
		return;
	}
	if (s->prog_prefix)
		run_progs(r, &sr);
	for (i = 0; i < s->nr_cases; i++)
		if (test_selected(r, s->cases[i].name))
			test_result(r, s->cases[i].name,
				    run_test(&sr, s->cases[i].needs, NULL, &s->cases[i]));
	ring_buffer__free(sr.env.reports);
	ring_buffer__free(sr.small.reports);
	if (s->destroy) {
		s->destroy(&sr.env);
		if (sr.small_state)
			s->destroy(&sr.small);
	}
}

/* --verified: how much verifier work each program of each object took. */
static void print_verified(const struct test_suite *s)
{
	struct bpf_program *prog;
	struct test_env e = {};
	int err;

	if (!s->load)
		return;
	err = s->open(&e) ?: s->load(&e);
	if (err) {
		printf("%s: %s\n", s->object, strerror(-err));
	} else {
		bpf_object__for_each_program(prog, e.obj)
			printf("%8u %s\n", test_verified_insns(prog), bpf_program__name(prog));
	}
	s->destroy(&e);
}

/* 0 if this kernel lets us create an arena map, else why not. */
static int arena_probe(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARENA, "probe", 0, 0, 1, &opts);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct test_run r;
	size_t i;
	int err;

	test_run_init(&r, argc, argv);
	err = arena_probe();
	if (err) {
		test_why("this kernel refuses BPF arena maps (creating one: %s); they need "
			 "Linux >= 6.9 and CAP_SYS_ADMIN.  Run as root, or under "
			 "scripts/kernel-vm as make test does where the kernel lacks them",
			 strerror(-err));
		test_result(&r, "kernel/*", TEST_SKIP);
		return test_finish(&r);
	}
	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		if (r.verified)
			print_verified(suites[i]);
		else
			run_suite(&r, suites[i]);
	}
	return r.verified ? 0 : test_finish(&r);
}
