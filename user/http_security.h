/* SPDX-License-Identifier: MIT */
/*
 * TLS and basic auth of `kprof serve`, from --web.config.file (the
 * exporter-toolkit format parsed by user/web_config.c), for libmicrohttpd:
 * the flags and options its daemon starts with, and the check of each
 * request (client certificate, then user and password).
 */
#ifndef KPROF_HTTP_SECURITY_H
#define KPROF_HTTP_SECURITY_H

#include <microhttpd.h>
#include "collector.h"
#include "web_config.h"

/* Certificate, key and CA files are read once, at most this large each. */
#define HTTP_SECURITY_MAX_PEM (1 << 20)

struct http_security;

/*
 * Reads the files the config names and checks that they load (the key
 * matches the certificate, the CA file holds certificates). Takes
 * ownership of wc. NULL with one sentence in err.
 */
struct http_security *http_security_new(struct web_config *wc, struct kprof_error *err);
void http_security_free(struct http_security *sec);

/* Extra MHD_start_daemon flags (MHD_USE_TLS); 0 for NULL. */
unsigned int http_security_flags(const struct http_security *sec);
/* For MHD_OPTION_ARRAY: the TLS options, ending with MHD_OPTION_END; NULL is fine. */
struct MHD_OptionItem *http_security_options(struct http_security *sec);

enum http_security_verdict {
	HTTP_SECURITY_OK,
	HTTP_SECURITY_UNAUTHORIZED, /* answer http_security_queue_401() */
	HTTP_SECURITY_REFUSE,	    /* no or bad client certificate: close the connection */
};

/* The verdict on a request of connection c; NULL sec lets everything in. */
enum http_security_verdict http_security_check(struct http_security *sec, struct MHD_Connection *c);
/* 401 with WWW-Authenticate: Basic realm="kprof". */
enum MHD_Result http_security_queue_401(struct MHD_Connection *c);

#endif /* KPROF_HTTP_SECURITY_H */
