// SPDX-License-Identifier: BSD-2-Clause
/*
 * Opening an arena from user space: find the libarena_info map that
 * describes it (the library publishes one per arena; matched by the arena's
 * map id) and map the arena read-only.  The kernel places every mapping of
 * an arena at the same address, so arena pointers read from it are valid
 * pointers here.  In the process that loaded the arena, libbpf's mapping
 * already sits there and is used as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

int libarena_err(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "libarena: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(-err));
	return err;
}

/* The libarena_info entry whose arena_map_id is id, or -ENOENT. */
static int find_info(__u32 id, struct libarena_info *out)
{
	__u32 next = 0, key = 0;
	int fd, err;

	while (!bpf_map_get_next_id(next, &next)) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_map_get_fd_by_id(next);
		if (fd < 0)
			continue;
		err = bpf_map_get_info_by_fd(fd, &info, &len);
		if (!err && !strcmp(info.name, "libarena_info") &&
		    info.value_size == sizeof(*out) &&
		    !bpf_map_lookup_elem(fd, &key, out) &&
		    out->magic == SPACE_MAGIC && out->arena_map_id == id) {
			close(fd);
			return 0;
		}
		close(fd);
	}
	return -ENOENT;
}

/* Is the page at addr mapped in this process? */
static bool mapped_here(__u64 addr)
{
	unsigned char vec;

	return addr && !mincore((void *)(unsigned long)addr, 1, &vec);
}

int libarena__open(int arena_map_fd, struct libarena **out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct libarena *la;
	void *map;
	int err;

	err = bpf_map_get_info_by_fd(arena_map_fd, &info, &len);
	if (err)
		return libarena_err(-errno, "reading map info");
	if (info.type != BPF_MAP_TYPE_ARENA)
		return libarena_err(-EINVAL, "map %u (%s) is not an arena", info.id, info.name);
	la = calloc(1, sizeof(*la));
	if (!la)
		return libarena_err(-ENOMEM, "allocating a handle");
	err = find_info(info.id, &la->info);
	if (err) {
		free(la);
		return libarena_err(err, "no libarena_info for arena map %u: is a program linked "
				    "with libarena loaded, and its heap initialised (the loader "
				    "runs libarena__refill() after loading)", info.id);
	}
	la->size = (size_t)info.max_entries << ARENA_PAGE_SHIFT;
	/* The kernel accepts a second mapping only at the arena's address. */
	map = mmap((void *)(unsigned long)la->info.arena_start, la->size, PROT_READ,
		   MAP_SHARED, arena_map_fd, 0);
	if (map == MAP_FAILED && mapped_here(la->info.arena_start)) {
		/* The loader's own mapping (libbpf's), in this process. */
		map = (void *)(unsigned long)la->info.arena_start;
		la->borrowed = true;
	} else if (map == MAP_FAILED) {
		err = libarena_err(-errno, "mapping arena map %u at its address %#llx (taken in "
				   "this process? have the loader place the arena with "
				   "bpf_map__set_map_extra(map, LIBARENA_ARENA_ADDR))", info.id,
				   (unsigned long long)la->info.arena_start);
		free(la);
		return err;
	}
	la->base = (__u64)(unsigned long)map;
	if (la->info.space < la->base || la->info.space >= la->base + la->size) {
		err = libarena_err(-EFAULT, "arena map %u is mapped at %#llx, but its allocator "
				   "state is at %#llx", info.id, (unsigned long long)la->base,
				   (unsigned long long)la->info.space);
		munmap(map, la->size);
		free(la);
		return err;
	}
	la->space = (const struct arena_space *)(unsigned long)la->info.space;
	la->map_id = info.id;
	*out = la;
	return 0;
}

int libarena__open_pinned(const char *path, struct libarena **out)
{
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return libarena_err(-errno, "opening pinned map %s", path);
	err = libarena__open(fd, out);
	close(fd);
	return err;
}

int libarena__open_id(__u32 arena_map_id, struct libarena **out)
{
	int fd = bpf_map_get_fd_by_id(arena_map_id), err;

	if (fd < 0)
		return libarena_err(-errno, "opening map id %u", arena_map_id);
	err = libarena__open(fd, out);
	close(fd);
	return err;
}

void libarena__close(struct libarena *la)
{
	if (!la)
		return;
	if (!la->borrowed)
		munmap((void *)(unsigned long)la->base, la->size);
	free(la);
}
