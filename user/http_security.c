// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include "http_security.h"

struct http_security {
	struct web_config *wc;
	char *cert, *key, *ca; /* PEM text, NUL-terminated */
	struct MHD_OptionItem opts[5];
};

static void *fail(struct kprof_error *err, const char *fmt, const char *a, const char *b)
{
	snprintf(err->msg, sizeof(err->msg), fmt, a, b);
	return NULL;
}

/* The whole file, NUL-terminated, at most HTTP_SECURITY_MAX_PEM bytes; NULL with err. */
static char *read_pem(const char *key, const char *path, struct kprof_error *err)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err->msg, sizeof(err->msg),
			 "cannot read tls_server_config %s '%.200s': %s", key, path,
			 strerror(errno));
		return NULL;
	}
	buf = malloc(HTTP_SECURITY_MAX_PEM + 1);
	if (!buf) {
		fclose(f);
		return fail(err, "out of memory%s%s", "", "");
	}
	n = fread(buf, 1, HTTP_SECURITY_MAX_PEM + 1, f);
	fclose(f);
	if (n == 0 || n > HTTP_SECURITY_MAX_PEM) {
		free(buf);
		snprintf(err->msg, sizeof(err->msg), "tls_server_config %s '%.200s' is %s", key,
			 path, n ? "larger than 1 MiB" : "empty");
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* What MHD would only report as "could not start": checked here, in words. */
static int check_pems(struct http_security *s, struct kprof_error *err)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = {(unsigned char *)s->cert, (unsigned int)strlen(s->cert)};
	gnutls_datum_t key = {(unsigned char *)s->key, (unsigned int)strlen(s->key)};
	int ret;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		fail(err, "out of memory%s%s", "", "");
		return -ENOMEM;
	}
	ret = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		fail(err,
		     "tls_server_config: cert_file and key_file do not load as a PEM "
		     "certificate and its key (%s)%s",
		     gnutls_strerror(ret), "");
		goto out_free;
	}
	if (s->ca) {
		gnutls_datum_t ca = {(unsigned char *)s->ca, (unsigned int)strlen(s->ca)};

		ret = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			fail(err, "tls_server_config: client_ca_file holds no PEM certificate%s%s",
			     ret < 0 ? ": " : "", ret < 0 ? gnutls_strerror(ret) : "");
			ret = -EINVAL;
			goto out_free;
		}
	}
	ret = 0;
out_free:
	gnutls_certificate_free_credentials(cred);
	return ret < 0 ? -EINVAL : 0;
}

struct http_security *http_security_new(struct web_config *wc, struct kprof_error *err)
{
	struct http_security *s = calloc(1, sizeof(*s));
	int i = 0;

	if (!s) {
		web_config_free(wc);
		return fail(err, "out of memory%s%s", "", "");
	}
	s->wc = wc;
	if (wc->tls) {
		/* libmicrohttpd asks for a client certificate only when it has a CA. */
		if (wc->client_auth == WEB_CLIENT_AUTH_REQUIRE_ANY && !wc->client_ca_file) {
			fail(err,
			     "client_auth_type RequireAnyClientCert needs client_ca_file in "
			     "kprof%s%s",
			     "", "");
			goto out_free;
		}
		s->cert = read_pem("cert_file", wc->cert_file, err);
		s->key = s->cert ? read_pem("key_file", wc->key_file, err) : NULL;
		if (!s->key)
			goto out_free;
		if (wc->client_ca_file && wc->client_auth != WEB_CLIENT_AUTH_NONE) {
			s->ca = read_pem("client_ca_file", wc->client_ca_file, err);
			if (!s->ca)
				goto out_free;
		}
		if (check_pems(s, err))
			goto out_free;
		s->opts[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert};
		s->opts[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key};
		if (s->ca)
			s->opts[i++] =
				(struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, s->ca};
		/* exporter-toolkit's default minimum is TLS 1.2. */
		s->opts[i++] = (struct MHD_OptionItem){
			MHD_OPTION_HTTPS_PRIORITIES, 0,
			wc->tls13_only ? "NORMAL:-VERS-ALL:+VERS-TLS1.3"
				       : "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
	}
	s->opts[i] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	return s;
out_free:
	http_security_free(s);
	return NULL;
}

void http_security_free(struct http_security *s)
{
	if (!s)
		return;
	web_config_free(s->wc);
	free(s->cert);
	if (s->key) {
		explicit_bzero(s->key, strlen(s->key));
		free(s->key);
	}
	free(s->ca);
	free(s);
}

unsigned int http_security_flags(const struct http_security *s)
{
	return s && s->wc->tls ? MHD_USE_TLS : 0;
}

struct MHD_OptionItem *http_security_options(struct http_security *s)
{
	static struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};

	return s ? s->opts : none;
}

/* The client certificate against client_auth_type. */
static bool client_cert_ok(struct http_security *s, struct MHD_Connection *c)
{
	enum web_client_auth auth = s->wc->client_auth;
	const union MHD_ConnectionInfo *info;
	gnutls_session_t session;
	unsigned int n = 0, status = 0;

	if (!s->wc->tls || auth == WEB_CLIENT_AUTH_NONE || auth == WEB_CLIENT_AUTH_REQUEST)
		return true;
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!info || !info->tls_session)
		return false;
	session = (gnutls_session_t)info->tls_session;
	if (!gnutls_certificate_get_peers(session, &n) || !n)
		return auth == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN;
	if (auth == WEB_CLIENT_AUTH_REQUIRE_ANY)
		return true;
	/* Chain to client_ca_file, validity dates, signature: all in status. */
	return gnutls_certificate_verify_peers2(session, &status) == 0 && status == 0;
}

enum http_security_verdict http_security_check(struct http_security *s, struct MHD_Connection *c)
{
	char *user, *pass = NULL;
	bool ok;

	if (!s)
		return HTTP_SECURITY_OK;
	if (!client_cert_ok(s, c))
		return HTTP_SECURITY_REFUSE;
	if (!web_config_has_users(s->wc))
		return HTTP_SECURITY_OK;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && web_config_check_password(s->wc, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok ? HTTP_SECURITY_OK : HTTP_SECURITY_UNAUTHORIZED;
}

enum MHD_Result http_security_queue_401(struct MHD_Connection *c)
{
	static const char body[] = "Unauthorized\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = MHD_queue_basic_auth_fail_response(c, "kprof", r);
	MHD_destroy_response(r);
	return ret;
}
