/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Coming from upstream libarena (the kernel selftests' allocator library):
 * include this, first, instead of its headers, and the names its programs
 * use are here.  Upstream grows the heap inline, which takes a sleepable
 * program on kernels before 7.0, so this selects the sleepable entry
 * points (LIBARENA_SLEEPABLE) unless you chose before including it.
 */
#ifndef __LIBARENA_UPSTREAM_H
#define __LIBARENA_UPSTREAM_H

#if !defined(LIBARENA_SLEEPABLE) && !defined(LIBARENA_ASYNC_REFILL)
#define LIBARENA_SLEEPABLE
#endif

#include "libarena.h"
#include "asan.h"

/* A zero the verifier cannot see through, for loop starts (opaque()). */
#define zero	((__u32)opaque(0))

/*
 * Upstream prints to BPF streams; on this kernel bpf_stream_vprintk()
 * returns -ENOMEM from syscall programs and nothing can be read back
 * (tried), so these go to the trace pipe:
 * /sys/kernel/tracing/trace_pipe.
 */
#define arena_stdout(fmt, ...)	bpf_printk(fmt, ##__VA_ARGS__)
#define arena_stderr(fmt, ...)	bpf_printk(fmt, ##__VA_ARGS__)

#endif /* __LIBARENA_UPSTREAM_H */
