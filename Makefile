# libarena: `make run` (demo), `make test` (all tests).  See README.md.
BUILD		?= build
CLANG		?= clang-19
BPFTOOL		?= bpftool
CC		?= gcc
HOST_CC		?= clang-19

LIBBPF_DIR	:= $(BUILD)/libbpf
LIBBPF_A	:= $(LIBBPF_DIR)/lib/libbpf.a
VMLINUX_H	:= $(BUILD)/vmlinux.h
TOOLCHAIN	:= $(LIBBPF_A) $(VMLINUX_H)

# vmlinux.h as a system header: a newer kernel's BTF dumps declarations
# that clang warns about, and -Werror is for our code.
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v4 -Wall -Werror \
		   -Iinclude -Isrc -isystem $(BUILD) -I$(LIBBPF_DIR)/include
USER_CFLAGS	:= -g -O2 -Wall -Werror -Iinclude -I$(BUILD) -I$(LIBBPF_DIR)/include
USER_LDLIBS	:= $(LIBBPF_A) -lelf -lz -lpthread
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
HOST_CFLAGS	:= -g -O1 -Wall -Werror -Iinclude -Isrc -Isrc/host $(SAN_FLAGS)

# src/debug.bpf.c is only in the debug build (LIBARENA_DEBUG).
ALL_LIB_SRCS	:= $(wildcard src/*.bpf.c)
LIB_SRCS	:= $(filter-out src/debug.bpf.c,$(ALL_LIB_SRCS))
# SEC("syscall") programs and the workqueue exist only in BPF.
BPF_ONLY_SRCS	:= src/syscall.bpf.c src/wq.bpf.c
# The host build: the allocator and its platform layer over an mmap'ed
# region, compiled once per configuration into objects the runners link.
HOST_SRCS	:= $(filter-out $(BPF_ONLY_SRCS),$(LIB_SRCS)) src/host/platform.c
HOST_DEBUG_SRCS	:= $(filter-out $(BPF_ONLY_SRCS),$(ALL_LIB_SRCS)) src/host/platform.c
HOST_OBJS	:= $(HOST_SRCS:src/%.c=$(BUILD)/host-obj/%.o)
HOST_DEBUG_OBJS	:= $(HOST_DEBUG_SRCS:src/%.c=$(BUILD)/host-obj-debug/%.o)
LIB_OBJS	:= $(LIB_SRCS:src/%.bpf.c=$(BUILD)/obj/%.bpf.o)
DEBUG_OBJS	:= $(ALL_LIB_SRCS:src/%.bpf.c=$(BUILD)/obj-debug/%.bpf.o)
LIBARENA_DEBUG_BPF := $(BUILD)/libarena_debug.bpf.o
LIB_HDRS	:= $(wildcard include/libarena/*.h include/libarena/internal/*.h src/*.h)
HOST_HDRS	:= $(LIB_HDRS) $(wildcard src/host/*.h)
LIBARENA_BPF	:= $(BUILD)/libarena.bpf.o
BPF_LINK	:= $(BUILD)/bpf-link

TEST_PROGS	:= $(wildcard tests/progs/*.bpf.c)
TEST_HDRS	:= $(wildcard tests/progs/*.h tests/*.h)
TEST_SKELS	:= $(TEST_PROGS:tests/progs/%.bpf.c=$(BUILD)/tests/%.skel.h)
RUNNER		:= $(BUILD)/test_runner
HOST_RUNNER	:= $(BUILD)/host_runner
HOST_DEBUG_RUNNER := $(BUILD)/host_debug_runner
DEMO		:= $(BUILD)/demo
USER_SRCS	:= $(wildcard src/user/*.c)
USER_OBJS	:= $(USER_SRCS:src/user/%.c=$(BUILD)/user/%.o)
LIBARENA_A	:= $(BUILD)/libarena.a
LIBARENA_SO	:= $(BUILD)/libarena.so
ARENACTL	:= $(BUILD)/arenactl
FUZZ		:= $(BUILD)/fuzz_ops
FUZZ_SECONDS	?= 60
STRESS_SECONDS	?= 60
BENCH		:= $(BUILD)/bench/bench
INSN_COUNT	:= $(BUILD)/insn_count.so
COUNT_RUNNER	:= $(BUILD)/count_runner

VERSION		:= 0.1.0
SO_MAJOR	:= 0
PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
DESTDIR		?=
PUBLIC_HDRS	:= $(wildcard include/libarena/*.h)
# What the inline fast paths need: installed, not for users to include.
INTERNAL_HDRS	:= $(wildcard include/libarena/internal/*.h)
# What needs a kernel with BPF arenas runs in a VM where this one lacks
# them, under Debian's kernel KERNEL (a version: 7.3.4, or a line: 7.3) when
# given, even where this one has arenas; default: scripts/kernels' first.
KERNEL		?=
KERNEL_VM	:= scripts/kernel-vm $(if $(KERNEL),--kernel $(KERNEL),--if-needed)
# make test-kernels: the in-kernel suite on each (default: all of scripts/kernels).
KERNELS		?=

.PHONY: all run test check-docs test-kernels bench fuzz stress install uninstall clean distclean setup FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: $(LIBARENA_BPF) $(LIBARENA_DEBUG_BPF) $(LIBARENA_A) $(LIBARENA_SO) $(ARENACTL) $(RUNNER) \
	$(HOST_RUNNER) $(DEMO) $(BENCH) $(FUZZ) $(INSN_COUNT) $(COUNT_RUNNER)

setup:
	@scripts/setup

# The setup script is idempotent and silent when all is present; running it
# on every build keeps a machine that lost a package from failing obscurely.
$(TOOLCHAIN) &: FORCE
	@scripts/setup

$(BPF_LINK): tools/bpf-link/bpf_link.c | $(TOOLCHAIN)
	$(CC) $(USER_CFLAGS) $< $(USER_LDLIBS) -o $@

$(BUILD)/obj/%.bpf.o: src/%.bpf.c $(LIB_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(LIBARENA_BPF): $(LIB_OBJS) $(BPF_LINK)
	$(BPF_LINK) $@ $(LIB_OBJS)

# The debug build: the same sources with LIBARENA_DEBUG, plus debug.bpf.c.
$(BUILD)/obj-debug/%.bpf.o: src/%.bpf.c $(LIB_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -DLIBARENA_DEBUG -c $< -o $@

$(LIBARENA_DEBUG_BPF): $(DEBUG_OBJS) $(BPF_LINK)
	$(BPF_LINK) $@ $(DEBUG_OBJS)

# The user-space library (static and shared) and arenactl.
$(BUILD)/user/%.o: src/user/%.c src/user/internal.h $(LIB_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -Isrc -Isrc/host -c $< -o $@

$(LIBARENA_A): $(USER_OBJS)
	ar rcs $@ $^

# The shared library uses the system's libbpf.so (the static 1.7 build is
# not position independent); it needs only the plain syscall wrappers.  It
# exports libarena__* only (src/user/libarena.map), versioned.
$(LIBARENA_SO): $(USER_OBJS) src/user/libarena.map
	$(CC) -shared -Wl,-soname,libarena.so.$(SO_MAJOR) \
		-Wl,--version-script=src/user/libarena.map -o $@ $(USER_OBJS) -lbpf

$(ARENACTL): tools/arenactl/arenactl.c $(LIBARENA_A) $(LIB_HDRS) | $(TOOLCHAIN)
	$(CC) $(USER_CFLAGS) $< $(LIBARENA_A) $(USER_LDLIBS) -o $@

# Test programs: compile, link with the library, generate a skeleton.
$(BUILD)/tests/%.o: tests/progs/%.bpf.c $(LIB_HDRS) $(TEST_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -Itests -c $< -o $@

$(BUILD)/tests/%.linked.o: $(BUILD)/tests/%.o $(LIBARENA_BPF) $(BPF_LINK)
	$(BPF_LINK) $@ $< $(LIBARENA_BPF)

# The debug-mode tests: built with LIBARENA_DEBUG, linked with the debug library.
DEBUG_TESTS	:= debug_tests budget_debug
$(DEBUG_TESTS:%=$(BUILD)/tests/%.o): $(BUILD)/tests/%.o: tests/progs/%.bpf.c $(LIB_HDRS) \
		$(TEST_HDRS) tests/progs/budget.bpf.c | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -DLIBARENA_DEBUG -Itests -c $< -o $@

$(DEBUG_TESTS:%=$(BUILD)/tests/%.linked.o): $(BUILD)/tests/%.linked.o: $(BUILD)/tests/%.o \
		$(LIBARENA_DEBUG_BPF) $(BPF_LINK)
	$(BPF_LINK) $@ $< $(LIBARENA_DEBUG_BPF)

$(BUILD)/tests/%.skel.h: $(BUILD)/tests/%.linked.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

# The kernel runner: runner.c plus one driver file per test family.
RUNNER_SRCS	:= $(wildcard tests/*.c)
$(RUNNER): $(RUNNER_SRCS) $(wildcard tests/*.h) $(TEST_SKELS) $(LIB_HDRS) $(ARENACTL) \
		$(LIBARENA_A) | $(TOOLCHAIN)
	$(CC) $(USER_CFLAGS) -I$(BUILD)/tests -Itests -Itests/progs -DTESTS_DIR='"$(CURDIR)/tests"' \
		-DARENACTL='"$(CURDIR)/$(ARENACTL)"' $(RUNNER_SRCS) $(LIBARENA_A) $(USER_LDLIBS) -o $@

# The qemu plugin that counts the guest's instructions (kernel-vm
# --count-insns), and the runner of the instruction budgets, which counts
# the benchmark's programs.
$(INSN_COUNT): tools/insn-count/insn_count.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -fvisibility=hidden -O2 -Wall -Werror $< -o $@

$(COUNT_RUNNER): tests/count/count.c tests/count/count_budgets.h bench/count_run.h tools/insn-count/insn_count.h \
		tools/insn-count/insn_profile.h \
		$(BUILD)/bench/bench.skel.h $(TEST_HDRS) | $(TOOLCHAIN)
	$(CC) $(USER_CFLAGS) -I$(BUILD)/bench -Itests -DTESTS_DIR='"$(CURDIR)/tests"' $< \
		$(USER_LDLIBS) -o $@

# The plain objects carry libFuzzer's coverage hooks (fuzzer-no-link) so
# that fuzz_ops links them too; in the runners the hooks do nothing.
$(BUILD)/host-obj/%.o: src/%.c $(HOST_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/host-obj-debug/%.o: src/%.c $(HOST_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DLIBARENA_DEBUG -c $< -o $@

$(HOST_RUNNER): tests/host/host_runner.c tests/runner.h tests/fuzz/fuzz_ops.c \
		tests/fuzz/fuzz_ops.h $(HOST_OBJS) $(HOST_HDRS) $(TEST_HDRS) | $(TOOLCHAIN)
	$(HOST_CC) $(HOST_CFLAGS) -Itests -Itests/fuzz -DTESTS_DIR='"$(CURDIR)/tests"' \
		tests/host/host_runner.c tests/fuzz/fuzz_ops.c $(HOST_OBJS) -lpthread -o $@

$(HOST_DEBUG_RUNNER): tests/host/host_debug_runner.c tests/runner.h $(HOST_DEBUG_OBJS) \
		$(HOST_HDRS) $(TEST_HDRS) | $(TOOLCHAIN)
	$(HOST_CC) $(HOST_CFLAGS) -DLIBARENA_DEBUG -Itests -DTESTS_DIR='"$(CURDIR)/tests"' \
		tests/host/host_debug_runner.c $(HOST_DEBUG_OBJS) -lpthread -o $@

# libFuzzer over the host build; new inputs land in $(BUILD)/fuzz-corpus.
$(FUZZ): tests/fuzz/fuzz_ops.c tests/fuzz/fuzz_ops.h $(HOST_OBJS) $(HOST_HDRS) | $(TOOLCHAIN)
	$(HOST_CC) $(HOST_CFLAGS) -fsanitize=fuzzer -Itests/fuzz \
		tests/fuzz/fuzz_ops.c $(HOST_OBJS) -lpthread -o $@

# A finding lands in $(BUILD)/fuzz-artifacts/; once fixed, copy it into
# tests/fuzz/corpus so that make test replays it.
fuzz: $(FUZZ)
	@mkdir -p $(BUILD)/fuzz-corpus $(BUILD)/fuzz-artifacts
	$(FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/fuzz-artifacts/ $(BUILD)/fuzz-corpus tests/fuzz/corpus

# The two-CPU tests for STRESS_SECONDS each, kernel then host.
stress: $(RUNNER) $(HOST_RUNNER)
	@tests/run_all "$(KERNEL_VM) $(RUNNER) -f two_cpu --stress-seconds $(STRESS_SECONDS)" \
		"$(HOST_RUNNER) -f two_cpu --stress-seconds $(STRESS_SECONDS)"

# Benchmark/demo programs: same pipeline as the test programs.
$(BUILD)/bench/%.o: bench/progs/%.bpf.c $(wildcard bench/*.h bench/progs/*.h) \
		$(LIB_HDRS) | $(TOOLCHAIN)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.linked.o: $(BUILD)/bench/%.o $(LIBARENA_BPF) $(BPF_LINK)
	$(BPF_LINK) $@ $< $(LIBARENA_BPF)

# The benchmark links two flavours of the inline fast path, the lock
# comparison and the any-context verifier probes.
$(BUILD)/bench/bench.linked.o: $(BUILD)/bench/bench.o $(BUILD)/bench/bench_excl.o $(BUILD)/bench/bench_irq.o \
		$(BUILD)/bench/compare.o $(BUILD)/bench/locks.o $(BUILD)/bench/probe.o \
		$(LIBARENA_BPF) $(BPF_LINK)
	$(BPF_LINK) $@ $(filter %.o,$^)

# The demo: its syscall programs and a tc program (any-context build).
$(BUILD)/bench/demo.linked.o: $(BUILD)/bench/demo.o $(BUILD)/bench/demo_tc.o \
		$(LIBARENA_BPF) $(BPF_LINK)
	$(BPF_LINK) $@ $(filter %.o,$^)

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.linked.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(DEMO): bench/demo.c bench/demo.h $(BUILD)/bench/demo.skel.h $(ARENACTL) $(LIBARENA_A) | $(TOOLCHAIN)
	$(CC) $(USER_CFLAGS) -I$(BUILD)/bench -DARENACTL='"$(CURDIR)/$(ARENACTL)"' \
		$< $(LIBARENA_A) $(USER_LDLIBS) -o $@

$(BENCH): bench/bench.c bench/bench.h bench/count_run.h tools/insn-count/insn_count.h $(BUILD)/bench/bench.skel.h \
		$(LIBARENA_A) | $(TOOLCHAIN)
	$(CC) $(USER_CFLAGS) -I$(BUILD)/bench $< $(LIBARENA_A) $(USER_LDLIBS) -o $@

# Under qemu the benchmark also counts executed instructions (exact, where
# the emulated CPU's ns are not); a kernel with arenas runs it natively,
# timed only, unless COUNT=1.
COUNT_INSNS	= $(if $(or $(KERNEL),$(COUNT),$(shell scripts/kernel-vm --needed && echo y)),--count-insns)

bench: $(BENCH) $(INSN_COUNT)
	@$(KERNEL_VM) $(COUNT_INSNS) $(BENCH)

test: $(RUNNER) $(HOST_RUNNER) $(HOST_DEBUG_RUNNER) $(LIBARENA_BPF) $(LIBARENA_DEBUG_BPF) \
		$(LIBARENA_A) $(LIBARENA_SO) $(ARENACTL) $(INSN_COUNT) $(COUNT_RUNNER)
	@tests/run_all $(HOST_RUNNER) $(HOST_DEBUG_RUNNER) tests/check_docs "$(KERNEL_VM) $(RUNNER)" \
		"$(KERNEL_VM) --count-insns $(COUNT_RUNNER)" "$(KERNEL_VM) tests/install_test"

# The numbers README.md and docs/design.md state about the code, against
# the headers (also part of make test).
check-docs:
	@tests/check_docs

# The in-kernel suite on every kernel of the matrix, then a table.
test-kernels: $(RUNNER) $(LIBARENA_BPF)
	@tests/run_kernels $(RUNNER) $(KERNELS)

# The main job: what the library does, then a short benchmark with plots.
run: $(DEMO) $(BENCH) $(INSN_COUNT)
	@$(KERNEL_VM) $(DEMO)
	@echo
	@$(KERNEL_VM) $(COUNT_INSNS) $(BENCH) --quick

# Headers, the BPF object, the user-space library, arenactl, the BPF
# linker consumers need, and a pkg-config file that points at all of it.
install: $(LIBARENA_BPF) $(LIBARENA_DEBUG_BPF) $(LIBARENA_A) $(LIBARENA_SO) $(ARENACTL) $(BPF_LINK)
	install -d $(DESTDIR)$(PREFIX)/include/libarena/internal $(DESTDIR)$(LIBDIR)/bpf \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(PREFIX)/include/libarena/
	install -m 644 $(INTERNAL_HDRS) $(DESTDIR)$(PREFIX)/include/libarena/internal/
	install -m 644 $(LIBARENA_BPF) $(LIBARENA_DEBUG_BPF) $(DESTDIR)$(LIBDIR)/bpf/
	install -m 644 $(LIBARENA_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBARENA_SO) $(DESTDIR)$(LIBDIR)/libarena.so.$(VERSION)
	ln -sf libarena.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libarena.so.$(SO_MAJOR)
	ln -sf libarena.so.$(SO_MAJOR) $(DESTDIR)$(LIBDIR)/libarena.so
	install -m 755 $(ARENACTL) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(BPF_LINK) $(DESTDIR)$(PREFIX)/bin/libarena-bpf-link
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		libarena.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libarena.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/include/libarena/,$(notdir $(PUBLIC_HDRS))) \
		$(addprefix $(DESTDIR)$(PREFIX)/include/libarena/internal/,$(notdir $(INTERNAL_HDRS)))
	-rmdir $(DESTDIR)$(PREFIX)/include/libarena/internal $(DESTDIR)$(PREFIX)/include/libarena
	rm -f $(DESTDIR)$(LIBDIR)/bpf/libarena.bpf.o $(DESTDIR)$(LIBDIR)/bpf/libarena_debug.bpf.o \
		$(DESTDIR)$(LIBDIR)/libarena.a \
		$(DESTDIR)$(LIBDIR)/libarena.so $(DESTDIR)$(LIBDIR)/libarena.so.$(SO_MAJOR) \
		$(DESTDIR)$(LIBDIR)/libarena.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libarena.pc $(DESTDIR)$(PREFIX)/bin/arenactl \
		$(DESTDIR)$(PREFIX)/bin/libarena-bpf-link

# Everything built here; the toolchain (libbpf, vmlinux.h) stays:
# distclean removes that too.
clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-debug $(BUILD)/tests $(BUILD)/bench $(BUILD)/user \
		$(BUILD)/host-obj $(BUILD)/host-obj-debug \
		$(LIBARENA_BPF) $(LIBARENA_DEBUG_BPF) $(LIBARENA_A) $(LIBARENA_SO) $(ARENACTL) \
		$(RUNNER) $(HOST_RUNNER) $(HOST_DEBUG_RUNNER) $(DEMO) $(BPF_LINK) $(FUZZ) \
		$(BUILD)/fuzz-artifacts

distclean:
	rm -rf $(BUILD)
