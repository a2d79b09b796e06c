// SPDX-License-Identifier: MIT
/* The bucket arithmetic the BPF programs run, against its definition. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "hist.h"

/* xorshift64*: a fixed sequence, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* ceil(4 * log2(d / 1e9)) in long double, and whether d is near a boundary. */
static int reference_index(uint64_t ns, bool *near_boundary)
{
	long double x = 4.0L * log2l((long double)ns / 1e9L);
	long double nearest = roundl(x);
	long double boundary_ns = 1e9L * exp2l(nearest / 4.0L);

	*near_boundary = fabsl((long double)ns - boundary_ns) / boundary_ns < 1e-6L;
	return (int)ceill(x);
}

static void check_ns(uint64_t ns, uint64_t *checked)
{
	bool near;
	int want = reference_index(ns, &near);
	int slot = (int)hist_slot_of_ns(ns);

	if (near)
		return;
	if (want > KPROF_HIST_MAX_INDEX)
		want = KPROF_HIST_MAX_INDEX;
	if (hist_index_of_slot(slot) != want)
		fail_msg("%llu ns: slot index %d, definition %d", (unsigned long long)ns,
			 hist_index_of_slot(slot), want);
	(*checked)++;
}

static void test_bucket_index_matches_definition(void **state)
{
	uint64_t checked = 0;

	(void)state;
	/* Every ns from 1 to 200 us, where boundaries are densest in ns. */
	for (uint64_t ns = 1; ns <= 200000; ns++)
		check_ns(ns, &checked);
	/* Two million log-uniform values from 1 ns to 1000 s. */
	for (int i = 0; i < 2000000; i++) {
		double e = (double)(rng() >> 11) / 9007199254740992.0 * log2(1e12);
		check_ns((uint64_t)exp2(e), &checked);
	}
	assert_true(checked > 2100000);
}

static void test_fixed_points(void **state)
{
	(void)state;
	assert_int_equal(hist_slot_of_ns(0), 0);
	assert_int_equal(hist_index_of_slot(hist_slot_of_ns(1)), -119);
	assert_int_equal(hist_index_of_slot(hist_slot_of_ns(1000000000ULL)), 0);
	/* Exact boundaries in whole ns land in their own bucket: 1e9 * 2^k. */
	for (int k = -9; k <= 11; k++) {
		uint64_t ns = (uint64_t)ldexp(1e9, k);

		assert_int_equal(hist_index_of_slot(hist_slot_of_ns(ns)), 4 * k);
		assert_int_equal(hist_index_of_slot(hist_slot_of_ns(ns + ns / 1000)), 4 * k + 1);
	}
	/* 2 ms: (2^-9, 2^-8.75] s, index -35 */
	assert_int_equal(hist_index_of_slot(hist_slot_of_ns(2000000)), -35);
	/* Clamping: an hour and a year both land in the last bucket. */
	assert_int_equal(hist_slot_of_ns(4096000000000ULL), KPROF_HIST_SLOTS - 1);
	assert_int_equal(hist_slot_of_ns(UINT64_MAX), KPROF_HIST_SLOTS - 1);
	assert_int_equal(hist_index_of_seconds(1.0), 0);
	assert_int_equal(hist_index_of_seconds(1e-9), -119);
}

static void test_bounds(void **state)
{
	(void)state;
	assert_true(hist_slot_upper(0) == 0.0);
	assert_true(hist_slot_upper(hist_slot_of_index(0)) == 1.0);
	assert_true(hist_slot_lower(hist_slot_of_index(0)) == exp2(-0.25));
	assert_true(hist_slot_upper(hist_slot_of_index(-4)) == 0.5);
}

static void add(struct kprof_hist *h, uint64_t ns, int times)
{
	for (int i = 0; i < times; i++) {
		h->count++;
		h->sum_ns += ns;
		if (ns > h->max_ns)
			h->max_ns = ns;
		h->slots[hist_slot_of_ns(ns)]++;
	}
}

static void test_quantiles(void **state)
{
	struct kprof_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_true(isnan(hist_quantile(&h, 0.5)));
	/* Uniform 1..1000 us: quantiles within 10% of the truth. */
	for (uint64_t us = 1; us <= 1000; us++)
		add(&h, us * 1000, 1);
	double q[] = {0.5, 0.9, 0.99};
	for (int i = 0; i < 3; i++) {
		double truth = q[i] * 1000e-6, got = hist_quantile(&h, q[i]);

		if (fabs(got - truth) / truth > 0.10)
			fail_msg("q%.2f: %g vs %g", q[i], got, truth);
	}
	/* Never above the exact maximum. */
	memset(&h, 0, sizeof(h));
	add(&h, 2000000, 10);
	assert_true(hist_quantile(&h, 0.99) <= 2e-3);
	assert_true(hist_quantile(&h, 0.5) > exp2(-36 / 4.0));
	assert_true(hist_quantile(&h, 1.0) == 2e-3);
	/* All zeros: the zero bucket. */
	memset(&h, 0, sizeof(h));
	add(&h, 0, 5);
	assert_true(hist_quantile(&h, 0.5) == 0.0);
}

static void test_merge(void **state)
{
	struct kprof_hist a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	add(&a, 1000, 3);
	add(&b, 5000, 2);
	hist_merge(&a, &b);
	assert_int_equal(a.count, 5);
	assert_int_equal(a.sum_ns, 13000);
	assert_int_equal(a.max_ns, 5000);
	assert_int_equal(hist_total(&a), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_index_matches_definition),
		cmocka_unit_test(test_fixed_points),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
