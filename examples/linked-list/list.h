/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef __LIST_H
#define __LIST_H

struct push_args {
	__u64 first;
	__u64 count;
};

struct list_state {
	__u64 length;
	__u64 sum;
};

#endif
