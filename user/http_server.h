/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of `kprof serve`, on libmicrohttpd: listening, limits,
 * timeouts, gzip, graceful stop. It knows nothing about metrics: a handler
 * maps a request to a response. TLS and basic auth (user/web_config.h) plug
 * into http_server.c at the two places marked there.
 */
#ifndef KPROF_HTTP_SERVER_H
#define KPROF_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include "collector.h"

struct http_security;

struct http_request {
	const char *method;
	const char *path;
	const char *accept;	     /* NULL when absent */
	const char *accept_encoding; /* NULL when absent */
	const char *seconds;	     /* query argument ?seconds=N (pprof), NULL when absent */
};

struct http_response {
	unsigned int status;
	const char *content_type;
	char *body; /* malloc'ed; the server frees it (unless release is set) */
	size_t len;
	bool compressible; /* gzip when the client allows it */
	bool gzipped;	   /* body is gzip already (the handler saw Accept-Encoding) */
	const char *allow; /* Allow header (405) or NULL */
	/* Set: body is shared, not freed; release(release_ctx) once it is sent. */
	void (*release)(void *release_ctx);
	void *release_ctx;
};

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_response *resp);
typedef void (*http_log_fn)(void *ctx, const char *msg);

struct http_server_options {
	const char *listen_address; /* ":PORT", "HOST:PORT", "[V6]:PORT" */
	unsigned int max_connections;
	unsigned int timeout_s;	  /* idle time after which a connection is closed */
	size_t max_request_bytes; /* request line and headers of one request */
	http_handler_fn handler;
	http_log_fn log; /* libmicrohttpd's own messages; may be NULL */
	void *ctx;
	struct http_security *security; /* TLS and basic auth; NULL: plain HTTP, open */
};

struct http_server;

/*
 * Splits a listen address into host ("" for every address) and port.
 * 0, or -EINVAL with err filled.
 */
int http_parse_listen_address(const char *addr, char *host, size_t hostlen, char *port,
			      size_t portlen, struct kprof_error *err);

/* Binds and starts serving; NULL with err filled. */
struct http_server *http_server_start(const struct http_server_options *o, struct kprof_error *err);
/* The port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
/*
 * Stops accepting at once, lets requests in flight finish for up to
 * drain_s seconds, then closes every connection and frees s.
 */
void http_server_stop(struct http_server *s, double drain_s);

#endif /* KPROF_HTTP_SERVER_H */
