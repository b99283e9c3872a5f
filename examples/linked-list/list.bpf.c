// SPDX-License-Identifier: BSD-2-Clause
/* A linked list kept in a BPF arena with arena_malloc()/arena_free(). */
#include <libarena/libarena.h>
#include "list.h"

struct list_node {
	struct list_node __arena *next;
	__u64 value;
};

struct list_state __arena list;
struct list_node __arena *head;

SEC("syscall")
int list_push(struct push_args *args)
{
	struct list_node __arena *n;
	__u64 i;

	/* opaque(): a counter starting at a known 0 makes the verifier walk
	 * every iteration of a can_loop loop; see README, "Loops". */
	for (i = opaque(0); i < args->count && i < 100000 && can_loop; i++) {
		n = arena_malloc(sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->value = args->first + i;
		n->next = head;
		head = n;
		list.length++;
	}
	return 0;
}

SEC("syscall")
int list_sum(void *ctx)
{
	struct list_node __arena *n = head;
	__u64 sum = 0, seen = 0;

	while (n && can_loop) {
		sum += n->value;
		seen++;
		n = n->next;
	}
	list.sum = sum;
	return seen == list.length ? 0 : -1;
}

SEC("syscall")
int list_free_all(void *ctx)
{
	struct list_node __arena *n = head, *next;

	while (n && can_loop) {
		next = n->next;
		arena_free(n);
		list.length--;
		n = next;
	}
	head = n;
	return list.length ? -1 : arena_trim() < 0;
}

char LICENSE[] SEC("license") = "GPL";
