/* SPDX-License-Identifier: BSD-2-Clause */
/* The arena's buddy window: 1 MiB slices shared by all instances. */
#ifndef __LIBARENA_SPACE_H
#define __LIBARENA_SPACE_H

#include <libarena/block.h>
#include "platform.h"

int space_init(void);
/* A fresh, populated, zeroed chunk, or 0 when the window or arena is full. */
__u64 space_chunk_get(void);
int space_chunk_put(__u64 chunk);

#endif /* __LIBARENA_SPACE_H */
