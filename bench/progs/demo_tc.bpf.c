// SPDX-License-Identifier: BSD-2-Clause
/*
 * The demo's networking part: a tc program (not sleepable) holds 16 KiB
 * records from the heap, with the library's defaults: it grows the heap
 * inline where the kernel allows (7.0+), else it takes from the reserve
 * until that runs dry and the refill thread serves it.
 */
#include <libarena/libarena.h>
#include "../demo.h"

#define TC_ACT_OK	0	/* linux/pkt_cls.h, which vmlinux.h does not carry */

struct demo_tc_result __arena demo_tc;
__u64 __arena demo_tc_held[DEMO_TC_SLOTS];

SEC("tc")
int demo_tc_hold(struct __sk_buff *skb)
{
	struct demo_tc_result __arena *r = &demo_tc;
	__u64 p;
	__u32 i;

	r->runs++;
	for (i = opaque(0); i < DEMO_TC_SLOTS && can_loop; i++) {
		if (*arena_elem(demo_tc_held, i))
			continue;
		p = arena_malloc_addr(DEMO_TC_RECORD);
		if (!p) {
			r->nulls++;
			break;
		}
		*(__u64 __arena *)arena_ptr(p) = i;	/* the record is ours */
		*arena_elem(demo_tc_held, i) = p;
		r->held++;
	}
	return TC_ACT_OK;
}

SEC("tc")
int demo_tc_release(struct __sk_buff *skb)
{
	__u32 i;

	for (i = opaque(0); i < DEMO_TC_SLOTS && can_loop; i++) {
		if (!*arena_elem(demo_tc_held, i))
			continue;
		arena_free_addr(*arena_elem(demo_tc_held, i));
		*arena_elem(demo_tc_held, i) = 0;
	}
	demo_tc.held = 0;
	return TC_ACT_OK;
}
