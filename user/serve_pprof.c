// SPDX-License-Identifier: MIT
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "parse.h"
#include "serve_pprof.h"
#include "stack_output.h"
#include "stack_sink.h"

#define STR(x)	#x
#define XSTR(x) STR(x)
#define MAX_S	XSTR(SERVE_PPROF_MAX_S)

/* One profile of each kind at a time: two would sample twice (as Go refuses). */
static pthread_mutex_t busy[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};

const char *serve_pprof_collector(const char *path)
{
	if (!strcmp(path, "/debug/pprof/profile"))
		return "cpu";
	if (!strcmp(path, "/debug/pprof/offcpu"))
		return "offcpu";
	return NULL;
}

int serve_pprof_seconds(const char *arg, unsigned int *seconds)
{
	long n;

	if (!arg) {
		*seconds = SERVE_PPROF_DEFAULT_S;
		return 0;
	}
	if (parse_int(arg, 1, SERVE_PPROF_MAX_S, &n))
		return -EINVAL;
	*seconds = (unsigned int)n;
	return 0;
}

static void reply(struct http_response *r, unsigned int status, const char *fmt, const char *arg)
{
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	if (asprintf(&r->body, fmt, arg) < 0)
		r->body = NULL;
	r->len = r->body ? strlen(r->body) : 0;
}

static int take(struct collector *c, unsigned int seconds, struct http_response *r)
{
	struct timespec ts = {.tv_sec = seconds};
	struct stack_profile *p;
	struct symbolizer *sym;
	unsigned char *buf;
	size_t len;
	int ret;

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	sym = symbolizer_new(NULL);
	if (!sym)
		return -ENOMEM;
	p = stack_output_profile(c, sym, seconds, &ret);
	if (p)
		ret = stack_pprof_encode(p, &buf, &len);
	stack_profile_free(p);
	symbolizer_free(sym);
	if (ret)
		return ret;
	r->status = 200;
	r->content_type = "application/octet-stream";
	r->body = (char *)buf;
	r->len = len;
	r->compressible = false; /* gzipped already, as profile.proto files are */
	return 0;
}

void serve_pprof(struct serve *s, const struct http_request *req, struct http_response *r)
{
	const char *name = serve_pprof_collector(req->path);
	pthread_mutex_t *lock = &busy[strcmp(name, "cpu") != 0];
	struct kprof_error err;
	struct collector c;
	unsigned int seconds;
	int ret;

	if (serve_pprof_seconds(req->seconds, &seconds)) {
		reply(r, 400, "bad seconds '%s': expected whole seconds from 1 to " MAX_S "\n",
		      req->seconds);
		return;
	}
	if (pthread_mutex_trylock(lock)) {
		reply(r, 503, "a %s profile is being taken already; retry when it is done\n", name);
		return;
	}
	ret = collector_start(&c, collector_find(name), &s->cfg->kcfg, &err);
	if (ret) {
		pthread_mutex_unlock(lock);
		klog(KLOG_WARN, "pprof: collector unavailable", "collector", name, "reason",
		     err.msg, NULL);
		reply(r, 503, "%s\n", err.msg);
		return;
	}
	ret = take(&c, seconds, r);
	collector_stop(&c);
	/*
	 * Symbolizing took megabytes (ELF tables, caches) now freed, but in
	 * the one malloc arena serve uses (cmd_serve.c) freed chunks between
	 * live ones stay resident until trimmed: give them back now.
	 */
	malloc_trim(0);
	pthread_mutex_unlock(lock);
	if (ret) {
		klog(KLOG_WARN, "pprof: profile failed", "collector", name, "error", strerror(-ret),
		     NULL);
		reply(r, 500, "could not build the profile: %s\n", strerror(-ret));
	}
}
