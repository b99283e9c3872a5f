// SPDX-License-Identifier: BSD-2-Clause
/*
 * The programs of budget.bpf.c in a debug build (the Makefile defines
 * LIBARENA_DEBUG and links libarena_debug.bpf.o): the debug layer may not
 * take a caller more frames or stack than the plain library.
 */
#include "budget.bpf.c"
