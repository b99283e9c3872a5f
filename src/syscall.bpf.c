// SPDX-License-Identifier: BSD-2-Clause
/*
 * SEC("syscall") programs that let user space drive the default instance
 * with bpf_prog_test_run_opts(): the return value is the result.
 *
 * The library defines no license section: the linker rejects objects whose
 * licenses differ, so the application's object provides it (it must be
 * GPL-compatible, as the arena kfuncs are GPL-only).
 */
#include "instance.h"
#include <libarena/malloc.h>

SEC("syscall")
int arena_buddy_init(void *ctx)
{
	return buddy_default_ready();
}

SEC("syscall")
int arena_buddy_reset(void *ctx)
{
	int err = buddy_default_ready();

	return err ?: buddy_reset(&buddy);
}

SEC("syscall")
int arena_buddy_check(void *ctx)
{
	return buddy_check(&buddy);
}

SEC("syscall")
int arena_buddy_destroy(void *ctx)
{
	return buddy_destroy(&buddy);
}
