// SPDX-License-Identifier: BSD-2-Clause
/* buddy_check(): the heap walk of walk.h under the instance lock. */
#include "instance.h"
#include "walk.h"

int buddy_check(buddy_t *b __arg_arena)
{
	struct libarena_lock *l;
	int err;

	l = buddy_lock_ready(b, &err);
	if (!l)
		return err;
	err = walk_instance(b, &libarena_space, &b->check);
	buddy_unlock(b, l);
	return err;
}
