// SPDX-License-Identifier: BSD-2-Clause
/* buddy_check(): the heap walk of walk.h under the instance lock. */
#include "instance.h"
#include "walk.h"

int buddy_check(buddy_t *b __arg_arena)
{
	int err;

	err = buddy_lock(b);
	if (err)
		return err;
	err = walk_instance(b, &libarena_space, &b->check);
	buddy_unlock(b);
	return err;
}
