// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "gzip.h"
#include "serve_scrape.h"

/* A waiting scrape, on its own stack: filled in by the collection it rode on. */
struct scrape_rider {
	struct scrape_rider *next;
	struct exposition *result;
	int err;
	bool done;
};

void scrape_share_init(struct scrape_share *sh)
{
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->done, NULL);
	sh->busy = false;
	sh->pending[0] = sh->pending[1] = NULL;
	sh->collections = 0;
	sh->finished = 0;
	sh->finished_at = 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void scrape_share_destroy(struct scrape_share *sh)
{
	pthread_cond_destroy(&sh->done);
	pthread_mutex_destroy(&sh->lock);
}

static struct exposition *exposition_new(char *text, size_t len)
{
	struct exposition *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	atomic_init(&e->refs, 0);
	e->text = text;
	e->len = len;
	pthread_mutex_init(&e->gz_lock, NULL);
	return e;
}

void exposition_put(struct exposition *e)
{
	if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&e->gz_lock);
	free(e->gz);
	free(e->text);
	free(e);
}

int exposition_gzip(struct exposition *e, const void **data, size_t *len)
{
	int ret;

	pthread_mutex_lock(&e->gz_lock);
	if (!e->gz && !e->gz_err)
		e->gz_err = gzip_compress(e->text, e->len, &e->gz, &e->gzlen);
	ret = e->gz_err;
	*data = e->gz;
	*len = e->gzlen;
	pthread_mutex_unlock(&e->gz_lock);
	return ret;
}

/* Runs one collection for every rider of riders (this thread's among them). */
static void collect_for(struct scrape_share *sh, struct scrape_rider *riders, enum prom_format fmt,
			scrape_render_fn fn, void *ctx)
{
	struct exposition *e = NULL;
	char *text = NULL;
	size_t len = 0;
	int err;

	err = fn(ctx, fmt, &text, &len);
	if (!err) {
		e = exposition_new(text, len);
		if (!e) {
			free(text);
			err = -ENOMEM;
		}
	}
	pthread_mutex_lock(&sh->lock);
	for (struct scrape_rider *r = riders; r; r = r->next) {
		if (e)
			atomic_fetch_add(&e->refs, 1);
		r->result = e;
		r->err = err;
		r->done = true;
	}
	sh->busy = false;
	sh->finished++;
	sh->finished_at = mono_s();
	pthread_cond_broadcast(&sh->done);
	pthread_mutex_unlock(&sh->lock);
}

struct exposition *scrape_share_get(struct scrape_share *sh, enum prom_format fmt,
				    scrape_render_fn fn, void *ctx, int *err)
{
	struct scrape_rider me = {0};
	int f = fmt == PROM_OPENMETRICS_1_0;

	pthread_mutex_lock(&sh->lock);
	me.next = sh->pending[f];
	sh->pending[f] = &me;
	while (!me.done) {
		if (!sh->busy) {
			/* Everyone pending in this format arrived before this collection. */
			struct scrape_rider *riders = sh->pending[f];

			sh->pending[f] = NULL;
			sh->busy = true;
			sh->collections++;
			pthread_mutex_unlock(&sh->lock);
			collect_for(sh, riders, fmt, fn, ctx);
			pthread_mutex_lock(&sh->lock);
			break;
		}
		pthread_cond_wait(&sh->done, &sh->lock);
	}
	pthread_mutex_unlock(&sh->lock);
	*err = me.err;
	return me.result;
}

bool scrape_share_went_quiet(struct scrape_share *sh, double quiet_s, unsigned long *seen)
{
	bool quiet;

	pthread_mutex_lock(&sh->lock);
	quiet = sh->finished != *seen && !sh->busy && !sh->pending[0] && !sh->pending[1] &&
		mono_s() - sh->finished_at >= quiet_s;
	if (quiet)
		*seen = sh->finished;
	pthread_mutex_unlock(&sh->lock);
	return quiet;
}
