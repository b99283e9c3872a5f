// SPDX-License-Identifier: BSD-2-Clause
/*
 * Can this kernel run libarena?  Asked before loading, so that a kernel
 * that cannot gets one sentence naming what it lacks and from which
 * version it exists, not a verifier log.  Kfuncs are looked up in the
 * kernel's BTF; the arena map itself is created once (a kernel may know
 * the type and still refuse it, as some virtual machines' kernels do).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "internal.h"

/* What the library calls that a kernel may lack, oldest first. */
static const struct kernel_need {
	const char *kfunc;
	const char *feature;
	const char *since;
} kernel_needs[] = {
	{ "bpf_arena_alloc_pages", "BPF arenas", "6.9" },
	{ "bpf_preempt_disable", "bpf_preempt_disable()", "6.10" },
	{ "bpf_wq_init", "BPF work queues (bpf_wq)", "6.10" },
};

int libarena__check_kernel(void)
{
	struct utsname u;
	struct btf *btf;
	unsigned int i;
	int err = 0;

	if (uname(&u))
		strcpy(u.release, "?");
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return libarena_err(-errno, "Linux %s: reading the kernel's BTF (libarena needs "
				    "CONFIG_DEBUG_INFO_BTF)", u.release);
	for (i = 0; i < sizeof(kernel_needs) / sizeof(kernel_needs[0]) && !err; i++) {
		if (btf__find_by_name_kind(btf, kernel_needs[i].kfunc, BTF_KIND_FUNC) < 0)
			err = libarena_err(-EOPNOTSUPP, "Linux %s has no %s (%s, from Linux %s); "
					   "libarena is tested from 6.12", u.release,
					   kernel_needs[i].feature, kernel_needs[i].kfunc,
					   kernel_needs[i].since);
	}
	btf__free(btf);
	if (err)
		return err;
	err = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_ARENA, NULL);
	if (err == 0)
		return libarena_err(-EOPNOTSUPP, "Linux %s refuses to create a BPF arena map "
				    "(some virtual machines' kernels do; run under another "
				    "kernel, as scripts/kernel-vm does)", u.release);
	if (err < 0)
		return libarena_err(err, "Linux %s: creating a BPF arena map (as root, or with "
				    "CAP_BPF and CAP_PERFMON?)", u.release);
	return 0;
}
