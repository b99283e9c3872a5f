// SPDX-License-Identifier: BSD-2-Clause
/*
 * arenactl: inspect the libarena allocator inside a live BPF arena.
 * See `arenactl --help` and `arenactl COMMAND --help`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libarena/user.h>

#define MAX_INSTANCES	LIBARENA_MAX_INSTANCES
#define MAX_CHUNKS	SPACE_MAX_SLICES
#define FRAG_CELLS	64

struct ctx {
	struct libarena *la;
	int json;
	__u64 only;		/* --instance, 0 = all */
	const char *png;	/* frag --png */
	__u64 instances[MAX_INSTANCES];
	int nr_instances;
};

static const char usage_main[] =
"NAME\n"
"    arenactl - inspect the libarena allocator inside a live BPF arena\n"
"\n"
"SYNOPSIS\n"
"    arenactl [--json] [--instance ADDR] (pinned PATH | id N) COMMAND [OPTIONS]\n"
"    arenactl COMMAND --help\n"
"\n"
"DESCRIPTION\n"
"    Opens the arena map (pinned in bpffs, or by map id), finds the allocator\n"
"    through the libarena_info map its programs publish, maps the arena\n"
"    read-only and reads only the pages the allocator populated.\n"
"\n"
"COMMANDS\n"
"    stats       statistics of each instance, per-CPU caches summed\n"
"    chunks      each instance's chunks: free bytes, blocks, largest free block\n"
"    freelists   free blocks per order, summed over each instance's chunks\n"
"    check       the heap consistency walk; exit status 1 on any finding\n"
"    frag        occupancy of every chunk; --png FILE draws a heatmap\n"
"\n"
"OPTIONS\n"
"    --json           machine-readable output\n"
"    --instance ADDR  only the instance at this arena address (hex)\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 an inconsistent heap (check), 2 usage, 3 cannot read\n"
"\n"
"EXAMPLES\n"
"    bpftool map pin id 42 /sys/fs/bpf/myarena\n"
"    arenactl pinned /sys/fs/bpf/myarena stats\n"
"    arenactl --json id 42 check\n";

static const struct {
	const char *name;
	const char *help;
} command_help[] = {
	{ "stats",
"NAME\n    arenactl stats - allocator statistics\n\n"
"SYNOPSIS\n    arenactl [--json] [--instance ADDR] (pinned PATH | id N) stats\n\n"
"DESCRIPTION\n"
"    For each instance: state, mode (per-CPU caches or uncached), bytes in use and\n"
"    peak, bytes asked for, chunks owned/populated/returned, allocations and\n"
"    frees (slow path plus cache hits), failed allocations, lock acquisitions,\n"
"    timeouts and deadlocks, rejected frees by reason, and the per-CPU cache\n"
"    counters summed over CPUs.  The instance's own counters are copied under\n"
"    their sequence counter, so they are consistent with each other.\n" },
	{ "chunks",
"NAME\n    arenactl chunks - the chunks of each instance\n\n"
"SYNOPSIS\n    arenactl [--json] [--instance ADDR] (pinned PATH | id N) chunks\n\n"
"DESCRIPTION\n"
"    One line per 1 MiB chunk: address, bytes free, allocated blocks, free\n"
"    blocks, and the largest free block.  41,216 bytes of each chunk are its\n"
"    own metadata.\n" },
	{ "freelists",
"NAME\n    arenactl freelists - free blocks per order\n\n"
"SYNOPSIS\n    arenactl [--json] [--instance ADDR] (pinned PATH | id N) freelists\n\n"
"DESCRIPTION\n"
"    For each instance, the number of free blocks of each order (64 B << order),\n"
"    summed over its chunks: where the free memory is, and in what sizes.\n" },
	{ "check",
"NAME\n    arenactl check - the heap consistency walk\n\n"
"SYNOPSIS\n    arenactl [--json] [--instance ADDR] (pinned PATH | id N) check\n\n"
"DESCRIPTION\n"
"    Walks every chunk of every instance from user space: block orders and\n"
"    alignment, allocated bits, freelist links and lengths, coalescing, and\n"
"    the totals against the statistics.  A heap that changes during the walk\n"
"    is walked again.\n\n"
"EXIT STATUS\n    0 consistent, 1 inconsistent (the finding is printed), 3 cannot read\n" },
	{ "frag",
"NAME\n    arenactl frag - occupancy of every chunk\n\n"
"SYNOPSIS\n    arenactl [--json] [--instance ADDR] (pinned PATH | id N) frag [--png FILE]\n\n"
"DESCRIPTION\n"
"    One row per chunk, 64 cells of 16 KiB each: ' ' free, '.' up to a quarter\n"
"    used, ':' up to half, '+' up to three quarters, '#' more (metadata counts\n"
"    as used).  --png FILE draws the same as a heatmap with gnuplot.\n" },
};

static void usage(FILE *f, const char *command)
{
	size_t i;

	for (i = 0; command && i < sizeof(command_help) / sizeof(command_help[0]); i++) {
		if (!strcmp(command, command_help[i].name)) {
			fputs(command_help[i].help, f);
			return;
		}
	}
	fputs(usage_main, f);
}

static const char *const reject_names[BUDDY_NR_REJECTS] = {
	"outside", "misaligned", "foreign", "interior", "not_allocated", "lock",
};

static const char *state_name(__u32 state)
{
	static const char *const names[] = { "uninitialised", "initialising", "ready", "destroyed" };

	return state < 4 ? names[state] : "?";
}

/*
 * stats, chunks, freelists and check print one part per instance; in JSON
 * the parts are {"instances": [...]}.  show() prints instance i's part and
 * returns 0, 1 (check: inconsistent) or 3 (cannot read: stop at once).
 */
static int run_per_instance(struct ctx *c, int (*show)(struct ctx *c, int i))
{
	int i, err, bad = 0;

	if (c->json)
		printf("{\"instances\": [");
	for (i = 0; i < c->nr_instances; i++) {
		err = show(c, i);
		if (err == 3)
			return err;
		bad |= err;
	}
	if (c->json)
		printf("\n]}\n");
	return bad;
}

/* An instance's JSON object up to its first own field. */
static void json_instance(int i, __u64 addr)
{
	printf("%s\n  {\"address\": \"%#llx\", ", i ? "," : "", (unsigned long long)addr);
}

/* The figures of stats, gathered once for the text and the JSON printers. */
struct stats_view {
	const char *state;
	int cached;		/* per-CPU caches on */
	unsigned int version, nr_pcpu, refill_wanted, shrink_wanted;
	unsigned long long live, in_use, peak, requested, chunks, populated, returned;
	unsigned long long allocs, frees, failed, bad_sizes;
	unsigned long long locks, timeouts, deadlocks;
	unsigned long long cached_bytes, cache_meta, hits, refills, depot_hits, flushes;
	unsigned long long deferred, rejected[BUDDY_NR_REJECTS];
	unsigned long long reserve_free, reserve_low, reserve_high, dry;
	unsigned long long refill_requests, reserve_refills, shrinks, kicks;
	unsigned long long notifies, raises;
	unsigned long long slab_bytes, slabs_created, slabs_released;
	const struct class_stats *classes;	/* NR_CLASSES */
};

static void gather_stats(const struct libarena_stats *st, struct stats_view *v)
{
	const struct buddy_stats *b = &st->buddy;
	int r;

	*v = (struct stats_view){
		.state = state_name(st->state), .cached = !(st->flags & BUDDY_NO_PCPU_CACHE),
		.version = b->version, .nr_pcpu = st->totals.nr_pcpu,
		.refill_wanted = st->refill_wanted, .shrink_wanted = st->shrink_wanted,
		.live = st->totals.live_bytes, .in_use = b->bytes_in_use, .peak = b->peak_bytes,
		.requested = st->totals.bytes_requested, .chunks = b->chunks,
		.populated = b->chunks_populated, .returned = b->chunks_returned,
		.allocs = st->totals.allocs, .frees = st->totals.frees,
		.failed = b->failed_allocs, .bad_sizes = b->bad_sizes,
		.locks = b->lock_acquisitions, .timeouts = b->lock_timeouts,
		.deadlocks = b->lock_deadlocks,
		.cached_bytes = st->totals.cached_bytes, .cache_meta = b->cache_meta_bytes,
		.hits = st->totals.alloc_hits, .refills = st->totals.pcpu.refills,
		.depot_hits = st->totals.pcpu.depot_hits, .flushes = st->totals.pcpu.flushes,
		.deferred = b->deferred_frees,
		.reserve_free = buddy_stats_free_bytes(b), .reserve_low = st->reserve_low,
		.reserve_high = st->reserve_high, .dry = b->reserve_dry,
		.refill_requests = b->refill_requests, .reserve_refills = b->refills,
		.shrinks = b->shrinks, .kicks = b->refill_kicks,
		.notifies = b->refill_notifies, .raises = b->reserve_raises,
		.slab_bytes = b->slab_bytes, .slabs_created = b->slabs_created,
		.slabs_released = b->slabs_released, .classes = st->totals.classes,
	};
	for (r = 0; r < BUDDY_NR_REJECTS; r++)
		v->rejected[r] = b->rejected[r];
}

static void print_rejected(const struct stats_view *v, int json)
{
	int r;

	for (r = 0; r < BUDDY_NR_REJECTS; r++)
		printf(json ? "%s\"%s\": %llu" : "%s%s %llu", r ? ", " : "", reject_names[r],
		       v->rejected[r]);
}

/* Each class allocated from: its size, allocations, the bytes they asked
 * for and the bytes they were handed (allocations x class size). */
static void print_classes(const struct stats_view *v, int json)
{
	const char *sep = "";
	__u32 cls;

	if (!json)
		printf("  classes     size: allocs, asked -> handed out (internal waste)\n");
	for (cls = 0; cls < NR_CLASSES; cls++) {
		unsigned long long n = v->classes[cls].allocs, asked = v->classes[cls].requested;
		unsigned long long size = class_size(cls), handed = n * size;

		if (!n)
			continue;
		if (json)
			printf("%s{\"size\": %llu, \"allocs\": %llu, \"requested\": %llu, "
			       "\"handed_out\": %llu}", sep, size, n, asked, handed);
		else
			printf("  %10llu B: %llu, %llu -> %llu B (%.1f%%)\n", size, n, asked, handed,
			       100.0 * (handed - asked) / handed);
		sep = ", ";
	}
}

static void print_stats_text(__u64 addr, const struct stats_view *v)
{
	printf("instance %#llx: %s, %s\n", (unsigned long long)addr, v->state,
	       v->cached ? "per-CPU caches" : "uncached (no per-CPU caches)");
	printf("  memory      %llu bytes live (held by callers), %llu in use (peak %llu), "
	       "%llu asked for ever, %llu chunks (%llu populated, %llu returned)\n",
	       v->live, v->in_use, v->peak, v->requested, v->chunks, v->populated, v->returned);
	printf("  operations  %llu allocs, %llu frees, %llu failed allocs (%llu bad sizes)\n",
	       v->allocs, v->frees, v->failed, v->bad_sizes);
	printf("  slabs       %llu bytes in %llu slabs (%llu created, %llu released)\n",
	       v->slab_bytes, v->slabs_created - v->slabs_released, v->slabs_created,
	       v->slabs_released);
	printf("  lock        %llu acquisitions, %llu timeouts, %llu deadlocks\n",
	       v->locks, v->timeouts, v->deadlocks);
	printf("  caches      %u CPUs, %llu bytes cached, %llu hits, %llu refills "
	       "(%llu from the depot), %llu flushes, %llu deferred frees\n",
	       v->nr_pcpu, v->cached_bytes, v->hits, v->refills, v->depot_hits, v->flushes,
	       v->deferred);
	printf("  reserve     %llu bytes free (low %llu, high %llu; raised %llu times), "
	       "%llu allocations found it dry, %llu refill requests, %llu refills, %llu shrinks, "
	       "%llu wake-ups of the refill thread, %llu bpf_wq kicks%s%s\n",
	       v->reserve_free, v->reserve_low, v->reserve_high, v->raises, v->dry,
	       v->refill_requests, v->reserve_refills, v->shrinks, v->notifies, v->kicks,
	       v->refill_wanted ? "; refill wanted (served by libarena__start_refill's thread)" : "",
	       v->shrink_wanted ? "; shrink wanted" : "");
	printf("  rejected    ");
	print_rejected(v, 0);
	printf("\n");
	print_classes(v, 0);
}

static void print_stats_json(int i, __u64 addr, const struct stats_view *v)
{
	json_instance(i, addr);
	printf("\"state\": \"%s\", \"cache\": %s, \"stats_version\": %u, ", v->state,
	       v->cached ? "true" : "false", v->version);
	printf("\"live_bytes\": %llu, \"bytes_in_use\": %llu, \"peak_bytes\": %llu, "
	       "\"bytes_requested\": %llu, "
	       "\"chunks\": %llu, \"chunks_populated\": %llu, \"chunks_returned\": %llu, "
	       "\"allocs\": %llu, \"frees\": %llu, \"failed_allocs\": %llu, \"bad_sizes\": %llu, ",
	       v->live, v->in_use, v->peak, v->requested, v->chunks, v->populated, v->returned,
	       v->allocs, v->frees, v->failed, v->bad_sizes);
	printf("\"slab_bytes\": %llu, \"slabs_created\": %llu, \"slabs_released\": %llu, ",
	       v->slab_bytes, v->slabs_created, v->slabs_released);
	printf("\"lock_acquisitions\": %llu, \"lock_timeouts\": %llu, \"lock_deadlocks\": %llu, "
	       "\"cached_bytes\": %llu, \"cache_meta_bytes\": %llu, \"cpus_with_cache\": %u, "
	       "\"cache_hits\": %llu, \"cache_refills\": %llu, \"depot_hits\": %llu, "
	       "\"cache_flushes\": %llu, \"deferred_frees\": %llu, \"rejected\": {",
	       v->locks, v->timeouts, v->deadlocks, v->cached_bytes, v->cache_meta, v->nr_pcpu,
	       v->hits, v->refills, v->depot_hits, v->flushes, v->deferred);
	print_rejected(v, 1);
	printf("}, \"reserve\": {\"free_bytes\": %llu, \"low\": %llu, \"high\": %llu, "
	       "\"dry\": %llu, \"refill_requests\": %llu, \"refills\": %llu, "
	       "\"shrinks\": %llu, \"wq_kicks\": %llu, \"notifies\": %llu, \"raises\": %llu, "
	       "\"refill_wanted\": %u, \"shrink_wanted\": %u}, \"classes\": [",
	       v->reserve_free, v->reserve_low, v->reserve_high, v->dry, v->refill_requests,
	       v->reserve_refills, v->shrinks, v->kicks, v->notifies, v->raises,
	       v->refill_wanted, v->shrink_wanted);
	print_classes(v, 1);
	printf("]}");
}

static int cmd_stats(struct ctx *c, int i)
{
	struct libarena_stats st;
	struct stats_view v;

	if (libarena__stats(c->la, c->instances[i], &st))
		return 3;
	gather_stats(&st, &v);
	if (c->json)
		print_stats_json(i, c->instances[i], &v);
	else
		print_stats_text(c->instances[i], &v);
	return 0;
}

/* Instance i's chunks, at most MAX_CHUNKS, in a buffer the next call
 * reuses: how many, or -1. */
static int read_chunks(struct ctx *c, int i, const struct libarena_chunk **chunks)
{
	static struct libarena_chunk buf[MAX_CHUNKS];
	int n = libarena__chunks(c->la, c->instances[i], buf, MAX_CHUNKS);

	*chunks = buf;
	return n < 0 ? -1 : n > MAX_CHUNKS ? MAX_CHUNKS : n;
}

/* The first line of chunks and freelists in text. */
static void print_chunks_header(__u64 addr, int n)
{
	printf("instance %#llx: %d chunk%s\n", (unsigned long long)addr, n, n == 1 ? "" : "s");
}

static __u64 largest_free(const struct libarena_chunk *ch)
{
	int order;

	for (order = BUDDY_MAX_ORDER; order >= 0; order--)
		if (ch->free_blocks[order])
			return (BUDDY_MIN_SIZE << order);
	return 0;
}

/* Percent of a chunk's slab bytes that hold live objects. */
static double slab_fill(const struct libarena_chunk *ch)
{
	return ch->slab_bytes ? 100.0 * ch->slab_object_bytes / ch->slab_bytes : 0;
}

static void print_chunks_text(__u64 addr, const struct libarena_chunk *chunks, int n)
{
	int j;

	print_chunks_header(addr, n);
	printf("  %-18s %10s %10s %12s %6s %8s %5s\n", "chunk", "free", "allocated",
	       "largest free", "slabs", "objects", "fill");
	for (j = 0; j < n; j++)
		printf("  %#-18llx %10llu %10u %12llu %6u %8u %4.0f%%\n",
		       (unsigned long long)chunks[j].addr,
		       (unsigned long long)chunks[j].free_bytes, chunks[j].nr_allocated,
		       (unsigned long long)largest_free(&chunks[j]), chunks[j].nr_slabs,
		       chunks[j].slab_objects, slab_fill(&chunks[j]));
}

static void print_chunks_json(int i, __u64 addr, const struct libarena_chunk *chunks, int n)
{
	int j;

	json_instance(i, addr);
	printf("\"chunks\": [");
	for (j = 0; j < n; j++)
		printf("%s{\"address\": \"%#llx\", \"free_bytes\": %llu, "
		       "\"allocated_blocks\": %u, \"largest_free\": %llu, \"slabs\": %u, "
		       "\"slab_objects\": %u, \"slab_bytes\": %llu, \"slab_object_bytes\": %llu}",
		       j ? ", " : "", (unsigned long long)chunks[j].addr,
		       (unsigned long long)chunks[j].free_bytes, chunks[j].nr_allocated,
		       (unsigned long long)largest_free(&chunks[j]), chunks[j].nr_slabs,
		       chunks[j].slab_objects, (unsigned long long)chunks[j].slab_bytes,
		       (unsigned long long)chunks[j].slab_object_bytes);
	printf("]}");
}

static int cmd_chunks(struct ctx *c, int i)
{
	const struct libarena_chunk *chunks;
	int n = read_chunks(c, i, &chunks);

	if (n < 0)
		return 3;
	if (c->json)
		print_chunks_json(i, c->instances[i], chunks, n);
	else
		print_chunks_text(c->instances[i], chunks, n);
	return 0;
}

static void print_freelists_text(__u64 addr, int n, const __u64 *sum)
{
	int order;

	print_chunks_header(addr, n);
	printf("  order      size  free blocks\n");
	for (order = 0; order < BUDDY_NR_ORDERS; order++)
		printf("  %5d %9llu  %11llu\n", order, (unsigned long long)(BUDDY_MIN_SIZE << order),
		       (unsigned long long)sum[order]);
}

static void print_freelists_json(int i, __u64 addr, const __u64 *sum)
{
	int order;

	json_instance(i, addr);
	printf("\"free_blocks\": [");
	for (order = 0; order < BUDDY_NR_ORDERS; order++)
		printf("%s%llu", order ? ", " : "", (unsigned long long)sum[order]);
	printf("]}");
}

/* The free blocks of each order, summed over the instance's chunks. */
static int cmd_freelists(struct ctx *c, int i)
{
	const struct libarena_chunk *chunks;
	__u64 sum[BUDDY_NR_ORDERS] = {};
	int j, order, n = read_chunks(c, i, &chunks);

	if (n < 0)
		return 3;
	for (j = 0; j < n; j++)
		for (order = 0; order < BUDDY_NR_ORDERS; order++)
			sum[order] += chunks[j].free_blocks[order];
	if (c->json)
		print_freelists_json(i, c->instances[i], sum);
	else
		print_freelists_text(c->instances[i], n, sum);
	return 0;
}

static void print_check_text(__u64 addr, int err, const struct buddy_check_report *rep)
{
	if (!err) {
		printf("instance %#llx: consistent\n", (unsigned long long)addr);
		return;
	}
	printf("instance %#llx: INCONSISTENT: %s at chunk %#llx item %u "
	       "(expected %llu, found %llu)\n",
	       (unsigned long long)addr, libarena__check_err_str(rep->err),
	       (unsigned long long)rep->chunk, rep->item,
	       (unsigned long long)rep->expected, (unsigned long long)rep->found);
}

static void print_check_json(int i, __u64 addr, int err, const struct buddy_check_report *rep)
{
	json_instance(i, addr);
	printf("\"consistent\": %s", err ? "false" : "true");
	if (err)
		printf(", \"finding\": \"%s\", \"chunk\": \"%#llx\", \"item\": %u, "
		       "\"expected\": %llu, \"found\": %llu",
		       libarena__check_err_str(rep->err), (unsigned long long)rep->chunk,
		       rep->item, (unsigned long long)rep->expected,
		       (unsigned long long)rep->found);
	printf("}");
}

static int cmd_check(struct ctx *c, int i)
{
	struct buddy_check_report rep;
	int err = libarena__check(c->la, c->instances[i], &rep);

	if (err && err != -EUCLEAN)
		return 3;
	if (c->json)
		print_check_json(i, c->instances[i], err, &rep);
	else
		print_check_text(c->instances[i], err, &rep);
	return err ? 1 : 0;
}

static char frag_char(__u8 used)
{
	return used == 0 ? ' ' : used <= 64 ? '.' : used <= 128 ? ':' : used <= 192 ? '+' : '#';
}

/* The heatmap: a gnuplot matrix of rows (chunks) x FRAG_CELLS. */
static int frag_png(const char *png, __u8 (*rows)[FRAG_CELLS], int n)
{
	char data[] = "/tmp/arenactl-frag-XXXXXX", cmd[1024];
	FILE *f;
	int fd, r, k, err;

	fd = mkstemp(data);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "arenactl: frag --png: temporary file: %s\n", strerror(errno));
		return 3;
	}
	for (r = 0; r < n; r++) {
		for (k = 0; k < FRAG_CELLS; k++)
			fprintf(f, "%s%.3f", k ? " " : "", rows[r][k] / 255.0);
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "gnuplot -e \"set terminal pngcairo size 900,%d noenhanced; set output '%s'; "
		 "set title 'chunk occupancy (one row per 1 MiB chunk, 16 KiB per cell)'; "
		 "set xlabel 'offset in chunk (KiB)'; set ylabel 'chunk'; "
		 "set cbrange [0:1]; set cblabel 'used'; set palette defined (0 'white', 1 '#3060c0'); "
		 "set xrange [-0.5:%d.5]; set yrange [%d.5:-0.5]; "
		 "plot '%s' matrix using (\\$1*16):2:3 with image notitle\" 2>&1",
		 n * 18 + 160, png, FRAG_CELLS * 16 - 1, n - 1, data);
	err = system(cmd);
	remove(data);
	if (err) {
		fprintf(stderr, "arenactl: frag --png: gnuplot failed (is gnuplot installed?)\n");
		return 3;
	}
	fprintf(stderr, "arenactl: wrote %s\n", png);
	return 0;
}

/* Every chunk's occupancy map, in instance order. */
struct frag_view {
	__u64 instance[MAX_CHUNKS];
	__u64 addr[MAX_CHUNKS];
	__u8 rows[MAX_CHUNKS][FRAG_CELLS];
	int n;
};

static int gather_frag(struct ctx *c, struct frag_view *v)
{
	static struct libarena_chunk chunks[MAX_CHUNKS];
	int i, j, n;

	v->n = 0;
	for (i = 0; i < c->nr_instances; i++) {
		n = libarena__chunks(c->la, c->instances[i], chunks, MAX_CHUNKS);
		if (n < 0)
			return n;
		for (j = 0; j < n && v->n < MAX_CHUNKS; j++, v->n++) {
			v->instance[v->n] = c->instances[i];
			v->addr[v->n] = chunks[j].addr;
			if (libarena__chunk_map(c->la, chunks[j].addr, v->rows[v->n], FRAG_CELLS))
				return -EAGAIN;
		}
	}
	return 0;
}

static void print_frag_text(const struct frag_view *v)
{
	int r, k;

	for (r = 0; r < v->n; r++) {
		if (!r || v->instance[r] != v->instance[r - 1])
			printf("instance %#llx (' ' free, '.' <= 1/4 used, ':' <= 1/2, '+' <= 3/4, '#' more)\n",
			       (unsigned long long)v->instance[r]);
		printf("  %#-16llx |", (unsigned long long)v->addr[r]);
		for (k = 0; k < FRAG_CELLS; k++)
			putchar(frag_char(v->rows[r][k]));
		printf("|\n");
	}
}

static void print_frag_json(const struct frag_view *v)
{
	int r, k;

	printf("{\"cells_per_chunk\": %d, \"chunks\": [", FRAG_CELLS);
	for (r = 0; r < v->n; r++) {
		printf("%s\n  {\"instance\": \"%#llx\", \"address\": \"%#llx\", \"used\": [",
		       r ? "," : "", (unsigned long long)v->instance[r],
		       (unsigned long long)v->addr[r]);
		for (k = 0; k < FRAG_CELLS; k++)
			printf("%s%.3f", k ? ", " : "", v->rows[r][k] / 255.0);
		printf("]}");
	}
	printf("\n]}\n");
}

static int cmd_frag(struct ctx *c)
{
	static struct frag_view v;

	if (gather_frag(c, &v))
		return 3;
	if (c->json)
		print_frag_json(&v);
	else
		print_frag_text(&v);
	return c->png && v.n ? frag_png(c->png, v.rows, v.n) : 0;
}

/* Options and the arena's name; 0, or the exit status of a usage error
 * (-1 after --help). */
static int parse_args(int argc, char **argv, struct ctx *c, const char **command,
		      const char **pinned, long *id)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, *command);
			return -1;
		} else if (!strcmp(argv[i], "--json"))
			c->json = 1;
		else if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			c->only = strtoull(argv[++i], NULL, 16);
		else if (!strcmp(argv[i], "--png") && i + 1 < argc)
			c->png = argv[++i];
		else if (!strcmp(argv[i], "pinned") && i + 1 < argc)
			*pinned = argv[++i];
		else if (!strcmp(argv[i], "id") && i + 1 < argc)
			*id = strtol(argv[++i], NULL, 0);
		else if (!*command)
			*command = argv[i];
		else {
			fprintf(stderr, "arenactl: unexpected argument '%s' (see arenactl --help)\n",
				argv[i]);
			return 2;
		}
	}
	if (!*command || (!*pinned && *id < 0)) {
		fprintf(stderr, "arenactl: name the arena (pinned PATH or id N) and a command "
			"(stats, chunks, freelists, check, frag); see arenactl --help\n");
		return 2;
	}
	return 0;
}

/* The instances to show: all, or the one --instance names. */
static int select_instances(struct ctx *c)
{
	int i;

	c->nr_instances = libarena__instances(c->la, c->instances, MAX_INSTANCES);
	if (!c->only)
		return 0;
	for (i = 0; i < c->nr_instances && c->instances[i] != c->only; i++)
		;
	if (i == c->nr_instances) {
		fprintf(stderr, "arenactl: no instance at %#llx in this arena\n",
			(unsigned long long)c->only);
		return 2;
	}
	c->instances[0] = c->only;
	c->nr_instances = 1;
	return 0;
}

static const struct {
	const char *name;
	int (*per_instance)(struct ctx *c, int i);	/* or: */
	int (*whole)(struct ctx *c);
} commands[] = {
	{ "stats", cmd_stats },
	{ "chunks", cmd_chunks },
	{ "freelists", cmd_freelists },
	{ "check", cmd_check },
	{ "frag", NULL, cmd_frag },
};

static int run_command(struct ctx *c, const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(command, commands[i].name))
			continue;
		if (commands[i].whole)
			return commands[i].whole(c);
		return run_per_instance(c, commands[i].per_instance);
	}
	fprintf(stderr, "arenactl: unknown command '%s' (stats, chunks, freelists, check, frag)\n",
		command);
	return 2;
}

int main(int argc, char **argv)
{
	const char *command = NULL, *pinned = NULL;
	struct ctx c = {};
	long id = -1;
	int err;

	err = parse_args(argc, argv, &c, &command, &pinned, &id);
	if (err)
		return err < 0 ? 0 : err;
	err = pinned ? libarena__open_pinned(pinned, &c.la) : libarena__open_id(id, &c.la);
	if (err)
		return 3;
	err = select_instances(&c) ?: run_command(&c, command);
	libarena__close(c.la);
	return err;
}
