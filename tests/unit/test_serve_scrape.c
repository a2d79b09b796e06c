// SPDX-License-Identifier: MIT
/*
 * Shared scrapes (serve_scrape.c): concurrent scrapes ride on one
 * collection, every answer comes from a collection that began after its
 * request, answers never go backwards, formats are not mixed, errors reach
 * every rider, and the last release frees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "serve_scrape.h"

/* A fake collector: a counter that only grows, read 2 ms after the collection begins. */
struct fake {
	atomic_ulong counter;	/* what the "maps" hold */
	atomic_int collections; /* how many renders ran */
	atomic_int running;	/* renders running at once */
	atomic_int overlap;	/* times two ran at once (must stay 0) */
	atomic_int fail;
};

static int fake_render(void *ctx, enum prom_format fmt, char **text, size_t *len)
{
	struct fake *f = ctx;
	struct timespec ts = {0, 2 * 1000 * 1000};
	int n;

	/* No cmocka asserts here: they cannot fail from another thread. */
	if (atomic_fetch_add(&f->running, 1))
		atomic_fetch_add(&f->overlap, 1);
	atomic_fetch_add(&f->collections, 1);
	nanosleep(&ts, NULL);
	n = asprintf(text, "%s counter %lu\n", fmt == PROM_OPENMETRICS_1_0 ? "om" : "text",
		     atomic_load(&f->counter));
	atomic_fetch_sub(&f->running, 1);
	if (atomic_load(&f->fail)) {
		free(*text);
		*text = NULL;
		return -EIO;
	}
	if (n < 0)
		return -ENOMEM;
	*len = (size_t)n;
	return 0;
}

struct scraper {
	pthread_t th;
	struct scrape_share *sh;
	struct fake *f;
	enum prom_format fmt;
	int n, bad;
};

static void *scraper_run(void *arg)
{
	struct scraper *s = arg;
	unsigned long last = 0;

	for (int i = 0; i < s->n; i++) {
		/* The "maps" change: this request arrives after the increment. */
		unsigned long before = atomic_fetch_add(&s->f->counter, 1) + 1;
		struct exposition *e;
		unsigned long seen;
		char fmtname[8];
		int err;

		e = scrape_share_get(s->sh, s->fmt, fake_render, s->f, &err);
		if (!e || sscanf(e->text, "%7s counter %lu", fmtname, &seen) != 2) {
			s->bad++;
			exposition_put(e);
			continue;
		}
		/* Fresh (read after the request arrived), monotonic, right format. */
		if (seen < before || seen < last ||
		    strcmp(fmtname, s->fmt == PROM_OPENMETRICS_1_0 ? "om" : "text"))
			s->bad++;
		last = seen;
		exposition_put(e);
	}
	return NULL;
}

static void run_scrapers(int nthreads, int per_thread, bool mixed, struct fake *f,
			 struct scrape_share *sh)
{
	struct scraper s[16];

	assert_true(nthreads <= 16);
	for (int i = 0; i < nthreads; i++) {
		s[i] = (struct scraper){.sh = sh, .f = f, .n = per_thread};
		s[i].fmt = mixed && i % 2 ? PROM_OPENMETRICS_1_0 : PROM_TEXT_0_0_4;
		assert_int_equal(pthread_create(&s[i].th, NULL, scraper_run, &s[i]), 0);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(s[i].th, NULL);
		assert_int_equal(s[i].bad, 0);
	}
	assert_int_equal(atomic_load(&f->overlap), 0);
}

static void test_concurrent_scrapes_share(void **state)
{
	struct scrape_share sh;
	struct fake f = {0};

	(void)state;
	scrape_share_init(&sh);
	run_scrapers(8, 50, false, &f, &sh);
	/* 400 scrapes; riding on each other's collections, far fewer renders. */
	printf("8 x 50 scrapes: %d collections\n", atomic_load(&f.collections));
	assert_true(atomic_load(&f.collections) < 400);
	assert_int_equal(atomic_load(&f.collections), (int)sh.collections);
	scrape_share_destroy(&sh);
}

static void test_formats_not_mixed(void **state)
{
	struct scrape_share sh;
	struct fake f = {0};

	(void)state;
	scrape_share_init(&sh);
	run_scrapers(8, 30, true, &f, &sh);
	scrape_share_destroy(&sh);
}

static void test_single_scrape_and_gzip(void **state)
{
	struct scrape_share sh;
	struct fake f = {0};
	struct exposition *e;
	char back[256];
	uLongf blen = sizeof(back);
	z_stream zs = {0};
	const void *gz, *gz2;
	size_t gzlen, gzlen2;
	int err;

	(void)state;
	scrape_share_init(&sh);
	atomic_store(&f.counter, 41);
	e = scrape_share_get(&sh, PROM_TEXT_0_0_4, fake_render, &f, &err);
	assert_non_null(e);
	assert_string_equal(e->text, "text counter 41\n");
	assert_int_equal(e->len, strlen(e->text));
	/* gzip made once, the same bytes for every rider. */
	assert_int_equal(exposition_gzip(e, &gz, &gzlen), 0);
	assert_int_equal(exposition_gzip(e, &gz2, &gzlen2), 0);
	assert_ptr_equal(gz, gz2);
	assert_int_equal(gzlen, gzlen2);
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)gzlen;
	zs.next_out = (Bytef *)back;
	zs.avail_out = (uInt)blen;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, e->len);
	assert_memory_equal(back, e->text, e->len);
	inflateEnd(&zs);
	exposition_put(e);
	/* A sequential scrape never reuses the last answer: a new collection. */
	e = scrape_share_get(&sh, PROM_TEXT_0_0_4, fake_render, &f, &err);
	assert_non_null(e);
	exposition_put(e);
	assert_int_equal(atomic_load(&f.collections), 2);
	exposition_put(NULL);
	scrape_share_destroy(&sh);
}

static void *failing_scraper(void *arg)
{
	struct scraper *s = arg;
	int err = 0;

	if (scrape_share_get(s->sh, s->fmt, fake_render, s->f, &err) || err != -EIO)
		s->bad++;
	return NULL;
}

static void test_errors_reach_every_rider(void **state)
{
	struct scrape_share sh;
	struct fake f = {0};
	struct scraper s[6];

	(void)state;
	scrape_share_init(&sh);
	atomic_store(&f.fail, 1);
	for (int i = 0; i < 6; i++) {
		s[i] = (struct scraper){.sh = &sh, .f = &f, .fmt = PROM_TEXT_0_0_4};
		assert_int_equal(pthread_create(&s[i].th, NULL, failing_scraper, &s[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(s[i].th, NULL);
		assert_int_equal(s[i].bad, 0);
	}
	scrape_share_destroy(&sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_scrape_and_gzip),
		cmocka_unit_test(test_concurrent_scrapes_share),
		cmocka_unit_test(test_formats_not_mixed),
		cmocka_unit_test(test_errors_reach_every_rider),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
