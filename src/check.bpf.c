// SPDX-License-Identifier: BSD-2-Clause
/* buddy_check(): the heap walk of walk.h under the instance lock. */
#include "instance_lock.h"

struct arena_space;
long buddy_check_chunk(buddy_t *b __arg_arena, struct arena_space __arena *s __arg_arena,
		       struct buddy_check_report __arena *rep __arg_arena, __u64 chunk);
int buddy_check_slabs(buddy_t *b __arg_arena, struct buddy_check_report __arena *rep __arg_arena);
#define WALK_CHUNK	buddy_check_chunk
#define WALK_SLABS	buddy_check_slabs
#include "walk.h"

/* The slabs, out of line for the same reason. */
__noinline int buddy_check_slabs(buddy_t *b __arg_arena, report_t *rep __arg_arena)
{
	return walk_instance_slabs(b, rep);
}

/* One chunk's walk, out of line: its totals fill a frame of their own. */
__noinline long buddy_check_chunk(buddy_t *b __arg_arena,
				  struct arena_space __arena *s __arg_arena,
				  report_t *rep __arg_arena, __u64 chunk)
{
	return check_chunk(b, s, rep, chunk);
}

__noinline int buddy_check(buddy_t *b __arg_arena)
{
	int err;

	err = instance_lock(b);
	if (err)
		return err;
	err = walk_instance(b, &libarena_space, &b->check);
	instance_unlock(b);
	return err;
}
