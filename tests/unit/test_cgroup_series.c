// SPDX-License-Identifier: MIT
/*
 * --cgroup.max-series admission, the labels of a cgroup id, and the grace
 * period's bookkeeping (read_begin / see / read_end with given times). Ids
 * from 2^62 up name no cgroup ("gone"); the root cgroup always exists.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cgroup_series.h"

#define S	1000000000ULL
#define GONE(i) ((1ULL << 62) + (uint64_t)(i)*4096)
#define GRACE	(2 * S)

static char mount[CGROUP_PATH_MAX];

static struct cgroup_series *make(int max)
{
	struct cgroup_series *cs;
	int err = 0;

	if (cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount))) {
		print_message("skipped: no cgroup v2 hierarchy mounted\n");
		skip();
	}
	cs = cgroup_series_new(max, &err);
	assert_non_null(cs);
	return cs;
}

/* The root cgroup resolves to "/", with no container or pod. */
static void test_root_is_slash(void **state)
{
	struct cgroup_series *cs = make(10);
	struct cgroup_labels l;
	uint64_t root;

	(void)state;
	root = cgroup_id_of(mount, "/");
	assert_true(root != 0);
	assert_true(cgroup_series_labels(cs, root, &l));
	assert_string_equal(l.values[0], "/");
	assert_string_equal(l.values[1], "");
	assert_string_equal(l.values[2], "");
	cgroup_series_free(cs);
}

/*
 * The first max ids (in order of first sight) are admitted, for good; the
 * rest are "other". Ids that name no cgroup are "gone". 1000 ids make the
 * set grow several times.
 */
static void test_cap_in_order_of_first_sight(void **state)
{
	const uint64_t base = 1ULL << 62; /* far from any real cgroup inode */
	struct cgroup_series *cs = make(1000);
	struct cgroup_labels l;

	(void)state;
	for (uint64_t i = 0; i < 1000; i++) {
		assert_true(cgroup_series_labels(cs, base + i * 4096, &l));
		assert_string_equal(l.values[0], "gone");
	}
	assert_false(cgroup_series_labels(cs, base + 1000 * 4096, &l));
	assert_string_equal(l.values[0], "other");
	assert_string_equal(l.values[1], "");
	for (uint64_t i = 0; i < 1000; i++)
		assert_true(cgroup_series_labels(cs, base + i * 4096, &l));
	assert_false(cgroup_series_labels(cs, base + 1001 * 4096, &l));
	/* 0 is no cgroup the kernel gives: never a series of its own. */
	assert_false(cgroup_series_labels(cs, 0, &l));
	cgroup_series_free(cs);
}

static void test_other_labels(void **state)
{
	struct cgroup_labels l;

	(void)state;
	cgroup_series_other(&l);
	assert_string_equal(l.values[0], "other");
	assert_string_equal(l.values[1], "");
	assert_string_equal(l.values[2], "");
}

/* One read at t seconds: each id with its cumulative count; the verdicts out. */
static void read_at(struct cgroup_series *cs, double t, int n, const uint64_t *ids,
		    const uint64_t *counts, enum cgroup_verdict *v)
{
	struct cgroup_labels l;

	cgroup_series_read_begin(cs, (uint64_t)(t * S));
	for (int i = 0; i < n; i++)
		v[i] = cgroup_series_see(cs, ids[i], counts[i], &l);
	cgroup_series_read_end(cs, true);
}

/*
 * A gone id, idle for a second, is drained (its kernel entries are to be
 * carried, its series lives on from userspace), and evicted (forgotten) at
 * the first read at least the grace after the last read its count grew,
 * not before; growth restarts the clock. Its label is "gone" (shared).
 */
static void test_drained_then_evicted_after_grace(void **state)
{
	struct cgroup_series *cs = make(10);
	uint64_t id[] = {GONE(1)}, c[] = {5};
	enum cgroup_verdict v[1];

	(void)state;
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	c[0] = 7; /* grew at 0.5 s */
	read_at(cs, 0.5, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	read_at(cs, 1.4, 1, id, c, v); /* idle 0.9 s */
	assert_int_equal(v[0], CGROUP_OWN);
	read_at(cs, 1.5, 1, id, c, v); /* idle 1 s: drained, its kernel entries go */
	assert_int_equal(v[0], CGROUP_EVICT_CARRY);
	assert_int_equal(cgroup_series_admitted(cs), 1);
	read_at(cs, 2.4, 0, id, c, v); /* no entries left; idle 1.9 s: still tracked */
	assert_int_equal(cgroup_series_tracked(cs), 1);
	read_at(cs, 2.5, 0, id, c, v); /* idle 2 s: evicted, its slot free */
	assert_int_equal(cgroup_series_tracked(cs), 0);
	assert_int_equal(cgroup_series_admitted(cs), 0);
	cgroup_series_free(cs);
}

/* A cgroup that exists is never evicted, however idle. */
static void test_existing_cgroup_is_kept(void **state)
{
	struct cgroup_series *cs = make(10);
	uint64_t id[1], c[] = {3};
	enum cgroup_verdict v[1];
	struct cgroup_labels l;

	(void)state;
	id[0] = cgroup_id_of(mount, "/");
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 1, id, c, v);
	read_at(cs, 1000, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	cgroup_series_read_begin(cs, 2000 * S);
	assert_int_equal(cgroup_series_see(cs, id[0], 3, &l), CGROUP_OWN);
	assert_string_equal(l.values[0], "/");
	cgroup_series_read_end(cs, true);
	assert_int_equal(cgroup_series_admitted(cs), 1);
	cgroup_series_free(cs);
}

/*
 * Cap 1: A (gone) is admitted, B (the root cgroup: it exists) and D (gone)
 * go to "other". D is drained under "other". A evicted frees its slot: a
 * new id C gets it, but B, still known, stays in "other" (its counts are
 * part of "other"), however long it lives.
 */
static void test_slot_freed_other_stays_other(void **state)
{
	struct cgroup_series *cs = make(1);
	uint64_t ids[] = {GONE(1), 0, GONE(2)}, c[] = {4, 6, 3}, cid[] = {GONE(3)}, one[] = {1};
	enum cgroup_verdict v[3];
	struct cgroup_labels l;

	(void)state;
	ids[1] = cgroup_id_of(mount, "/");
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 3, ids, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	assert_int_equal(v[1], CGROUP_OTHER);
	assert_int_equal(v[2], CGROUP_OTHER);
	cgroup_series_read_begin(cs, 1 * S);
	assert_int_equal(cgroup_series_see(cs, ids[0], 4, &l), CGROUP_EVICT_CARRY);
	assert_string_equal(l.values[0], "gone");
	assert_int_equal(cgroup_series_see(cs, ids[1], 6, &l), CGROUP_OTHER);
	assert_int_equal(cgroup_series_see(cs, ids[2], 3, &l), CGROUP_EVICT_CARRY);
	assert_string_equal(l.values[0], "other");
	cgroup_series_read_end(cs, true);
	/* At 2 s A and D are evicted: B, seen first in this read, must not take the slot. */
	read_at(cs, 2, 1, ids + 1, c + 1, v);
	assert_int_equal(v[0], CGROUP_OTHER);
	assert_int_equal(cgroup_series_admitted(cs), 0);
	read_at(cs, 3, 1, cid, one, v);
	assert_int_equal(v[0], CGROUP_OWN);
	assert_int_equal(cgroup_series_admitted(cs), 1);
	read_at(cs, 1000, 1, ids + 1, c + 1, v);
	assert_int_equal(v[0], CGROUP_OTHER);
	assert_int_equal(cgroup_series_tracked(cs), 1); /* B; C went at 5 s */
	cgroup_series_free(cs);
}

/* A read cut short forgets nothing and judges no growth; the next read decides again. */
static void test_incomplete_read_forgets_nothing(void **state)
{
	struct cgroup_series *cs = make(10);
	uint64_t id[] = {GONE(7)}, c[] = {2};
	enum cgroup_verdict v[1];
	struct cgroup_labels l;

	(void)state;
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 1, id, c, v);
	cgroup_series_read_begin(cs, 3 * S);
	assert_int_equal(cgroup_series_see(cs, id[0], 2, &l), CGROUP_EVICT_CARRY);
	cgroup_series_read_end(cs, false);
	assert_int_equal(cgroup_series_tracked(cs), 1);
	read_at(cs, 4, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_EVICT_CARRY);
	assert_int_equal(cgroup_series_tracked(cs), 0);
	cgroup_series_free(cs);
}

/*
 * A cgroup with a path keeps its path label after removal: drained under it
 * after a second idle, then evicted after the grace. The path is in use (its
 * carried counts are emitted) until then. Needs root.
 */
static void test_removed_cgroup_keeps_path_until_evicted(void **state)
{
	struct cgroup_series *cs = make(10);
	char rel[64], full[CGROUP_PATH_MAX + 64];
	uint64_t id[1], c[] = {1};
	enum cgroup_verdict v[1];
	struct cgroup_labels l;

	(void)state;
	snprintf(rel, sizeof(rel), "/kprof-unit-cs-%d", (int)getpid());
	snprintf(full, sizeof(full), "%s%s", mount, rel);
	if (mkdir(full, 0755)) {
		cgroup_series_free(cs);
		print_message("skipped: cannot create a cgroup (not root?)\n");
		skip();
	}
	id[0] = cgroup_id_of(mount, rel);
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 1, id, c, v);
	rmdir(full);
	cgroup_series_read_begin(cs, S / 2);
	assert_int_equal(cgroup_series_see(cs, id[0], 1, &l), CGROUP_OWN);
	assert_string_equal(l.values[0], rel);
	cgroup_series_read_end(cs, true);
	cgroup_series_read_begin(cs, 1 * S);
	assert_int_equal(cgroup_series_see(cs, id[0], 1, &l), CGROUP_EVICT_CARRY);
	assert_string_equal(l.values[0], rel);
	cgroup_series_read_end(cs, true);
	read_at(cs, 1.9, 0, id, c, v);
	assert_true(cgroup_series_path_in_use(cs, rel));
	read_at(cs, 2, 0, id, c, v);
	assert_false(cgroup_series_path_in_use(cs, rel));
	assert_int_equal(cgroup_series_tracked(cs), 0);
	cgroup_series_free(cs);
}

/*
 * A cgroup removed and made again under the same path (a restarted service)
 * is a new id with the same labels. The old one is drained under the path,
 * which stays in use while either lives; when the new one has kernel
 * entries left at its eviction and no other id has the path, they simply
 * go (so does the series). Needs root.
 */
static void test_path_made_again_is_carried(void **state)
{
	struct cgroup_series *cs = make(10);
	char rel[64], full[CGROUP_PATH_MAX + 64];
	uint64_t ids[2], c[] = {5, 3};
	enum cgroup_verdict v[2];

	(void)state;
	snprintf(rel, sizeof(rel), "/kprof-unit-again-%d", (int)getpid());
	snprintf(full, sizeof(full), "%s%s", mount, rel);
	if (mkdir(full, 0755)) {
		cgroup_series_free(cs);
		print_message("skipped: cannot create a cgroup (not root?)\n");
		skip();
	}
	ids[0] = cgroup_id_of(mount, rel);
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 1, ids, c, v);
	rmdir(full);
	assert_int_equal(mkdir(full, 0755), 0);
	ids[1] = cgroup_id_of(mount, rel);
	assert_true(ids[1] != ids[0]);
	read_at(cs, 1, 2, ids, c, v); /* the old one: idle 1 s, gone: drained */
	assert_int_equal(v[0], CGROUP_EVICT_CARRY);
	assert_int_equal(v[1], CGROUP_OWN);
	c[1] = 4;
	read_at(cs, 2, 1, ids + 1, c + 1, v); /* the old one evicted, the path still used */
	assert_int_equal(v[0], CGROUP_OWN);
	assert_int_equal(cgroup_series_tracked(cs), 1);
	assert_true(cgroup_series_path_in_use(cs, rel));
	rmdir(full);
	read_at(cs, 10, 1, ids + 1, c + 1, v);
	assert_int_equal(v[0], CGROUP_EVICT);
	assert_false(cgroup_series_path_in_use(cs, rel));
	assert_int_equal(cgroup_series_tracked(cs), 0);
	cgroup_series_free(cs);
}

/* Churn: 20000 gone ids come and go; the table empties (and shrinks) after. */
static void test_churn_is_bounded(void **state)
{
	struct cgroup_series *cs = make(100);
	struct cgroup_labels l;
	int other = 0;

	(void)state;
	cgroup_series_set_grace(cs, GRACE);
	for (int round = 0; round < 4; round++) {
		cgroup_series_read_begin(cs, (uint64_t)round * 10 * S);
		for (int i = 0; i < 5000; i++)
			other += cgroup_series_see(cs, GONE(round * 5000 + i), 1, &l) ==
				 CGROUP_OTHER;
		cgroup_series_read_end(cs, true);
		assert_int_equal(cgroup_series_tracked(cs), 5000);
		assert_int_equal(cgroup_series_admitted(cs), 100);
	}
	/* Each round's ids are evicted at the next, whose new ids take the free slots. */
	assert_int_equal(other, 4 * 4900);
	cgroup_series_read_begin(cs, 100 * S);
	cgroup_series_read_end(cs, true);
	assert_int_equal(cgroup_series_tracked(cs), 0);
	assert_int_equal(cgroup_series_admitted(cs), 0);
	cgroup_series_free(cs);
}

/* The grace is at least 1 s (see cgroup_series.c). */
static void test_grace_has_a_floor(void **state)
{
	struct cgroup_series *cs = make(10);
	uint64_t id[] = {GONE(9)}, c[] = {1};
	enum cgroup_verdict v[1];

	(void)state;
	cgroup_series_set_grace(cs, 1);
	read_at(cs, 0, 1, id, c, v);
	read_at(cs, 0.5, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	read_at(cs, 1, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_EVICT_CARRY);
	cgroup_series_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_is_slash),
		cmocka_unit_test(test_cap_in_order_of_first_sight),
		cmocka_unit_test(test_other_labels),
		cmocka_unit_test(test_drained_then_evicted_after_grace),
		cmocka_unit_test(test_existing_cgroup_is_kept),
		cmocka_unit_test(test_slot_freed_other_stays_other),
		cmocka_unit_test(test_incomplete_read_forgets_nothing),
		cmocka_unit_test(test_removed_cgroup_keeps_path_until_evicted),
		cmocka_unit_test(test_path_made_again_is_carried),
		cmocka_unit_test(test_churn_is_bounded),
		cmocka_unit_test(test_grace_has_a_floor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
