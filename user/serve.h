/* SPDX-License-Identifier: MIT */
/* The state of `kprof serve` and what its HTTP endpoints answer. */
#ifndef KPROF_SERVE_H
#define KPROF_SERVE_H

#include <pthread.h>
#include <stdbool.h>
#include "cli_serve.h"
#include "http_server.h"
#include "serve_scrape.h"
#include "session.h"

/* A collector serve tried to start, and why it is not running if it is not. */
struct serve_attempt {
	const struct collector_desc *desc;
	struct collector *running; /* into session.collectors, or NULL */
	char why[512];
};

struct serve {
	const struct serve_config *cfg;
	struct session session;
	struct serve_attempt attempts[KPROF_MAX_COLLECTORS];
	int nattempts;
	/*
	 * Collectors keep state (caches, symbolizers) that need not be
	 * thread-safe, so reading them is serialized; rendering, compressing
	 * and sending, which take longer, run in parallel.
	 */
	pthread_mutex_t collect_lock;
	/* Concurrent /metrics requests share one collection (serve_scrape.h). */
	struct scrape_share scrapes;
	int bpf_stats_fd; /* held while serving: the kernel's BPF run-time stats */
};

/*
 * Starts each collector the config names (or every collector); those that
 * fail are recorded with their reason and the rest keep working. Returns
 * the number running.
 */
int serve_start_collectors(struct serve *s, const struct serve_config *cfg);
void serve_stop_collectors(struct serve *s);

/* The HTTP handler: /metrics (telemetry path), /, /healthz; 404, 405. */
void serve_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/* The /metrics model: every running collector plus kprof's own metrics. */
struct model *serve_collect(struct serve *s);

/* 200 while collectors are attached, else 503; reason into buf. */
unsigned int serve_health(const struct serve *s, char *buf, size_t len);

/* kprof's own metrics (self_metrics.c). */
int self_metrics_collect(struct serve *s, struct model *m);
/* process_* from /proc/self (for tests: the parsed numbers). */
int self_process_metrics(struct model *m);

#endif /* KPROF_SERVE_H */
