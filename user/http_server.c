// SPDX-License-Identifier: MIT
/*
 * libmicrohttpd in thread-per-connection mode: each connection has its own
 * thread, so a scrape that is slow to collect or a client slow to read never
 * delays another scrape. Bounded by a connection limit, an idle timeout and
 * a per-connection memory limit (request line + headers; larger requests get
 * 431 from libmicrohttpd).
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "gzip.h"
#include "http_negotiate.h"
#include "http_security.h"
#include "http_server.h"

#define LISTEN_BACKLOG 128

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_server_options opt;
	int listen_fd;
	int port;
	/* Responses queued and not yet completed: what a graceful stop waits for. */
	atomic_int in_flight;
};

/* Marks a connection's request as counted in in_flight. */
static int counted_marker;

int http_parse_listen_address(const char *addr, char *host, size_t hostlen, char *port,
			      size_t portlen, struct kprof_error *err)
{
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t hl;
	char *end;
	long p;

	if (!colon)
		goto bad;
	hl = (size_t)(colon - addr);
	if (hl && addr[0] == '[') {
		if (colon[-1] != ']')
			goto bad;
		h = addr + 1;
		hl -= 2;
	} else if (memchr(addr, ':', hl)) {
		goto bad; /* an IPv6 address needs brackets */
	}
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535 || hl >= hostlen ||
	    strlen(colon + 1) >= portlen)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = 0;
	strcpy(port, colon + 1);
	return 0;
bad:
	snprintf(err->msg, sizeof(err->msg),
		 "bad --web.listen-address '%s': expected HOST:PORT, :PORT or [IPv6]:PORT", addr);
	return -EINVAL;
}

static int bind_one(const struct addrinfo *ai)
{
	int one = 1, zero = 0, fd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* ":PORT" binds [::] and serves IPv4 too, as Go's net.Listen does. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, LISTEN_BACKLOG)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* The listening socket, or -errno with err filled. */
static int listen_on(const char *addr, int *bound_port, struct kprof_error *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_ADDRCONFIG};
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16];
	int fd = -EADDRNOTAVAIL, gai;

	if (http_parse_listen_address(addr, host, sizeof(host), port, sizeof(port), err))
		return -EINVAL;
	if (!*host)
		hints.ai_family = AF_INET6;
	gai = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (gai && !*host) { /* no IPv6 on this host: every IPv4 address */
		hints.ai_family = AF_INET;
		gai = getaddrinfo(NULL, port, &hints, &res);
	}
	if (gai) {
		snprintf(err->msg, sizeof(err->msg), "cannot resolve --web.listen-address '%s': %s",
			 addr, gai_strerror(gai));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = bind_one(ai);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot listen on %s: %s%s", addr,
			 strerror(-fd),
			 fd == -EADDRINUSE ? "; another process holds the port, choose another "
					     "with --web.listen-address"
					   : "");
		return fd;
	}
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		*bound_port =
			ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void drop_body(struct http_response *r)
{
	if (r->release)
		r->release(r->release_ctx);
	else
		free(r->body);
	r->body = NULL;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct http_response *r, bool gzip)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (gzip && r->compressible && !r->gzipped && !r->release) {
		void *z;
		size_t zlen;

		if (!gzip_compress(r->body, r->len, &z, &zlen)) {
			free(r->body);
			r->body = z;
			r->len = zlen;
			r->gzipped = true;
		}
	}
	if (r->release)
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			r->len, r->body, r->release, r->release_ctx);
	else
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		drop_body(r);
		return MHD_NO;
	}
	r->body = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->compressible)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (r->gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_request req = {.method = method, .path = url};
	struct http_response resp = {0};
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	/*
	 * The first call only announces the request (headers read). Answering
	 * on the second lets libmicrohttpd keep the connection alive for the
	 * next scrape. Other methods are answered at once (405 or 404) without
	 * reading a body (kprof takes none), and the connection is closed.
	 */
	if (!*con_cls) {
		*con_cls = &counted_marker;
		atomic_fetch_add(&s->in_flight, 1);
		if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
			return MHD_YES;
	} else if (*upload_data_size) {
		*upload_data_size = 0; /* a GET with a body: ignored, never stored */
		return MHD_YES;
	}
	/* --web.config.file: client certificate, then basic auth (http_security.c). */
	switch (http_security_check(s->opt.security, c)) {
	case HTTP_SECURITY_REFUSE:
		return MHD_NO;
	case HTTP_SECURITY_UNAUTHORIZED:
		return http_security_queue_401(c);
	case HTTP_SECURITY_OK:
		break;
	}
	req.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	req.accept_encoding =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	req.seconds = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds");
	s->opt.handler(s->opt.ctx, &req, &resp);
	if (!resp.body)
		return MHD_NO; /* out of memory: close the connection */
	ret = queue(c, &resp, http_accepts_gzip(req.accept_encoding));
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;

	(void)c;
	(void)toe;
	if (*con_cls == &counted_marker) {
		atomic_fetch_sub(&s->in_flight, 1);
		*con_cls = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = 0;
	s->opt.log(s->opt.ctx, msg);
}

struct http_server *http_server_start(const struct http_server_options *o, struct kprof_error *err)
{
	struct http_server *s = calloc(1, sizeof(*s));
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_POLL | MHD_USE_ITC;

	if (!s) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	s->opt = *o;
	s->listen_fd = listen_on(o->listen_address, &s->port, err);
	if (s->listen_fd < 0) {
		free(s);
		return NULL;
	}
	if (o->log)
		flags |= MHD_USE_ERROR_LOG;
	flags |= http_security_flags(o->security);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
				     s->listen_fd, MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
				     MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->max_request_bytes,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_ARRAY,
				     http_security_options(o->security), MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err->msg, sizeof(err->msg),
			 "libmicrohttpd could not start serving on %s (out of threads or memory?)",
			 o->listen_address);
		close(s->listen_fd);
		free(s);
		return NULL;
	}
	return s;
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void http_server_stop(struct http_server *s, double drain_s)
{
	double end = now_s() + drain_s;
	MHD_socket fd;

	if (!s)
		return;
	/* New connections are refused from here on; open ones go on. */
	fd = MHD_quiesce_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while (atomic_load(&s->in_flight) > 0 && now_s() < end) {
		struct timespec ts = {0, 5 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(s->daemon);
	free(s);
}
