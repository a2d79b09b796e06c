// SPDX-License-Identifier: MIT
/* The model's series lookup: one series per distinct label set, found again after growth and sort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "model.h"

#define N 5000

static const char *const names[] = {"cgroup", "syscall"};

static struct series *lookup(struct family *f, int i)
{
	char cg[32], sc[32];
	const char *values[2] = {cg, sc};

	snprintf(cg, sizeof(cg), "/c%d", i % 97);
	snprintf(sc, sizeof(sc), "s%d", i / 97);
	return family_series(f, values);
}

/* Each of N label sets gets its own series, and the same one when asked again, in any order. */
static void test_distinct_and_found_again(void **state)
{
	struct model *m = model_new();
	struct family *f = model_family(m, "t", "t_total", "help", FAMILY_COUNTER, 2, names);

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < N; i++) {
		struct series *s = lookup(f, i);

		assert_non_null(s);
		assert_true(s->value == 0);
		s->value = i + 1;
	}
	assert_int_equal(f->nseries, N);
	for (int i = N - 1; i >= 0; i--)
		assert_true(lookup(f, i)->value == i + 1);
	assert_int_equal(f->nseries, N);
	model_free(m);
}

static int by_value_desc(const void *a, const void *b)
{
	const struct series *x = a, *y = b;

	return (x->value < y->value) - (x->value > y->value);
}

/* A sort moves the series: lookups after it still find each one, and add no duplicate. */
static void test_found_after_sort(void **state)
{
	struct model *m = model_new();
	struct family *f = model_family(m, "t", "t_total", "help", FAMILY_COUNTER, 2, names);

	(void)state;
	for (int i = 0; i < 300; i++)
		lookup(f, i)->value = i + 1;
	family_sort(f, by_value_desc);
	assert_true(f->series[0].value == 300);
	for (int i = 0; i < 300; i++)
		assert_true(lookup(f, i)->value == i + 1);
	assert_int_equal(f->nseries, 300);
	model_free(m);
}

/* Label boundaries count: ("a", "bc") and ("ab", "c") are two series; no labels is one. */
static void test_label_boundaries(void **state)
{
	struct model *m = model_new();
	struct family *f = model_family(m, "t", "t_total", "help", FAMILY_COUNTER, 2, names);
	struct family *g = model_family(m, "t", "u_total", "help", FAMILY_GAUGE, 0, NULL);
	const char *const a[] = {"a", "bc"}, *const b[] = {"ab", "c"};

	(void)state;
	family_series(f, a)->value = 1;
	family_series(f, b)->value = 2;
	assert_int_equal(f->nseries, 2);
	assert_true(family_series(f, a)->value == 1);
	assert_true(family_series(f, b)->value == 2);
	family_series(g, NULL)->value = 7;
	assert_true(family_series(g, NULL)->value == 7);
	assert_int_equal(g->nseries, 1);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_and_found_again),
		cmocka_unit_test(test_found_after_sort),
		cmocka_unit_test(test_label_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
