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
 * A gone id is evicted at the first read at least the grace after the last
 * read its count grew, not before; growth restarts the clock. Its label is
 * "gone" (shared), so its counts are to be carried.
 */
static void test_evicted_after_grace_exactly(void **state)
{
	struct cgroup_series *cs = make(10);
	uint64_t id[] = {GONE(1)}, c[] = {5};
	enum cgroup_verdict v[1];

	(void)state;
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	c[0] = 7; /* grew at 1.5 s */
	read_at(cs, 1.5, 1, id, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	read_at(cs, 3.4, 1, id, c, v); /* idle 1.9 s */
	assert_int_equal(v[0], CGROUP_OWN);
	read_at(cs, 3.5, 1, id, c, v); /* idle 2 s: evicted in this read */
	assert_int_equal(v[0], CGROUP_EVICT_CARRY);
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
 * Cap 1: A is admitted, B goes to "other". A evicted frees the slot: a new
 * id C gets it, but B, still known, stays in "other" (its counts are part
 * of "other"). B evicted is carried under "other".
 */
static void test_slot_freed_other_stays_other(void **state)
{
	struct cgroup_series *cs = make(1);
	uint64_t ids[] = {GONE(1), GONE(2), GONE(3)}, c[] = {4, 6, 1};
	enum cgroup_verdict v[3];
	struct cgroup_labels l;

	(void)state;
	cgroup_series_set_grace(cs, GRACE);
	read_at(cs, 0, 2, ids, c, v);
	assert_int_equal(v[0], CGROUP_OWN);
	assert_int_equal(v[1], CGROUP_OTHER);
	c[1] = 8; /* B keeps growing: not evicted */
	read_at(cs, 1.9, 2, ids, c, v);
	c[1] = 9;
	read_at(cs, 2.5, 2, ids, c, v);
	assert_int_equal(v[0], CGROUP_EVICT_CARRY); /* "gone": shared label */
	assert_int_equal(v[1], CGROUP_OTHER);
	assert_int_equal(cgroup_series_admitted(cs), 0);
	/* B (seen first in this read) must not take the free slot; C gets it. */
	read_at(cs, 3, 2, ids + 1, c + 1, v);
	assert_int_equal(v[0], CGROUP_OTHER);
	assert_int_equal(v[1], CGROUP_OWN);
	assert_int_equal(cgroup_series_admitted(cs), 1);
	cgroup_series_read_begin(cs, 5 * S); /* B idle since 2.5 s */
	assert_int_equal(cgroup_series_see(cs, ids[1], 9, &l), CGROUP_EVICT_CARRY);
	assert_string_equal(l.values[0], "other");
	cgroup_series_read_end(cs, true);
	assert_int_equal(cgroup_series_tracked(cs), 0); /* C too: grew at 3 s, gone */
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
 * A cgroup with a path keeps its path label after removal until evicted,
 * then its verdict is a plain eviction (its own series go). Needs root.
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
	cgroup_series_read_begin(cs, 1 * S);
	assert_int_equal(cgroup_series_see(cs, id[0], 1, &l), CGROUP_OWN);
	assert_string_equal(l.values[0], rel);
	cgroup_series_read_end(cs, true);
	cgroup_series_read_begin(cs, 2 * S);
	assert_int_equal(cgroup_series_see(cs, id[0], 1, &l), CGROUP_EVICT);
	assert_string_equal(l.values[0], rel);
	cgroup_series_read_end(cs, true);
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
		cmocka_unit_test(test_evicted_after_grace_exactly),
		cmocka_unit_test(test_existing_cgroup_is_kept),
		cmocka_unit_test(test_slot_freed_other_stays_other),
		cmocka_unit_test(test_incomplete_read_forgets_nothing),
		cmocka_unit_test(test_removed_cgroup_keeps_path_until_evicted),
		cmocka_unit_test(test_churn_is_bounded),
		cmocka_unit_test(test_grace_has_a_floor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
