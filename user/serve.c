// SPDX-License-Identifier: MIT
/* `kprof serve`: collectors kept attached, their model served over HTTP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http_negotiate.h"
#include "load_memory.h"
#include "log.h"
#include "serve.h"
#include "serve_pprof.h"
#include "sink_prometheus.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void attempt(struct serve *s, const struct collector_desc *d)
{
	struct serve_attempt *a = &s->attempts[s->nattempts++];
	struct collector *c = &s->session.collectors[s->session.n];
	struct kprof_error err;

	a->desc = d;
	if (collector_start(c, d, &s->cfg->kcfg, &err)) {
		snprintf(a->why, sizeof(a->why), "%s", err.msg);
		klog(KLOG_WARN, "collector unavailable", "collector", d->name, "reason", err.msg,
		     NULL);
		return;
	}
	a->running = c;
	s->session.n++;
	klog(KLOG_INFO, "collector attached", "collector", d->name, NULL);
	if (s->cfg->kcfg.by_cgroup && !d->by_cgroup)
		klog(KLOG_WARN,
		     "collector has no --by cgroup breakdown yet; its series cover all cgroups",
		     "collector", d->name, NULL);
}

int serve_start_collectors(struct serve *s, const struct serve_config *cfg)
{
	s->cfg = cfg;
	memset(&s->session, 0, sizeof(s->session));
	s->nattempts = 0;
	load_memory_begin();
	if (cfg->kcfg.ncollectors) {
		for (int i = 0; i < cfg->kcfg.ncollectors; i++)
			attempt(s, collector_find(cfg->kcfg.collectors[i]));
	} else {
		for (int i = 0; kprof_collectors[i] && i < KPROF_MAX_COLLECTORS; i++)
			/* Stack collectors run on demand, per /debug/pprof request. */
			if (!kprof_collectors[i]->collect_stacks)
				attempt(s, kprof_collectors[i]);
	}
	load_memory_end();
	return s->session.n;
}

void serve_stop_collectors(struct serve *s)
{
	session_stop(&s->session);
	for (int i = 0; i < s->nattempts; i++)
		s->attempts[i].running = NULL;
}

static const char *const collector_label[] = {"collector"};

static void put_gauge(struct model *m, const char *name, const char *help, const char *label,
		      double v)
{
	struct family *f = model_family(m, "kprof", name, help, FAMILY_GAUGE, 1, collector_label);
	struct series *ser = f ? family_series(f, &label) : NULL;

	if (ser)
		ser->value = v;
}

struct model *serve_collect(struct serve *s)
{
	struct model *m = model_new();

	if (!m)
		return NULL;
	pthread_mutex_lock(&s->collect_lock);
	for (int i = 0; i < s->nattempts; i++) {
		struct serve_attempt *a = &s->attempts[i];
		double t0 = mono_s();
		int ret;

		if (!a->running)
			continue;
		ret = collector_collect(a->running, m);
		put_gauge(m, "kprof_scrape_collector_duration_seconds",
			  "Time this scrape spent reading a collector's maps.", a->desc->name,
			  mono_s() - t0);
		put_gauge(m, "kprof_scrape_collector_success",
			  "Whether this scrape read the collector's maps without error.",
			  a->desc->name, !ret);
		if (ret)
			klog(KLOG_WARN, "reading a collector failed", "collector", a->desc->name,
			     "error", strerror(ret < 0 ? -ret : ret), NULL);
	}
	if (self_metrics_collect(s, m))
		klog(KLOG_WARN, "reading kprof's own metrics failed", NULL);
	pthread_mutex_unlock(&s->collect_lock);
	return m;
}

unsigned int serve_health(const struct serve *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (s->session.n > 0) {
		off += snprintf(buf, len, "ok: attached:");
		for (int i = 0; i < s->nattempts && off < len; i++)
			if (s->attempts[i].running)
				off += snprintf(buf + off, len - off, " %s",
						s->attempts[i].desc->name);
		if (off < len)
			snprintf(buf + off, len - off, "\n");
		return 200;
	}
	off += snprintf(buf, len, "unhealthy: no collector is attached");
	for (int i = 0; i < s->nattempts && off < len; i++)
		off += snprintf(buf + off, len - off, "%s %s: %s", i ? ";" : ":",
				s->attempts[i].desc->name, s->attempts[i].why);
	if (off < len)
		snprintf(buf + off, len - off, "\n");
	return 503;
}

static void text(struct http_response *r, unsigned int status, const char *body)
{
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	r->body = strdup(body);
	r->len = r->body ? strlen(r->body) : 0;
}

/* Collects and renders; the scrape_render_fn of the shared scrapes. */
static int render(void *ctx, enum prom_format fmt, char **text, size_t *len)
{
	struct serve *s = ctx;
	double t0 = mono_s();
	struct model *m = serve_collect(s);
	int ret;

	if (!m)
		return -ENOMEM;
	ret = prom_render(m, &s->cfg->prom, fmt, text, len);
	model_free(m);
	if (klog_enabled(KLOG_DEBUG)) {
		char ms[32];

		snprintf(ms, sizeof(ms), "%.3f", (mono_s() - t0) * 1e3);
		klog(KLOG_DEBUG, "scrape", "format",
		     fmt == PROM_OPENMETRICS_1_0 ? "openmetrics" : "text", "render_ms", ms, NULL);
	}
	return ret;
}

static void release_exposition(void *e)
{
	exposition_put(e);
}

static void metrics(struct serve *s, const struct http_request *req, struct http_response *r)
{
	enum prom_format fmt = http_negotiate_format(req->accept);
	struct exposition *e;
	const void *gz;
	int err;

	r->body = NULL;
	r->len = 0;
	e = scrape_share_get(&s->scrapes, fmt, render, s, &err);
	if (!e)
		return; /* out of memory: the connection is closed */
	/* The riders of one collection share its text and its gzip. */
	if (http_accepts_gzip(req->accept_encoding) && !exposition_gzip(e, &gz, &r->len)) {
		r->body = (char *)gz;
		r->gzipped = true;
	} else {
		r->body = e->text;
		r->len = e->len;
	}
	r->release = release_exposition;
	r->release_ctx = e;
	r->status = 200;
	r->compressible = true;
	r->content_type = fmt == PROM_OPENMETRICS_1_0 ? PROM_CONTENT_TYPE_OPENMETRICS
						      : PROM_CONTENT_TYPE_TEXT;
}

static void index_page(struct serve *s, struct http_response *r)
{
	char names[256];

	session_names(&s->session, names, sizeof(names));
	r->status = 200;
	r->content_type = "text/html; charset=utf-8";
	r->len = (size_t)asprintf(
		&r->body,
		"<!DOCTYPE html>\n<html><head><title>kprof</title></head><body>\n"
		"<h1>kprof %s</h1>\n<p>eBPF latency profiler; collectors attached: %s</p>\n"
		"<ul>\n<li><a href=\"%s\">Metrics</a></li>\n"
		"<li><a href=\"/healthz\">Health</a></li>\n</ul>\n</body></html>\n",
		KPROF_VERSION, *names ? names : "none", s->cfg->telemetry_path);
	if (r->len == (size_t)-1)
		r->body = NULL;
}

void serve_handle(void *ctx, const struct http_request *req, struct http_response *r)
{
	struct serve *s = ctx;
	bool known = !strcmp(req->path, s->cfg->telemetry_path) || !strcmp(req->path, "/") ||
		     !strcmp(req->path, "/healthz") || serve_pprof_collector(req->path);
	char buf[2048];

	if (!known) {
		text(r, 404, "404 page not found\n");
		return;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		text(r, 405, "405 method not allowed: use GET or HEAD\n");
		r->allow = "GET, HEAD";
		return;
	}
	if (!strcmp(req->path, s->cfg->telemetry_path))
		metrics(s, req, r);
	else if (!strcmp(req->path, "/healthz"))
		text(r, serve_health(s, buf, sizeof(buf)), buf);
	else if (serve_pprof_collector(req->path))
		serve_pprof(s, req, r);
	else
		index_page(s, r);
}
