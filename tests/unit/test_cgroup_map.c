// SPDX-License-Identifier: MIT
/*
 * cgroup_map on a real per-CPU BPF hash the test fills by hand (no BPF
 * program): entries of evicted cgroups are deleted from the kernel, counts
 * under "other" and "gone" are carried so those series never go down, and
 * own series go. Needs CAP_BPF (root); skipped otherwise, saying why.
 * Ids from 2^62 up name no cgroup; the root cgroup always exists.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup_map.h"

#define S	1000000000ULL
#define GONE(i) ((1ULL << 62) + (uint64_t)(i)*4096)

struct key {
	__u64 cgroup_id;
	__u32 slot, pad;
};

/* What the collector would put in its model: sums per (cgroup label, slot). */
struct out {
	struct {
		char cgroup[64];
		__u32 slot;
		__u64 sum;
	} s[32];
	int n;
};

static __u64 count(const void *vals, int n)
{
	const __u64 *v = vals;
	__u64 sum = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

static void fold(void *acc, const void *vals, int n)
{
	*(__u64 *)acc += count(vals, n);
}

static int emit(void *ctx, const void *key, const void *vals, int n, const struct cgroup_labels *l)
{
	const struct key *k = key;
	struct out *o = ctx;
	int i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->s[i].cgroup, l->values[0]) && o->s[i].slot == k->slot)
			break;
	if (i == o->n) {
		assert_true(o->n < 32);
		snprintf(o->s[i].cgroup, sizeof(o->s[i].cgroup), "%s", l->values[0]);
		o->s[i].slot = k->slot;
		o->s[i].sum = 0;
		o->n++;
	}
	o->s[i].sum += count(vals, n);
	return 0;
}

static const struct cgroup_map_ops ops = {.count = count, .fold = fold, .emit = emit};

static int fd = -1, ncpus;
static struct cgroup_series *cs;
static struct cgroup_map *cm;
static char mount[CGROUP_PATH_MAX];

static void put(__u64 id, __u32 slot, __u64 v)
{
	struct key k = {.cgroup_id = id, .slot = slot};
	__u64 *vals = calloc(ncpus, sizeof(*vals));

	assert_non_null(vals);
	vals[ncpus - 1] = v; /* on the last CPU: the per-CPU layout is walked */
	assert_int_equal(bpf_map_update_elem(fd, &k, vals, BPF_ANY), 0);
	free(vals);
}

static bool present(__u64 id, __u32 slot)
{
	struct key k = {.cgroup_id = id, .slot = slot};
	__u64 *vals = calloc(ncpus, sizeof(*vals));
	bool ok;

	assert_non_null(vals);
	ok = !bpf_map_lookup_elem(fd, &k, vals);
	free(vals);
	return ok;
}

/* One read at t seconds; -1 for a series not emitted. */
static __u64 dropped;
static struct out out;

static void read_at(double t)
{
	memset(&out, 0, sizeof(out));
	dropped = 0;
	cgroup_series_read_begin(cs, (uint64_t)(t * S));
	assert_int_equal(cgroup_map_read(cm, cs, &out, &dropped), 0);
	cgroup_series_read_end(cs, true);
}

static long long got(const char *cgroup, __u32 slot)
{
	for (int i = 0; i < out.n; i++)
		if (!strcmp(out.s[i].cgroup, cgroup) && out.s[i].slot == slot)
			return (long long)out.s[i].sum;
	return -1;
}

static int setup(void **state)
{
	int err = 0;

	(void)state;
	if (cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount)))
		return 0;
	ncpus = libbpf_num_possible_cpus();
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "cgmap_test", sizeof(struct key),
			    sizeof(__u64), 64, NULL);
	if (fd < 0)
		return 0;
	cs = cgroup_series_new(2, &err);
	cm = cgroup_map_new(fd, &ops, &err);
	assert_non_null(cs);
	assert_non_null(cm);
	cgroup_series_set_grace(cs, 2 * S);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cgroup_map_free(cm);
	cgroup_series_free(cs);
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * Cap 2. Root (exists) and G1 (gone: "gone") are admitted; G2 and G3 go to
 * "other". Past the grace, G1 and G2 are evicted: their kernel entries are
 * deleted, "gone" and "other" keep their counts (carried), and later counts
 * add on top; root stays. A new id takes G1's freed slot.
 */
static void test_evict_delete_and_carry(void **state)
{
	__u64 root;

	(void)state;
	if (fd < 0 || !mount[0]) {
		print_message("skipped: cannot create a BPF map (needs CAP_BPF) or no cgroup v2\n");
		skip();
	}
	root = cgroup_id_of(mount, "/");
	/* One at a time: first sight within a read follows the hash's order. */
	put(root, 1, 10);
	read_at(0);
	put(GONE(1), 1, 4);
	read_at(0);
	put(GONE(2), 1, 5);
	put(GONE(2), 2, 3);
	put(GONE(3), 1, 1);
	read_at(0);
	assert_int_equal(got("/", 1), 10);
	assert_int_equal(got("gone", 1), 4);
	assert_int_equal(got("other", 1), 6);
	assert_int_equal(got("other", 2), 3);
	assert_int_equal(dropped, 9);

	put(GONE(3), 1, 7); /* G3 grows at 0.9 s: idle for less than 1 s at 1.5 s */
	read_at(0.9);
	read_at(1.5); /* G1, G2 idle 1.5 s and gone: drained, counts carried */
	assert_int_equal(got("/", 1), 10);
	assert_int_equal(got("gone", 1), 4);
	assert_int_equal(got("other", 1), 12);
	assert_int_equal(got("other", 2), 3);
	assert_int_equal(dropped, 15);
	assert_false(present(GONE(1), 1));
	assert_false(present(GONE(2), 1));
	assert_false(present(GONE(2), 2));
	assert_true(present(GONE(3), 1));
	assert_true(present(root, 1));
	assert_int_equal(cgroup_series_admitted(cs), 2);

	read_at(2); /* G1, G2 idle 2 s: evicted, G1's slot free; G3 drained */
	assert_int_equal(got("gone", 1), 4);
	assert_int_equal(got("other", 1), 12);
	assert_int_equal(got("other", 2), 3);
	assert_int_equal(dropped, 15);
	assert_false(present(GONE(3), 1));
	assert_int_equal(cgroup_series_admitted(cs), 1);

	/* G4 takes the free slot (as "gone", its own); G3's straggler stays in "other". */
	put(GONE(4), 1, 2);
	put(GONE(3), 1, 1);
	read_at(3);
	assert_int_equal(got("gone", 1), 6);
	assert_int_equal(got("other", 1), 13);
	assert_int_equal(cgroup_series_admitted(cs), 2);

	read_at(10); /* every gone id idle: only root is left, in kernel and in series */
	assert_int_equal(got("/", 1), 10);
	assert_int_equal(got("gone", 1), 6);
	assert_int_equal(got("other", 1), 13);
	assert_int_equal(got("other", 2), 3);
	assert_int_equal(dropped, 16);
	assert_int_equal(cgroup_series_tracked(cs), 1);
	assert_false(present(GONE(3), 1));
	assert_false(present(GONE(4), 1));
	assert_true(present(root, 1));
	read_at(11);
	assert_int_equal(got("other", 1), 13);
	assert_int_equal(out.n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evict_delete_and_carry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
