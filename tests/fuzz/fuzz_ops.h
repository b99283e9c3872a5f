/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef __LIBARENA_FUZZ_OPS_H
#define __LIBARENA_FUZZ_OPS_H

#include <stddef.h>
#include <linux/types.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const __u8 *data, size_t size);
/* Run every file of dir through the target once: 0 or -errno. */
int fuzz_replay_dir(const char *dir, int *files);

#endif /* __LIBARENA_FUZZ_OPS_H */
