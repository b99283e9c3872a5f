// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target (host build): a byte string decoded into a stream of
 * allocator operations on the default instance, checked after every step
 * against a shadow model: blocks never overlap, usable sizes cover the
 * request, contents survive until free and across realloc, calloc zeroes,
 * bad frees are rejected with the right errno, the heap walk stays clean,
 * and everything freed and trimmed leaves the heap empty.
 *
 * `make fuzz` runs it; `make test` replays tests/fuzz/corpus through
 * fuzz_replay_dir() in the host runner.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* The model is a sleepable caller: the heap grows inline. */
#define LIBARENA_SLEEPABLE
#include "instance.h"
#include <libarena/malloc.h>
#include "fuzz_ops.h"

#define MAX_LIVE	256

struct shadow {
	__u64 ptr;
	__u64 size;
	__u8 seed;
};

static struct shadow live[MAX_LIVE];
static int nr_live;

struct input {
	const __u8 *data;
	size_t size, pos;
};

#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_ops: %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

static __u32 next(struct input *in, int bytes)
{
	__u32 v = 0;

	while (bytes--)
		v = v << 8 | (in->pos < in->size ? in->data[in->pos++] : 0);
	return v;
}

static __u8 pattern(__u8 seed, __u64 k)
{
	return seed + k * 31;
}

/*
 * The bytes a block's contents are checked on: the first and last 256 and
 * every 512th in between.  Sparse, so 512 KiB blocks stay cheap; any
 * overlap or lost copy still shows.
 */
static __u64 next_probe(__u64 k, __u64 size)
{
	if (k < 256 || k + 256 >= size)
		return k + 1;
	k = (k | 511) + 1;
	return k + 256 > size ? size - 256 : k;
}

static void fill(__u64 p, __u64 size, __u8 seed)
{
	__u8 *c = (__u8 *)p;
	__u64 k;

	for (k = 0; k < size; k = next_probe(k, size))
		c[k] = pattern(seed, k);
}

/* The probes of a block filled at `size`, below `limit`, hold the pattern. */
static int intact_below(__u64 p, __u64 size, __u64 limit, __u8 seed)
{
	const __u8 *c = (const __u8 *)p;
	__u64 k;

	for (k = 0; k < size && k < limit; k = next_probe(k, size))
		if (c[k] != pattern(seed, k))
			return 0;
	return 1;
}

static int intact(__u64 p, __u64 size, __u8 seed)
{
	return intact_below(p, size, size, seed);
}

static void check_new_block(__u64 p, __u64 size)
{
	int i;

	FUZZ_ASSERT(!(p & 15));
	FUZZ_ASSERT(arena_usable_size_addr(p) >= size);
	for (i = 0; i < nr_live; i++)
		FUZZ_ASSERT(p + size <= live[i].ptr || live[i].ptr + live[i].size <= p);
}

static void add(__u64 p, __u64 size, __u8 seed)
{
	check_new_block(p, size);
	fill(p, size, seed);
	live[nr_live++] = (struct shadow){ p, size, seed };
}

static void drop(int i)
{
	live[i] = live[--nr_live];
}

static __u64 decode_size(struct input *in)
{
	__u32 v = next(in, 3);

	/* Mostly up to 4 KiB, one in 16 up to the largest block. */
	return (v & 0xf00000) == 0xf00000 ? (v & 0x7ffff) + 1 : (v & 0xfff) + 1;
}

static void op_free(int i, int twice)
{
	FUZZ_ASSERT(intact(live[i].ptr, live[i].size, live[i].seed));
	FUZZ_ASSERT(arena_free_addr(live[i].ptr) == 0);
	if (twice) {
		/* -EFAULT when the free gave the whole chunk back. */
		int err = arena_free_addr(live[i].ptr);

		if (err != -EALREADY && err != -EFAULT)
			fprintf(stderr, "fuzz_ops: double free of %#llx (%llu B, %s) returned %d\n",
				(unsigned long long)live[i].ptr, (unsigned long long)live[i].size,
				libarena_heap.flags ? "uncached" : "cache", err);
		FUZZ_ASSERT(err == -EALREADY || err == -EFAULT);
	}
	drop(i);
}

static void op_realloc(int i, __u64 size)
{
	struct shadow *s = &live[i];
	__u64 q, keep = s->size < size ? s->size : size;
	int j;

	FUZZ_ASSERT(intact(s->ptr, s->size, s->seed));
	q = arena_realloc_addr(s->ptr, size);
	FUZZ_ASSERT(q);		/* the arena is far from full */
	FUZZ_ASSERT(intact_below(q, s->size, keep, s->seed));
	for (j = 0; j < nr_live; j++)
		if (j != i)
			FUZZ_ASSERT(q + size <= live[j].ptr || live[j].ptr + live[j].size <= q);
	FUZZ_ASSERT(arena_usable_size_addr(q) >= size);
	fill(q, size, s->seed);
	s->ptr = q;
	s->size = size;
}

static void op_calloc(struct input *in)
{
	__u64 n = (next(in, 1) & 63) + 1, each = (next(in, 1) & 127) + 1, p;
	const __u8 *c;
	__u64 k;

	p = arena_calloc_addr(n, each);
	FUZZ_ASSERT(p);
	for (c = (const __u8 *)p, k = 0; k < n * each; k++)
		FUZZ_ASSERT(c[k] == 0);
	add(p, n * each, next(in, 1));
}

/* libFuzzer calls this once: stay on one CPU, as the host runner does. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	libarena_host_pin();
	return 0;
}

static void reset_all(__u64 flags)
{
	buddy_destroy(&libarena_heap);
	FUZZ_ASSERT(buddy_init_flags(&libarena_heap, flags) == 0);
	nr_live = 0;
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct input in = { data, size, 0 };
	__u64 flags = size && (data[0] & 1) ? BUDDY_NO_PCPU_CACHE : 0, p, sz;
	int steps = 0, i;

	reset_all(flags);
	in.pos = 1;
	while (in.pos < in.size && steps++ < 2000) {
		__u8 op = next(&in, 1) % 10;

		i = nr_live ? (int)(next(&in, 1) % nr_live) : -1;
		switch (op) {
		case 0: case 1: case 2:
			if (nr_live == MAX_LIVE)
				break;
			sz = decode_size(&in);
			p = arena_malloc_addr(sz);
			FUZZ_ASSERT(p);
			add(p, sz, next(&in, 1));
			break;
		case 3: case 4:
			if (i >= 0)
				op_free(i, 0);
			break;
		case 5:
			if (i >= 0)
				op_realloc(i, decode_size(&in));
			break;
		case 6:
			if (nr_live < MAX_LIVE)
				op_calloc(&in);
			break;
		case 7:
			if (i >= 0)
				op_free(i, 1);	/* and again: a double free */
			break;
		case 8:
			/* An interior pointer: rejected, the block untouched. */
			if (i >= 0 && live[i].size > 16)
				FUZZ_ASSERT(arena_free_addr(live[i].ptr + 16) == -EADDRNOTAVAIL);
			else
				FUZZ_ASSERT(buddy_trim(&libarena_heap) >= 0);
			break;
		case 9:
			if (next(&in, 1) < 16)
				reset_all(flags);
			else
				FUZZ_ASSERT(buddy_check(&libarena_heap) == 0);
			break;
		}
	}
	while (nr_live)
		op_free(nr_live - 1, 0);
	FUZZ_ASSERT(buddy_trim(&libarena_heap) >= 0);
	FUZZ_ASSERT(libarena_heap.stats.bytes_in_use == libarena_heap.stats.cache_meta_bytes);
	FUZZ_ASSERT(buddy_check(&libarena_heap) == 0);
	return 0;
}

int fuzz_replay_dir(const char *dir, int *files)
{
	static __u8 buf[1 << 16];
	char path[4096];
	struct dirent *e;
	size_t n;
	FILE *f;
	DIR *d;

	*files = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		(*files)++;
	}
	closedir(d);
	return 0;
}
