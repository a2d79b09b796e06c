/* SPDX-License-Identifier: MIT */
/*
 * GET /debug/pprof/profile?seconds=N (cpu) and /debug/pprof/offcpu?seconds=N,
 * the way Go services answer them, so Parca, Pyroscope and `go tool pprof
 * http://host:port/debug/pprof/profile` can pull a whole-host profile.
 */
#ifndef KPROF_SERVE_PPROF_H
#define KPROF_SERVE_PPROF_H

#include "http_server.h"
#include "serve.h"

/* Default window when ?seconds is absent, as Go's net/http/pprof. */
#define SERVE_PPROF_DEFAULT_S 30
/* Longest window: a request holds a connection thread and stack maps meanwhile. */
#define SERVE_PPROF_MAX_S 60

/* The collector a pprof path profiles ("cpu", "offcpu"), or NULL for other paths. */
const char *serve_pprof_collector(const char *path);

/*
 * Parses ?seconds (NULL: the default). Whole seconds 1..SERVE_PPROF_MAX_S;
 * 0 or -EINVAL.
 */
int serve_pprof_seconds(const char *arg, unsigned int *seconds);

/*
 * Starts the collector with serve's filters and frequency, waits, and
 * answers the gzipped profile; 400 for a bad ?seconds, 503 while another
 * profile of the same kind is being taken or the collector cannot start.
 */
void serve_pprof(struct serve *s, const struct http_request *req, struct http_response *r);

#endif /* KPROF_SERVE_PPROF_H */
