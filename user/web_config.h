/* SPDX-License-Identifier: MIT */
/*
 * --web.config.file in the Prometheus exporter-toolkit format: TLS server
 * settings and basic-auth users with bcrypt hashes. The file is parsed with
 * libyaml; unknown keys are refused, as exporter-toolkit refuses them.
 */
#ifndef KPROF_WEB_CONFIG_H
#define KPROF_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "collector.h"

#define WEB_CONFIG_MAX_BYTES (1 << 20)
#define WEB_CONFIG_MAX_USERS 1024

enum web_client_auth {
	WEB_CLIENT_AUTH_NONE,		 /* NoClientCert */
	WEB_CLIENT_AUTH_REQUEST,	 /* RequestClientCert */
	WEB_CLIENT_AUTH_REQUIRE_ANY,	 /* RequireAnyClientCert */
	WEB_CLIENT_AUTH_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
	WEB_CLIENT_AUTH_REQUIRE_VERIFY,	 /* RequireAndVerifyClientCert */
};

struct web_user {
	char *name;
	char *hash; /* bcrypt ($2a$, $2b$, $2y$) */
};

struct web_config {
	bool tls;
	char *cert_file, *key_file, *client_ca_file; /* absolute, or relative to cwd */
	enum web_client_auth client_auth;
	bool tls13_only; /* min_version: TLS13 */
	struct web_user *users;
	size_t nusers;
	/* Recently verified (user, password) pairs: bcrypt is slow on purpose. */
	struct web_auth_cache *cache;
};

/* Parses path; NULL with err filled (one sentence naming the file and key). */
struct web_config *web_config_load(const char *path, struct kprof_error *err);
/* The same from a buffer; relative file names are relative to dir. */
struct web_config *web_config_parse(const char *yaml, size_t len, const char *dir,
				    struct kprof_error *err);
void web_config_free(struct web_config *c);

/* Whether basic auth is required at all. */
static inline bool web_config_has_users(const struct web_config *c)
{
	return c && c->nusers > 0;
}

/*
 * Checks a user and password against the bcrypt hashes with the system's
 * crypt(3). Unknown users cost a bcrypt too, so timing does not tell which
 * users exist. Thread-safe.
 */
bool web_config_check_password(struct web_config *c, const char *user, const char *password);

#endif /* KPROF_WEB_CONFIG_H */
