// SPDX-License-Identifier: BSD-2-Clause
/*
 * Driver of the program-type matrix (tests/progs/prog_types*.bpf.c): the
 * allocator must load and work in every program type that can use an
 * arena.  Each type's program is loaded alone (with the library's own
 * arena_buddy_* syscall programs, which reset and refill), made to run by
 * that type's means, and walked through enum pt_phase: mixed rounds, the
 * reserve run dry, a refill from user space, everything freed.
 *
 * A type that does not load fails with the verifier's last words: that is
 * a library bug.  A type the kernel cannot attach (kprobes without
 * CONFIG_KPROBES, say) is skipped after it was loaded, with the reason.
 * The runner keeps each test on CPU 0 (TEST_ON_CPU0), where the perf event
 * fires too, so every run uses the same per-CPU cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libarena/internal/types.h>
#include "kernel.h"
#include "suite.h"
#include "progs/prog_types_shared.h"
#include "prog_types.skel.h"
#include "prog_types_sops.skel.h"

#define PT_CPU			0	/* TEST_ON_CPU0 */
#define PT_PHASE_SECONDS	5.0	/* for a phase to be acknowledged */
#define PT_SAMPLE_FREQ		2000	/* cpu-clock samples per second */
#define PT_BUSY_SECONDS		0.02	/* one perf_event "fire" */
#define PT_LOG_SIZE		(16u << 20)
#define PT_LOG_LINES		12	/* of a verifier log, in a failure */
#define TRACEFS			"/sys/kernel/tracing"
#define TRACEFS_MAGIC		0x74726163

/* The program writes these while we wait on them. */
#define PT_ONCE(x)		(*(volatile typeof(x) *)&(x))

struct pt_env {
	struct prog_types *skel;
	struct bpf_program *prog;	/* under test */
	struct bpf_link *link;
	int perf_fd;			/* until the link owns it */
	bool tracefs_mounted;		/* by us: unmount after */
};

struct pt_type {
	const char *prog;
	/* NULL: bpf_prog_test_run_opts() needs no attachment */
	int (*attach)(struct pt_env *e);
	/* Make the program run at least once: 0 or -errno. */
	int (*fire)(struct pt_env *e);
	/* Attaching may be impossible on a kernel: then skip the run part. */
	bool attach_optional;
	/* The kernel may refuse the type itself (then a minimal program of
	 * it fails too, which is checked): skip. */
	bool load_optional;
};

/* libbpf's warnings, kept to explain an attach failure instead of going
 * to stderr between result lines. */
#define PT_MSG_LINES	4
static char pt_msgs[PT_MSG_LINES][256];
static unsigned int pt_nmsgs;

static int pt_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line;

	if (level == LIBBPF_DEBUG)
		return 0;
	line = pt_msgs[pt_nmsgs++ % PT_MSG_LINES];
	vsnprintf(line, sizeof(pt_msgs[0]), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	return 0;
}

static void pt_why_libbpf(void)
{
	unsigned int i = pt_nmsgs > PT_MSG_LINES ? pt_nmsgs - PT_MSG_LINES : 0;

	for (; i < pt_nmsgs; i++)
		test_why("%s", pt_msgs[i % PT_MSG_LINES]);
	pt_nmsgs = 0;
}

/* Ask the verifier to log its work on prog into log (PT_LOG_SIZE bytes). */
static void pt_log_to(struct bpf_program *prog, char *log)
{
	bpf_program__set_log_buf(prog, log, PT_LOG_SIZE);
	bpf_program__set_log_level(prog, 1);
}

/* After a failed load with logs: the verifier's last words, or libbpf's
 * when the logged programs verified and something else failed. */
static void pt_why_load(const char *log)
{
	if (*log)
		test_why_log_tail(log, PT_LOG_LINES);
	else
		pt_why_libbpf();
}

/* The program under test and the library's syscall programs only. */
static struct prog_types *pt_open(const char *target, struct bpf_program **found)
{
	struct prog_types *skel = prog_types__open();
	struct bpf_program *prog;

	*found = NULL;
	if (!skel)
		return NULL;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		bool mine = !strcmp(name, target);

		if (mine)
			*found = prog;
		bpf_program__set_autoload(prog, mine || !strncmp(name, "arena_buddy_", 12));
	}
	return skel;
}

/*
 * A load failed: load again with the verifier log of the program under
 * test (not on the first try: a log that overflows its buffer fails even
 * a load that verifies).
 */
static void pt_explain_load(const char *target, int err)
{
	char *log = calloc(1, PT_LOG_SIZE);
	struct bpf_program *prog;
	struct prog_types *skel = pt_open(target, &prog);

	test_why("loading %s: %s", target, strerror(-err));
	if (skel && prog && log) {
		pt_log_to(prog, log);
		prog_types__load(skel);
		pt_why_load(log);
	}
	prog_types__destroy(skel);
	free(log);
}

/*
 * Load the smallest program of prog's type and attach target, without the
 * library: 0, or the -errno with which the kernel refuses the type itself.
 */
static int pt_load_minimal(struct bpf_program *prog)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	enum bpf_attach_type attach = bpf_program__expected_attach_type(prog);
	const char *target = strchr(bpf_program__section_name(prog), '/');
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	int fd;

	if (target) {
		fd = libbpf_find_vmlinux_btf_id(target + 1, attach);
		if (fd < 0)
			return fd;
		opts.attach_btf_id = fd;
	}
	fd = bpf_prog_load(bpf_program__type(prog), "pt_minimal", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* TEST_OK when loaded; a type the kernel refuses outright is skipped. */
static enum test_status pt_load(struct pt_env *e, const struct pt_type *t)
{
	int err, minimal;

	e->skel = pt_open(t->prog, &e->prog);
	if (!e->skel || !e->prog) {
		test_why("cannot open prog_types.bpf.o or find %s in it", t->prog);
		return TEST_FAIL;
	}
	pt_nmsgs = 0;
	err = prog_types__load(e->skel);
	if (!err)
		return TEST_OK;
	minimal = t->load_optional ? pt_load_minimal(e->prog) : 0;
	if (minimal && minimal == err) {
		test_why("%s does not load: %s; neither does a 2-instruction program of its "
			 "type and target without libarena: this kernel refuses %s programs",
			 t->prog, strerror(-err), bpf_program__section_name(e->prog));
		return TEST_SKIP;
	}
	pt_explain_load(t->prog, err);
	if (t->load_optional)
		test_why("a 2-instruction program of the same type and target: %s",
			 minimal ? strerror(-minimal) : "loads");
	return TEST_FAIL;
}

/* How each type runs. */

static int fire_syscall(struct pt_env *e)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	return test_run_opts(e->prog, &opts);
}

/* A 64-byte Ethernet + IPv4 + UDP frame: tc and xdp need at least the
 * Ethernet header, and the skb path looks at the IP header. */
static int fire_packet(struct pt_env *e)
{
	static const unsigned char frame[64] = {
		0x02, 0, 0, 0, 0, 0x01,  0x02, 0, 0, 0, 0, 0x02,  0x08, 0x00,
		0x45, 0, 0, 50,  0, 0, 0x40, 0,  64, 17, 0, 0,
		127, 0, 0, 1,  127, 0, 0, 1,
		0x30, 0x39, 0x30, 0x39, 0, 30, 0, 0,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame));

	return test_run_opts(e->prog, &opts);
}

static int fire_raw_tp(struct pt_env *e)
{
	__u64 args[2] = { 0, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args),
		    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = PT_CPU);

	return test_run_opts(e->prog, &opts);
}

static int fire_getppid(struct pt_env *e)
{
	syscall(SYS_getppid);
	return 0;
}

/* Of our own pid: getpgid(0) skips the LSM hook. */
static int fire_getpgid(struct pt_env *e)
{
	syscall(SYS_getpgid, getpid());
	return 0;
}

/* Stay on the CPU (we are pinned to PT_CPU) while its clock samples. */
static int fire_busy(struct pt_env *e)
{
	double end = test_now() + PT_BUSY_SECONDS;

	while (test_now() < end)
		;
	return 0;
}

/* Each read of a new iterator runs the program over every task. */
static int fire_iter(struct pt_env *e)
{
	char buf[256];
	int fd = bpf_iter_create(bpf_link__fd(e->link)), n, err;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* How each type attaches. */

static int attach_auto(struct pt_env *e)
{
	e->link = bpf_program__attach(e->prog);
	return e->link ? 0 : -errno;
}

/* libbpf finds a tracepoint's id in tracefs, not mounted everywhere. */
static int attach_tracepoint(struct pt_env *e)
{
	struct statfs st;

	if (statfs(TRACEFS, &st) || st.f_type != TRACEFS_MAGIC) {
		if (mount("nodev", TRACEFS, "tracefs", 0, NULL))
			return -errno;
		e->tracefs_mounted = true;
	}
	return attach_auto(e);
}

/* BPF LSM programs attach wherever BPF LSM is built in, but run only
 * where "bpf" is among the active LSMs (the lsm= boot parameter). */
static int attach_lsm(struct pt_env *e)
{
	char active[256] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	if (f) {
		if (!fgets(active, sizeof(active), f))
			active[0] = 0;
		fclose(f);
	}
	if (!strstr(active, "bpf")) {
		test_why("BPF LSM is not active here (active LSMs: %s)",
			 f ? active : "unknown, /sys/kernel/security/lsm unreadable");
		return -EOPNOTSUPP;
	}
	return attach_auto(e);
}

static int attach_perf_event(struct pt_env *e)
{
	e->perf_fd = test_cpu_clock_event(PT_CPU, PT_SAMPLE_FREQ);
	if (e->perf_fd < 0)
		return e->perf_fd;
	e->link = bpf_program__attach_perf_event(e->prog, e->perf_fd);
	if (!e->link)
		return -errno;
	e->perf_fd = -1;	/* the link closes it */
	return 0;
}

static int attach_iter(struct pt_env *e)
{
	e->link = bpf_program__attach_iter(e->prog, NULL);
	return e->link ? 0 : -errno;
}

static const char *const pt_phase_names[] = {
	[PT_IDLE] = "idle", [PT_INIT] = "first use", [PT_MIXED] = "mixed rounds", [PT_EXHAUST] = "exhaust",
	[PT_REFILLED] = "after refill", [PT_FREE_ALL] = "free all",
};

/* Ask for a phase and fire until the program acknowledges it. */
static enum test_status pt_phase(struct pt_env *e, const struct pt_type *t, __u32 phase)
{
	struct pt_state *st = &e->skel->arena->pt_state;
	struct test_report *rep = &e->skel->arena->test_report;
	double end = test_now() + PT_PHASE_SECONDS;
	int fires = 0, err;

	PT_ONCE(st->phase) = phase;
	while (PT_ONCE(st->ack) != phase && !PT_ONCE(rep->line) && test_now() < end) {
		err = t->fire(e);
		fires++;
		if (err) {
			test_why("phase %s: running %s: %s", pt_phase_names[phase], t->prog,
				 strerror(-err));
			return TEST_FAIL;
		}
	}
	if (PT_ONCE(rep->line)) {
		test_why("phase %s failed in the program:", pt_phase_names[phase]);
		test_print_report(rep);
		return TEST_FAIL;
	}
	if (PT_ONCE(st->ack) != phase) {
		test_why("phase %s: expected the program to acknowledge it within %.0f s, "
			 "got no answer after %d triggers (%llu invocations in all)",
			 pt_phase_names[phase], PT_PHASE_SECONDS, fires,
			 (unsigned long long)st->invocations);
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* One of the library's syscall programs, which must return 0. */
static enum test_status pt_library_prog(struct bpf_program *prog)
{
	int err, ret;

	err = test_run_prog(prog, &ret);
	if (err || ret) {
		test_why("%s: expected 0, got %d (err %s)", bpf_program__name(prog), ret,
			 strerror(-err));
		return TEST_FAIL;
	}
	return TEST_OK;
}

static void pt_why_summary(const struct prog_types *skel, int refilled)
{
	const struct pt_state *st = &skel->arena->pt_state;

	test_why("%llu rounds (%llu blocks) in %llu runs of %llu invocations; %llu x 64 KiB held, "
		 "then %llu NULL (reserve_dry %llu->%llu, failed_allocs %llu->%llu, refill_wanted %llu)",
		 (unsigned long long)st->rounds, (unsigned long long)st->allocs,
		 (unsigned long long)st->runs, (unsigned long long)st->invocations,
		 (unsigned long long)st->held - 1, (unsigned long long)st->dry_nulls,
		 (unsigned long long)st->dry_before, (unsigned long long)st->dry_after,
		 (unsigned long long)st->failed_before, (unsigned long long)st->failed_after,
		 (unsigned long long)st->refill_wanted);
	test_why("refill: %d chunk(s), then one more 64 KiB block; bytes in use %llu -> %llu "
		 "(not counting %llu B of per-CPU cache blocks)", refilled,
		 (unsigned long long)st->base_in_use, (unsigned long long)st->end_in_use,
		 (unsigned long long)skel->arena->libarena_heap.stats.cache_meta_bytes);
}

/*
 * The first use of the default instance, in the program: it grows inline
 * (and so initialises the instance there) exactly where the kernel lets
 * every program populate arena pages; elsewhere the refill that the
 * library asked user space for initialises it.
 */
static enum test_status pt_first_use(struct pt_env *e, const struct pt_type *t)
{
	const struct pt_state *st = &e->skel->arena->pt_state;
	bool grows = test_kernel_at_least(7, 0);
	int err, moved;

	if (pt_phase(e, t, PT_INIT))
		return TEST_FAIL;
	if (st->grows != grows) {
		test_why("growth inline: expected %s on Linux %s, the program says %s",
			 grows ? "yes" : "no", test_kernel_release(), st->grows ? "yes" : "no");
		return TEST_FAIL;
	}
	if (grows)
		return TEST_OK;
	/* The refill initialises the instance: its first fill counts. */
	err = test_run_prog(e->skel->progs.arena_buddy_refill, &moved);
	if (err || moved <= 0) {
		test_why("arena_buddy_refill on the uninitialised instance: expected > 0 chunks, "
			 "got %d (err %s)", moved, strerror(-err));
		return TEST_FAIL;
	}
	return TEST_OK;
}

/* The run part, once loaded and attached. */
static enum test_status pt_run(struct pt_env *e, const struct pt_type *t)
{
	struct prog_types *skel = e->skel;
	int refilled, err;

	if (pt_first_use(e, t) || pt_phase(e, t, PT_MIXED) || pt_phase(e, t, PT_EXHAUST))
		return TEST_FAIL;
	/* What the refill thread does when woken.  Growing inline, the
	 * program took what it needed itself. */
	err = test_run_prog(skel->progs.arena_buddy_refill, &refilled);
	if (err || (refilled <= 0 && !skel->arena->pt_state.grows)) {
		test_why("arena_buddy_refill after the reserve ran dry: expected > 0 chunks, "
			 "got %d (err %s)", refilled, strerror(-err));
		return TEST_FAIL;
	}
	if (pt_phase(e, t, PT_REFILLED) || pt_phase(e, t, PT_FREE_ALL))
		return TEST_FAIL;
	if (pt_library_prog(skel->progs.arena_buddy_check)) {
		if (skel->arena->libarena_heap.check.err)
			test_print_check(&skel->arena->libarena_heap.check);
		return TEST_FAIL;
	}
	if (getenv("LIBARENA_TEST_VERBOSE"))
		pt_why_summary(skel, refilled);
	return TEST_OK;
}

static void pt_cleanup(struct pt_env *e)
{
	bpf_link__destroy(e->link);
	if (e->perf_fd >= 0)
		close(e->perf_fd);
	if (e->tracefs_mounted && umount(TRACEFS))
		test_why("note: cannot unmount the tracefs mounted for the test: %s",
			 strerror(errno));
	prog_types__destroy(e->skel);
}

/* arg: the type's struct pt_type.  libbpf's warnings explain a failure. */
static enum test_status test_prog_type(struct test_env *env, const void *arg)
{
	libbpf_print_fn_t old_print = libbpf_set_print(pt_print);
	const struct pt_type *t = arg;
	struct pt_env e = { .perf_fd = -1 };
	enum test_status status;
	int err;

	status = pt_load(&e, t);
	if (status != TEST_OK)
		goto out;
	status = TEST_FAIL;
	e.skel->arena->pt_state.tgid = getpid();
	err = t->attach ? t->attach(&e) : 0;
	if (err) {
		test_why("%s loaded (%u instructions verified), but attaching it failed: %s",
			 t->prog, test_verified_insns(e.prog), strerror(-err));
		pt_why_libbpf();
		if (t->attach_optional) {
			test_why("this kernel cannot attach it: the run part is skipped");
			status = TEST_SKIP;
		}
		goto out;
	}
	status = pt_run(&e, t);
out:
	pt_cleanup(&e);
	libbpf_set_print(old_print);
	return status;
}

/* struct_ops: load only.  Running the callbacks would take registering a
 * congestion control for the whole machine and a TCP connection that
 * picks it. */
static enum test_status test_struct_ops(struct test_env *e, const void *arg)
{
	struct prog_types_sops *skel = prog_types_sops__open();
	struct bpf_program *prog;
	char *log;
	int err;

	if (!skel) {
		test_why("cannot open prog_types_sops.bpf.o: %s", strerror(errno));
		return TEST_FAIL;
	}
	err = prog_types_sops__load(skel);
	if (!err) {
		if (getenv("LIBARENA_TEST_VERBOSE"))
			test_why("loaded: cong_avoid (arena_malloc/free) %u instructions verified; "
				 "not registered, so not run",
				 test_verified_insns(skel->progs.pt_cong_avoid));
		prog_types_sops__destroy(skel);
		return TEST_OK;
	}
	prog_types_sops__destroy(skel);
	/* Again with the logs of the three callbacks (small: no overflow). */
	test_why("loading the struct_ops object: %s", strerror(-err));
	log = calloc(1, PT_LOG_SIZE);
	skel = prog_types_sops__open();
	if (log && skel) {
		bpf_object__for_each_program(prog, skel->obj)
			if (!strncmp(bpf_program__name(prog), "pt_", 3))
				pt_log_to(prog, log);
		prog_types_sops__load(skel);
		pt_why_load(log);
	}
	prog_types_sops__destroy(skel);
	free(log);
	return TEST_FAIL;
}

/* A type's test: its name, how it runs (struct pt_type). */
#define PT_CASE(name, ...)						\
	{ "kernel/prog_type_" name, test_prog_type, TEST_ON_CPU0,	\
	  &(const struct pt_type){ __VA_ARGS__ } }

static const struct test_case prog_types_cases[] = {
	PT_CASE("syscall", "pt_syscall", NULL, fire_syscall),
	PT_CASE("tc", "pt_tc", NULL, fire_packet),
	PT_CASE("xdp", "pt_xdp", NULL, fire_packet),
	PT_CASE("socket_filter", "pt_socket", NULL, fire_packet),
	PT_CASE("raw_tp", "pt_raw_tp", NULL, fire_raw_tp),
	PT_CASE("tracepoint", "pt_tracepoint", attach_tracepoint, fire_getppid),
	PT_CASE("tp_btf", "pt_tp_btf", attach_auto, fire_getppid, true),
	PT_CASE("perf_event", "pt_perf_event", attach_perf_event, fire_busy),
	PT_CASE("iter", "pt_iter", attach_iter, fire_iter, true),
	PT_CASE("kprobe", "pt_kprobe", attach_auto, fire_getpgid, true),
	PT_CASE("fentry", "pt_fentry", attach_auto, fire_getpgid, true, true),
	PT_CASE("fexit", "pt_fexit", attach_auto, fire_getpgid, true, true),
	PT_CASE("lsm", "pt_lsm", attach_lsm, fire_getpgid, true, true),
	{ "kernel/prog_type_struct_ops", test_struct_ops },
};

/* Each test loads what it needs: no object shared. */
const struct test_suite prog_types_suite = {
	TEST_CASES(prog_types_cases),
};
