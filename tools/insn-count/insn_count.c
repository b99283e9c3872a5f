// SPDX-License-Identifier: BSD-2-Clause
/*
 * A qemu TCG plugin that counts the guest's executed instructions, and the
 * locked ones, per vCPU.  The guest drives it with markers no compiler
 * emits:
 *   xchg %r14,%r14 (4d 87 f6)  start counting
 *   xchg %r13,%r13 (4d 87 ed)  stop counting
 *   xchg %r15,%r15 (4d 87 ff)  publish this vCPU's counts so far
 *
 *   qemu-system-x86_64 ... -plugin insn_count.so,out=FILE[,profile=PFILE]
 *
 * FILE holds one 64-byte line per vCPU, at offset 64 x vCPU index:
 * "<instructions> <locked>\n", both counted up to, not including, that
 * vCPU's last publishing marker.  A guest sharing FILE (scripts/kernel-vm's
 * virtiofs, no cache) reads its own line right after a marker: two markers
 * bracket what they count.  Counts are per translation block, taken when
 * it is entered: one that an interrupt leaves early counts its tail too
 * (noise of about 0.1% here).
 *
 * Counting costs a call per block executed, which slows the guest enough
 * to time out locks in timed multi-CPU runs: it is off until started.
 * Starting or stopping retranslates every block (qemu_plugin_reset()),
 * and takes effect a moment later; the guest waits for it (insn_count.h).
 *
 * With profile=PFILE it also counts each block executed while counting,
 * by its guest address, and writes them to PFILE when counting stops:
 * one line per block run, "<address> <instructions> <locked> <runs>" in
 * hex and decimal, the previous contents replaced.  The guest maps the
 * addresses to its kernel's and JIT's symbols (insn_profile.h).
 *
 * Debian ships no qemu-plugin.h: the few declarations used are written out
 * below, for the plugin API of qemu 7.2 (version 1).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- qemu's plugin API, version 1 --- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);
typedef void (*qemu_plugin_simple_cb_t)(qemu_plugin_id_t id);
void qemu_plugin_reset(qemu_plugin_id_t id, qemu_plugin_simple_cb_t cb);

#define EXPORT	__attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;
/* --- end of qemu's API --- */

#define MAX_VCPUS	64
#define LINE		64

/* Each vCPU's counts, touched only by the thread that runs that vCPU. */
static struct {
	uint64_t insns, locked;
} counts[MAX_VCPUS] __attribute__((aligned(64)));
static int out_fd = -1;
static qemu_plugin_id_t plugin_id;
static int counting;		/* blocks translated now are counted */
static int wanted;		/* what the switch under way sets */
static int switching;		/* a reset under way */

/* A callback's user data: instruction and locked counts, packed, so that
 * translating a block allocates nothing. */
#define PACK(n, locked)	((void *)(uintptr_t)((uint64_t)(locked) << 32 | (uint32_t)(n)))
#define PACK_N(p)	((uint32_t)(uintptr_t)(p))
#define PACK_LOCKED(p)	((uint32_t)((uintptr_t)(p) >> 32))

/* x86: a lock prefix among the legacy prefixes, or xchg with memory. */
static bool insn_locked(const uint8_t *b, size_t len)
{
	size_t i = 0;

	for (; i < len; i++) {
		switch (b[i]) {
		case 0xf0:
			return true;
		case 0xf2: case 0xf3: case 0x2e: case 0x36: case 0x3e:
		case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
			continue;
		}
		break;
	}
	if (i < len && (b[i] & 0xf0) == 0x40)	/* REX */
		i++;
	return i + 1 < len && (b[i] == 0x86 || b[i] == 0x87) && (b[i + 1] >> 6) != 3;
}

enum marker { NOT_MARKER, MARK_PUBLISH, MARK_START, MARK_STOP };

static enum marker insn_marker(const uint8_t *b, size_t len)
{
	if (len != 3 || b[0] != 0x4d || b[1] != 0x87)
		return NOT_MARKER;
	return b[2] == 0xff ? MARK_PUBLISH : b[2] == 0xf6 ? MARK_START :
	       b[2] == 0xed ? MARK_STOP : NOT_MARKER;
}

static void tb_exec(unsigned int vcpu, void *packed)
{
	if (vcpu < MAX_VCPUS) {
		counts[vcpu].insns += PACK_N(packed);
		counts[vcpu].locked += PACK_LOCKED(packed);
	}
}

/* The block was counted whole on entry (if counting): leave out the
 * marker and what follows it (packed). */
static void publish_exec(unsigned int vcpu, void *packed)
{
	char line[LINE];

	if (vcpu >= MAX_VCPUS || out_fd < 0)
		return;
	memset(line, ' ', sizeof(line));
	snprintf(line, sizeof(line), "%llu %llu",
		 (unsigned long long)(counts[vcpu].insns - PACK_N(packed)),
		 (unsigned long long)(counts[vcpu].locked - PACK_LOCKED(packed)));
	line[strlen(line)] = ' ';
	line[LINE - 1] = '\n';
	if (pwrite(out_fd, line, LINE, (off_t)vcpu * LINE) != LINE)
		qemu_plugin_outs("insn_count: cannot write the counts\n");
}

/*
 * The profile: a record per block (address and length: qemu may translate
 * the same address into blocks of different lengths), found again when
 * the block is translated again, so that its runs add up.
 */
struct block_rec {
	uint64_t vaddr;
	uint32_t n, locked;
	uint64_t runs;
	struct block_rec *next;
};

#define PROFILE_BUCKETS	(1u << 16)

static struct block_rec *profile[PROFILE_BUCKETS];
static pthread_mutex_t profile_lock = PTHREAD_MUTEX_INITIALIZER;
static int profile_fd = -1;

/* Translation runs on several vCPU threads at once: looked up locked. */
static struct block_rec *block_rec_of(uint64_t vaddr, uint32_t n, uint32_t locked)
{
	struct block_rec **head = &profile[(vaddr ^ vaddr >> 16) & (PROFILE_BUCKETS - 1)], *r;

	pthread_mutex_lock(&profile_lock);
	for (r = *head; r; r = r->next)
		if (r->vaddr == vaddr && r->n == n)
			break;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (r) {
			r->vaddr = vaddr;
			r->n = n;
			r->locked = locked;
			r->next = *head;
			*head = r;
		}
	}
	pthread_mutex_unlock(&profile_lock);
	return r;
}

static void tb_exec_profiled(unsigned int vcpu, void *rec)
{
	struct block_rec *r = rec;

	tb_exec(vcpu, PACK(r->n, r->locked));
	__atomic_fetch_add(&r->runs, 1, __ATOMIC_RELAXED);
}

/* The blocks run since counting started, to PFILE; their runs restart
 * from 0.  No vCPU runs meanwhile (a reset's callback). */
static void profile_write(void)
{
	char line[64];
	struct block_rec *r;
	uint32_t i;
	int len;

	if (profile_fd < 0 || ftruncate(profile_fd, 0) || lseek(profile_fd, 0, SEEK_SET))
		return;
	for (i = 0; i < PROFILE_BUCKETS; i++) {
		for (r = profile[i]; r; r = r->next) {
			if (!r->runs)
				continue;
			len = snprintf(line, sizeof(line), "%llx %u %u %llu\n",
				       (unsigned long long)r->vaddr, r->n, r->locked,
				       (unsigned long long)r->runs);
			r->runs = 0;
			if (write(profile_fd, line, len) != len) {
				qemu_plugin_outs("insn_count: cannot write the profile\n");
				return;
			}
		}
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

/* Every block flushed, none translated since: the new mode holds for all. */
static void switched(qemu_plugin_id_t id)
{
	if (!wanted)
		profile_write();
	__atomic_store_n(&counting, wanted, __ATOMIC_RELAXED);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	__atomic_store_n(&switching, 0, __ATOMIC_RELEASE);
}

/* One switch at a time; the guest repeats its marker until it holds. */
static void switch_exec(unsigned int vcpu, void *on)
{
	if (__atomic_load_n(&counting, __ATOMIC_RELAXED) == (on != NULL) ||
	    __atomic_exchange_n(&switching, 1, __ATOMIC_ACQUIRE))
		return;
	wanted = on != NULL;
	qemu_plugin_reset(plugin_id, switched);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	bool counted = __atomic_load_n(&counting, __ATOMIC_RELAXED);
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint32_t locked = 0, locked_before = 0;
	struct qemu_plugin_insn *insn;
	struct block_rec *rec;
	const uint8_t *b;
	size_t len;

	for (i = 0; i < n; i++) {
		insn = qemu_plugin_tb_get_insn(tb, i);
		b = qemu_plugin_insn_data(insn);
		len = qemu_plugin_insn_size(insn);
		locked += insn_locked(b, len);
	}
	rec = counted && profile_fd >= 0 ? block_rec_of(qemu_plugin_tb_vaddr(tb), n, locked) : NULL;
	if (rec)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_profiled, QEMU_PLUGIN_CB_NO_REGS,
						     rec);
	else if (counted)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
						     PACK(n, locked));
	for (i = 0; i < n; i++) {
		insn = qemu_plugin_tb_get_insn(tb, i);
		b = qemu_plugin_insn_data(insn);
		len = qemu_plugin_insn_size(insn);
		switch (insn_marker(b, len)) {
		case MARK_PUBLISH:
			qemu_plugin_register_vcpu_insn_exec_cb(insn, publish_exec, QEMU_PLUGIN_CB_NO_REGS,
							       counted ? PACK(n - i, locked - locked_before) :
									 PACK(0, 0));
			break;
		case MARK_START:
		case MARK_STOP:
			qemu_plugin_register_vcpu_insn_exec_cb(insn, switch_exec, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)(insn_marker(b, len) == MARK_START));
			break;
		case NOT_MARKER:
			break;
		}
		locked_before += insn_locked(b, len);
	}
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_fd = open(argv[i] + 4, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		else if (!strncmp(argv[i], "profile=", 8))
			profile_fd = open(argv[i] + 8, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		qemu_plugin_outs("insn_count: give a writable out=FILE\n");
		return -1;
	}
	plugin_id = id;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
