/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where counted instructions went: the guest's side of insn_count.so's
 * profile (scripts/kernel-vm --profile-insns).  While counting is on, the
 * plugin counts each translation block's runs by guest address; when it
 * stops, it writes them to the file named in LIBARENA_INSN_PROFILE.  This
 * maps each block to the kernel symbol it starts in (/proc/kallsyms,
 * where JIT-compiled BPF functions show as bpf_prog_<tag>_<function>) and
 * prints instructions per operation by function, then the hottest blocks,
 * whose offsets read against the JIT image (bpftool prog dump jited).
 *
 *   insn_profile_print(stdout, ops, top)
 *
 * right after insn_count_switch(fd, 0) (or insn_count_per_op()), ops the
 * operations run while counting.  Programs show only if loaded with
 * net.core.bpf_jit_kallsyms on: insn_profile_enable() before loading.
 */
#ifndef __LIBARENA_INSN_PROFILE_H
#define __LIBARENA_INSN_PROFILE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSN_PROFILE_ENV	"LIBARENA_INSN_PROFILE"

struct insn_sym {
	unsigned long long addr;
	char name[80];
	double insns, locked;	/* over the profile, summed */
};

struct insn_block {
	unsigned long long addr, runs;
	unsigned int n, locked;
	const struct insn_sym *sym;
};

/* Is a profile wanted (kernel-vm --profile-insns)?  Then JIT-compiled
 * functions get kernel symbols (root only; best effort). */
static inline int insn_profile_enable(void)
{
	const char *path = getenv(INSN_PROFILE_ENV);
	FILE *f;

	if (!path || !*path)
		return 0;
	f = fopen("/proc/sys/net/core/bpf_jit_kallsyms", "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	return 1;
}

/* arr with room for element n (of size bytes), or NULL (arr kept). */
static inline void *insn_room(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? 2 * *cap : 4096;
	void *grown;

	if (n < *cap)
		return arr;
	grown = realloc(arr, want * size);
	if (grown)
		*cap = want;
	return grown;
}

static inline int insn_sym_cmp(const void *a, const void *b)
{
	const struct insn_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The kernel's text symbols, by address; NULL on failure. */
static inline struct insn_sym *insn_syms_read(size_t *nr)
{
	struct insn_sym *syms = NULL, *grown;
	size_t n = 0, cap = 0;
	char line[256], type, name[80];
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %79s", &addr, &type, name) != 3 || !addr ||
		    (type != 't' && type != 'T'))
			continue;
		grown = insn_room(syms, &cap, n, sizeof(*syms));
		if (!grown)
			break;
		syms = grown;
		syms[n].addr = addr;
		snprintf(syms[n].name, sizeof(syms[n].name), "%s", name);
		syms[n].insns = syms[n].locked = 0;
		n++;
	}
	fclose(f);
	qsort(syms, n, sizeof(*syms), insn_sym_cmp);
	*nr = n;
	return syms;
}

/* The symbol addr falls in: the last one at or below it. */
static inline struct insn_sym *insn_sym_of(struct insn_sym *syms, size_t n,
					   unsigned long long addr)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return n && syms[lo].addr <= addr ? &syms[lo] : NULL;
}

static inline int insn_syms_by_count(const void *a, const void *b)
{
	const struct insn_sym *x = *(const struct insn_sym **)a, *y = *(const struct insn_sym **)b;

	return x->insns < y->insns ? 1 : x->insns > y->insns ? -1 : 0;
}

static inline int insn_blocks_by_count(const void *a, const void *b)
{
	const struct insn_block *x = a, *y = b;
	double cx = (double)x->n * x->runs, cy = (double)y->n * y->runs;

	return cx < cy ? 1 : cx > cy ? -1 : 0;
}

static inline struct insn_block *insn_blocks_read(const char *path, size_t *nr)
{
	struct insn_block *blocks = NULL, *grown, bk = {};
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while (fscanf(f, "%llx %u %u %llu", &bk.addr, &bk.n, &bk.locked, &bk.runs) == 4) {
		grown = insn_room(blocks, &cap, n, sizeof(*blocks));
		if (!grown)
			break;
		blocks = grown;
		blocks[n++] = bk;
	}
	fclose(f);
	*nr = n;
	return blocks;
}

static inline void insn_profile_show(FILE *out, struct insn_sym *syms, size_t nr_syms,
				     struct insn_block *blocks, size_t nr_blocks, double ops,
				     unsigned int top)
{
	struct insn_sym **hot = calloc(nr_syms ? nr_syms : 1, sizeof(*hot));
	double total = 0, locked = 0;
	size_t i, nr_hot = 0;

	for (i = 0; i < nr_blocks; i++) {
		struct insn_sym *s = insn_sym_of(syms, nr_syms, blocks[i].addr);

		blocks[i].sym = s;
		total += (double)blocks[i].n * blocks[i].runs;
		locked += (double)blocks[i].locked * blocks[i].runs;
		if (!s)
			continue;
		if (!s->insns && hot)
			hot[nr_hot++] = s;
		s->insns += (double)blocks[i].n * blocks[i].runs;
		s->locked += (double)blocks[i].locked * blocks[i].runs;
	}
	fprintf(out, "    %.1f instructions, %.2f locked per operation, by function:\n",
		total / ops, locked / ops);
	qsort(hot, nr_hot, sizeof(*hot), insn_syms_by_count);
	for (i = 0; i < nr_hot && i < top; i++)
		fprintf(out, "    %8.1f %5.2f  %s\n", hot[i]->insns / ops, hot[i]->locked / ops,
			hot[i]->name);
	fprintf(out, "    hottest blocks (instructions per operation, length, runs per operation):\n");
	qsort(blocks, nr_blocks, sizeof(*blocks), insn_blocks_by_count);
	for (i = 0; i < nr_blocks && i < 2 * top; i++)
		fprintf(out, "    %8.1f %3u x %6.2f  %s+0x%llx\n",
			(double)blocks[i].n * blocks[i].runs / ops, blocks[i].n,
			blocks[i].runs / ops, blocks[i].sym ? blocks[i].sym->name : "?",
			blocks[i].sym ? blocks[i].addr - blocks[i].sym->addr : blocks[i].addr);
	free(hot);
}

/* The profile since counting last started, per operation; -errno if there
 * is none to read. */
static inline int insn_profile_print(FILE *out, double ops, unsigned int top)
{
	const char *path = getenv(INSN_PROFILE_ENV);
	struct insn_block *blocks;
	struct insn_sym *syms;
	size_t nr_syms = 0, nr_blocks = 0;

	if (!path || !*path)
		return -ENOENT;
	blocks = insn_blocks_read(path, &nr_blocks);
	if (!blocks)
		return -EIO;
	syms = insn_syms_read(&nr_syms);
	insn_profile_show(out, syms, nr_syms, blocks, nr_blocks, ops, top);
	free(syms);
	free(blocks);
	return 0;
}

#endif /* __LIBARENA_INSN_PROFILE_H */
