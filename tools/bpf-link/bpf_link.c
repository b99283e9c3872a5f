// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf-link OUT IN...: statically link BPF objects with libbpf's linker.
 *
 * bpftool 7.5 (libbpf 1.5 linker) cannot link two objects that reference
 * the same kfunc; libbpf >= 1.6 can, so the build uses this instead of
 * `bpftool gen object`.  The 1.7 linker leaves the BTF offsets of variables
 * in .addr_space.1 (arena globals) at 0 for every input after the first;
 * the ELF symbols are right, so the offsets are rewritten from them, which
 * is what `bpftool gen skeleton` needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int link_objects(const char *out, char **in, int n)
{
	struct bpf_linker *linker = bpf_linker__new(out, NULL);
	int i, err = 0;

	if (!linker) {
		fprintf(stderr, "bpf-link: cannot create %s: %s\n", out, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n && !err; i++) {
		err = bpf_linker__add_file(linker, in[i], NULL);
		if (err)
			fprintf(stderr, "bpf-link: %s: %s\n", in[i], strerror(-err));
	}
	if (!err) {
		err = bpf_linker__finalize(linker);
		if (err)
			fprintf(stderr, "bpf-link: %s: %s\n", out, strerror(-err));
	}
	bpf_linker__free(linker);
	return err;
}

/*
 * Value of the nth (from 0) symbol `name` defined in section `shndx`, or -1.
 * Static variables of several inputs may share a name; they appear in the
 * symbol table in the same order as in the section's BTF.
 */
static long symbol_value(Elf *elf, Elf_Scn *symtab, int shndx, const char *name,
			 int nth)
{
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Data *data = elf_getdata(symtab, NULL);
	size_t i;

	gelf_getshdr(symtab, &sh);
	for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		if (!gelf_getsym(data, i, &sym) || sym.st_shndx != shndx)
			continue;
		if (!strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), name) &&
		    nth-- == 0)
			return sym.st_value;
	}
	return -1;
}

/* How many variables before the ith of datasec t have this name. */
static int same_name_before(const struct btf *btf, const struct btf_type *t,
			    int i, const char *name)
{
	const struct btf_var_secinfo *vsi = btf_var_secinfos(t);
	int j, n = 0;

	for (j = 0; j < i; j++, vsi++)
		n += !strcmp(name, btf__name_by_offset(btf,
				btf__type_by_id(btf, vsi->type)->name_off));
	return n;
}

static int fix_arena_offsets(Elf *elf, Elf_Scn *btf_scn, Elf_Scn *symtab,
			     int arena_shndx)
{
	Elf_Data *data = elf_getdata(btf_scn, NULL);
	struct btf *btf = btf__new(data->d_buf, data->d_size);
	int id, i, n, changed = 0;

	if (!btf)
		return -errno;
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		struct btf_var_secinfo *vsi;

		if (!btf_is_datasec(t) ||
		    strcmp(btf__name_by_offset(btf, t->name_off), ".addr_space.1"))
			continue;
		vsi = (struct btf_var_secinfo *)btf_var_secinfos(t);
		for (i = 0; i < btf_vlen(t); i++, vsi++) {
			const char *name = btf__name_by_offset(btf,
				btf__type_by_id(btf, vsi->type)->name_off);
			long value = symbol_value(elf, symtab, arena_shndx, name,
						  same_name_before(btf, t, i, name));

			if (value < 0 || vsi->offset == (__u32)value)
				continue;
			/* Patch the section bytes at the same position. */
			memcpy((char *)data->d_buf +
			       ((char *)&vsi->offset - (char *)btf__raw_data(btf, &(__u32){0})),
			       &(__u32){value}, sizeof(__u32));
			changed++;
		}
	}
	btf__free(btf);
	if (changed)
		elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
	return changed;
}

static int fixup(const char *path)
{
	Elf_Scn *scn = NULL, *btf_scn = NULL, *symtab = NULL;
	int fd, arena_shndx = -1, err = 0;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf *elf;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		close(fd);
		return -EINVAL;
	}
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);	/* keep the layout as is */
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		gelf_getshdr(scn, &sh);
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (!strcmp(name, ".BTF"))
			btf_scn = scn;
		else if (!strcmp(name, ".addr_space.1"))
			arena_shndx = elf_ndxscn(scn);
	}
	if (btf_scn && symtab && arena_shndx >= 0) {
		err = fix_arena_offsets(elf, btf_scn, symtab, arena_shndx);
		if (err > 0 && elf_update(elf, ELF_C_WRITE) < 0)
			err = -EIO;
	}
	elf_end(elf);
	close(fd);
	return err < 0 ? err : 0;
}

int main(int argc, char **argv)
{
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: %s OUT.bpf.o IN.bpf.o...\n", argv[0]);
		return 2;
	}
	err = link_objects(argv[1], argv + 2, argc - 2);
	if (!err) {
		err = fixup(argv[1]);
		if (err)
			fprintf(stderr, "bpf-link: fixing arena BTF of %s: %s\n",
				argv[1], strerror(-err));
	}
	if (err)
		unlink(argv[1]);
	return err ? 1 : 0;
}
