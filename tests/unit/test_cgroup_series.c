// SPDX-License-Identifier: MIT
/* --cgroup.max-series admission and the labels of a cgroup id. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cgroup_series.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_is_slash),
		cmocka_unit_test(test_cap_in_order_of_first_sight),
		cmocka_unit_test(test_other_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
