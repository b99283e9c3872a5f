/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the user-space library's sources. */
#ifndef __LIBARENA_USER_INTERNAL_H
#define __LIBARENA_USER_INTERNAL_H

#include <stdarg.h>
#include <libarena/user.h>

struct libarena {
	struct libarena_info info;
	const struct arena_space *space;	/* inside the mapping */
	__u64 base;				/* where the arena is mapped */
	size_t size;
	__u32 map_id;
	bool borrowed;				/* the loader's mapping, not ours */
};

/* The fd of the loaded library program `name` in obj, or -errno (printed). */
struct bpf_object;
int libarena_prog_fd(struct bpf_object *obj, const char *name);

/* Print "libarena: <what>: <errno text>" and return err (negative). */
int libarena_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* __LIBARENA_USER_INTERNAL_H */
