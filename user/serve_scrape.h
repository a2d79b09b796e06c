/* SPDX-License-Identifier: MIT */
/*
 * Concurrent scrapes of /metrics share one collection. A scrape that
 * arrives while another collects waits for the next collection to begin and
 * rides on it: every answer still reflects the maps as read after its
 * request arrived (never an older, cached answer), but 8 scrapers arriving
 * together cost one collection and one rendering instead of 8 in a queue.
 */
#ifndef KPROF_SERVE_SCRAPE_H
#define KPROF_SERVE_SCRAPE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include "sink_prometheus.h"

/* One rendered exposition, shared by the scrapes that rode on its collection. */
struct exposition {
	atomic_int refs;
	char *text;
	size_t len;
	/* gzip of text, made once by the first rider that asks for it. */
	pthread_mutex_t gz_lock;
	void *gz;
	size_t gzlen;
	int gz_err;
};

struct scrape_rider;

struct scrape_share {
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool busy; /* a collection is running; one at a time */
	/* Scrapes waiting for a collection that begins after they arrived, per format. */
	struct scrape_rider *pending[2];
	unsigned long collections; /* started so far */
	unsigned long finished;	   /* finished so far */
	double finished_at;	   /* CLOCK_MONOTONIC seconds, of the last one */
};

/* Collects and renders one exposition: 0, or -errno. */
typedef int (*scrape_render_fn)(void *ctx, enum prom_format fmt, char **text, size_t *len);

void scrape_share_init(struct scrape_share *sh);
void scrape_share_destroy(struct scrape_share *sh);

/*
 * An exposition in format fmt from a collection that began after this call
 * (run by this thread with fn, or by another scrape's); NULL with *err set
 * when rendering failed. Release it with exposition_put().
 */
struct exposition *scrape_share_get(struct scrape_share *sh, enum prom_format fmt,
				    scrape_render_fn fn, void *ctx, int *err);

/*
 * Whether collections finished since *seen (then updated) and none has run
 * for quiet_s seconds: the moment to give memory back between scrapes.
 */
bool scrape_share_went_quiet(struct scrape_share *sh, double quiet_s, unsigned long *seen);

/* The gzip of e's text, made on first use; 0 or -errno. Valid while e is held. */
int exposition_gzip(struct exposition *e, const void **data, size_t *len);

/* Drops one reference; the last frees e. NULL is fine. */
void exposition_put(struct exposition *e);

#endif /* KPROF_SERVE_SCRAPE_H */
