// SPDX-License-Identifier: BSD-2-Clause
/*
 * Debug mode (built only into libarena_debug.bpf.o, with LIBARENA_DEBUG):
 * redzones and canaries around every allocation, poisoned and quarantined
 * frees, a shadow map, and reports.  See <libarena/debug.h> for the layout.
 *
 * The checks are byte-exact where they report: the first corrupted byte,
 * its offset from the start the program was given, and what was found.
 */
#include "instance.h"
#include <libarena/debug.h>

struct libarena_report __arena libarena_last_report;
volatile __u64 __arena asan_violated;	/* <libarena/asan.h> */
__u64 __arena libarena_nr_reports;

struct dbg_quarantine __arena dbg_quarantine;

#ifdef __BPF__
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} libarena_reports SEC(".maps") __weak;

/* Copy the latest report to the ring buffer (reserved in place: the call
 * chains under a free leave little stack). */
static __always_inline void report_out(struct libarena_report __arena *last)
{
	struct libarena_report *r = bpf_ringbuf_reserve(&libarena_reports, sizeof(*r), 0);

	if (!r)
		return;
	r->kind = last->kind;
	r->cpu = last->cpu;
	r->addr = last->addr;
	r->block = last->block;
	r->size = last->size;
	r->offset = last->offset;
	r->found = last->found;
	r->seq = last->seq;
	bpf_ringbuf_submit(r, 0);
}
#else
static __always_inline void report_out(struct libarena_report __arena *last)
{
}
#endif

/* Out of line: clang 19 may reuse an arena global's address without its
 * address-space cast across the many inlined call sites. */
/* block: the allocation addr belongs to, when known (size != 0). */
static __attribute__((noinline)) void dbg_report(__u32 kind, __u64 addr, __u64 size,
					     __s64 offset, __u64 found)
{
	struct libarena_report __arena *last = &libarena_last_report;

	last->kind = kind;
	last->cpu = libarena_cpu();
	last->addr = addr;
	last->block = size ? addr : 0;
	last->size = size;
	last->offset = offset;
	last->found = found;
	last->seq = __sync_add_and_fetch(&libarena_nr_reports, 1);
	asan_violated = addr ?: 1;
	report_out(last);
}

typedef struct dbg_header __arena dbg_header_t;

static __always_inline __u8 __arena *shadow_of(__u64 addr)
{
	struct arena_space __arena *s = &libarena_space;

	if (!s->shadow_base || addr < s->base ||
	    addr >= s->base + ((__u64)s->nr_slices << CHUNK_SHIFT) ||
	    !space_is_populated(chunk_of(addr)))
		return NULL;
	return arena_ptr(s->shadow_base + ((addr - s->base) >> 3));
}

/* Shadow of [addr, addr + len), addr and len multiples of 8. */
static __always_inline void shadow_fill(__u64 addr, __u64 len, __u8 val)
{
	__u8 __arena *sh = shadow_of(addr);
	__u64 i;

	if (!sh)
		return;
	for (i = opaque(0); i < len / 8 && can_loop; i++)
		*arena_elem(sh, i) = val;
}

/* size bytes at addr (8-aligned) addressable, ASan-style. */
static __always_inline void shadow_unpoison(__u64 addr, __u64 size)
{
	__u8 __arena *sh;

	shadow_fill(addr, size & ~7ull, 0);
	sh = shadow_of(addr + (size & ~7ull));
	if (sh && (size & 7))
		*sh = size & 7;
}

/* Fill [from, to) with a byte; whole words where aligned. */
static __always_inline void fill_bytes(__u64 from, __u64 to, __u8 byte)
{
	__u64 word = 0x0101010101010101ull * byte, a;

	for (a = from; a < to && (a & 7) && can_loop; a++)
		*(__u8 __arena *)arena_ptr(a) = byte;
	for (; a + 8 <= to && can_loop; a += 8)
		*(__u64 __arena *)arena_ptr(a) = word;
	for (; a < to && can_loop; a++)
		*(__u8 __arena *)arena_ptr(a) = byte;
}

/* First address in [from, to) not holding byte, or to. */
static __always_inline __u64 find_not(__u64 from, __u64 to, __u8 byte)
{
	__u64 word = 0x0101010101010101ull * byte, a;

	for (a = from; a < to && (a & 7) && can_loop; a++)
		if (*(__u8 __arena *)arena_ptr(a) != byte)
			return a;
	for (; a + 8 <= to && can_loop; a += 8)
		if (*(__u64 __arena *)arena_ptr(a) != word)
			break;
	for (; a < to && can_loop; a++)
		if (*(__u8 __arena *)arena_ptr(a) != byte)
			return a;
	return to;
}

/* Canary and redzone of the block at raw intact?  Reports the first bad byte. */
static __always_inline int dbg_verify(__u64 raw)
{
	dbg_header_t *h = arena_ptr(raw);
	__u64 user = raw + DBG_HEADER, end = user + h->size, bad, canary;
	int i;

	canary = h->canary ^ (DBG_CANARY ^ raw);
	if (canary) {
		/* The highest differing byte is the one nearest the data. */
		for (i = 7; i > 0 && !(canary >> (i * 8) & 0xff); i--)
			;
		dbg_report(REPORT_UNDERFLOW, user, h->size, i - 8,
		       *(__u8 __arena *)arena_ptr(raw + 8 + i));
		return -EUCLEAN;
	}
	bad = find_not(end, raw + block_size(raw), DBG_REDZONE_BYTE);
	if (bad < raw + block_size(raw)) {
		dbg_report(REPORT_OVERFLOW, user, h->size, bad - user,
		       *(__u8 __arena *)arena_ptr(bad));
		return -EUCLEAN;
	}
	return 0;
}

/* A block with header and redzones around size bytes, from raw; 0 for
 * a failed allocation. */
__noinline __u64 __dbg_wrap(__u64 raw, __u64 size)
{
	__u64 user, end;
	dbg_header_t *h;

	if (!raw)
		return 0;
	h = arena_ptr(raw);
	h->magic = DBG_MAGIC;
	h->size = size;
	h->canary = DBG_CANARY ^ raw;
	user = raw + DBG_HEADER;
	end = raw + block_size(raw);
	fill_bytes(user + size, end, DBG_REDZONE_BYTE);
	shadow_fill(raw, DBG_HEADER, SHADOW_REDZONE);
	shadow_unpoison(user, size);
	shadow_fill((user + size + 7) & ~7ull, end - ((user + size + 7) & ~7ull), SHADOW_REDZONE);
	return user;
}

/* A quarantined block leaves: its poison verified; the caller frees it. */
static __always_inline __u64 dbg_evict(__u64 raw)
{
	dbg_header_t *h = arena_ptr(raw);
	__u64 user = raw + DBG_HEADER, bad;

	bad = find_not(user, user + h->size, DBG_POISON_BYTE);
	if (bad < user + h->size)
		dbg_report(REPORT_USE_AFTER_FREE, user, h->size, bad - user,
		       *(__u8 __arena *)arena_ptr(bad));
	h->magic = 0;
	return raw;
}

static __always_inline bool dbg_block(__u64 addr)
{
	return !(addr & (GRANULE_SIZE - 1)) && space_is_populated(chunk_of(addr - DBG_HEADER)) &&
	       chunk_of(addr - DBG_HEADER) == chunk_of(addr);
}

/* A live debug block at addr (its header says so)? */
static __always_inline bool dbg_live(__u64 addr)
{
	dbg_header_t *h = arena_ptr(addr - DBG_HEADER);

	return addr && dbg_block(addr) && h->magic == DBG_MAGIC;
}

/*
 * A free, before the allocator sees it: a debug block is checked,
 * poisoned and quarantined, and the block its slot held comes back to be
 * freed (or 0); anything else comes back as it is (a plain block from
 * aligned_alloc, or a bug the allocator rejects); -EALREADY for a block
 * in quarantine.
 */
__noinline __s64 __dbg_retire(__u64 addr)
{
	__u64 raw = addr - DBG_HEADER, old;
	dbg_header_t *h = arena_ptr(raw);

	if (!dbg_block(addr))
		return addr;
	if (h->magic == DBG_FREED) {
		dbg_report(REPORT_DOUBLE_FREE, addr, h->size, 0, 0);
		return -EALREADY;
	}
	if (h->magic != DBG_MAGIC)
		return addr;
	dbg_verify(raw);
	h->magic = DBG_FREED;
	fill_bytes(addr, addr + h->size, DBG_POISON_BYTE);
	shadow_fill(addr, (h->size + 7) & ~7ull, SHADOW_FREED);
	old = __sync_lock_test_and_set(arena_elem(dbg_quarantine.slots,
		__sync_fetch_and_add(&dbg_quarantine.head, 1) % DBG_QUARANTINE), raw);
	return old ? dbg_evict(old) : 0;
}

/* The allocator refused a block __dbg_retire() passed through. */
__noinline int __dbg_free_refused(__u64 addr, int err)
{
	dbg_report(err == -EALREADY ? REPORT_DOUBLE_FREE : REPORT_INVALID_FREE, addr, 0, 0, 0);
	return err;
}

/* Quarantine slot i emptied: its block, verified, for the caller to free,
 * or 0. */
__noinline __u64 __dbg_unquarantine(__u32 i)
{
	__u64 raw;

	if (i >= DBG_QUARANTINE)
		return 0;
	raw = __sync_lock_test_and_set(arena_elem(dbg_quarantine.slots, i), 0);
	return raw ? dbg_evict(raw) : 0;
}

/* The size a live debug block at addr was asked for, or 0. */
__noinline __u64 __dbg_user_size(__u64 addr)
{
	dbg_header_t *h = arena_ptr(addr - DBG_HEADER);

	return dbg_live(addr) ? h->size : 0;
}

int arena_check_addr(__u64 addr)
{
	if (!dbg_live(addr)) {
		dbg_report(REPORT_INVALID_FREE, addr, 0, 0, 0);
		return -EINVAL;
	}
	return dbg_verify(addr - DBG_HEADER);
}

/* Is [addr, addr + size) addressable by the shadow?  Reports if not. */
static __always_inline int shadow_check(__u64 addr, __u64 size)
{
	__u8 __arena *sh = shadow_of(addr);
	__u64 i, a = addr, end = addr + size;
	__u8 v = 0;

	if (!sh || !size || chunk_of(addr) != chunk_of(end - 1))
		return 0;	/* not heap (or spanning chunks): nothing to say */
	for (i = opaque(0); a < end && i < size && can_loop; i++, a++) {
		v = *arena_elem(sh, (a >> 3) - (addr >> 3));
		if (v && (v >= 8 || (a & 7) >= v))
			break;
	}
	if (a >= end)
		return 0;
	dbg_report(v == SHADOW_FREED ? REPORT_USE_AFTER_FREE : REPORT_BAD_ACCESS, a, 0, 0, v);
	return -EFAULT;
}

/* The ASan runtime names of <libarena/asan.h>; shadow granules only. */
__noinline int libarena_asan_poison(__u64 addr, __u64 val, __u64 size)
{
	if (!shadow_of(addr) || (addr & 7))
		return -EINVAL;
	shadow_fill(addr, (size + 7) & ~7ull, val);
	return 0;
}

__noinline int libarena_asan_unpoison(__u64 addr, __u64 size)
{
	if (!shadow_of(addr) || (addr & 7))
		return -EINVAL;
	shadow_unpoison(addr, size);
	return 0;
}

__noinline __s64 libarena_asan_shadow_value(__u64 addr)
{
	__u8 __arena *sh = shadow_of(addr);

	return sh ? *sh : -EFAULT;
}

/*
 * An instance is going away: forget its quarantined blocks.  Their chunks
 * go back to the kernel, and after an init the same addresses may hold
 * live blocks again, which releasing them later would corrupt.
 */
__noinline int dbg_forget(buddy_t *b __arg_arena)
{
	__u64 raw;
	__u32 i;
	int n = 0;

	for (i = opaque(0); i < DBG_QUARANTINE && can_loop; i++) {
		raw = READ_ONCE(*arena_elem(dbg_quarantine.slots, i));
		if (raw && chunk_hdr(chunk_of(raw))->owner == arena_addr(b) &&
		    cmpxchg(arena_elem(dbg_quarantine.slots, i), raw, 0) == raw)
			n++;
	}
	return n;
}

int __asan_loadN(__u64 addr, __u64 size)
{
	return shadow_check(addr, size);
}

int __asan_storeN(__u64 addr, __u64 size)
{
	return shadow_check(addr, size);
}

#define DEFINE_ASAN_CHECK(kind, n)			\
	int __asan_##kind##n(__u64 addr)		\
	{						\
		return shadow_check(addr, n);		\
	}

DEFINE_ASAN_CHECK(load, 1)
DEFINE_ASAN_CHECK(load, 2)
DEFINE_ASAN_CHECK(load, 4)
DEFINE_ASAN_CHECK(load, 8)
DEFINE_ASAN_CHECK(load, 16)
DEFINE_ASAN_CHECK(store, 1)
DEFINE_ASAN_CHECK(store, 2)
DEFINE_ASAN_CHECK(store, 4)
DEFINE_ASAN_CHECK(store, 8)
DEFINE_ASAN_CHECK(store, 16)
