// SPDX-License-Identifier: MIT
/* --web.config.file: parsing (good and hostile files) and bcrypt checks. */
#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "web_config.h"

static char hash_alice[128];

/* A real bcrypt hash of "wonderland", made with the system's crypt. */
static int make_hash(void **state)
{
	struct crypt_data data;
	char salt[64];

	(void)state;
	memset(&data, 0, sizeof(data));
	if (!crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)))
		return -1;
	snprintf(hash_alice, sizeof(hash_alice), "%s", crypt_r("wonderland", salt, &data));
	return strncmp(hash_alice, "$2b$04$", 7) ? -1 : 0;
}

static struct web_config *parse(const char *yaml, struct kprof_error *err)
{
	memset(err, 0, sizeof(*err));
	return web_config_parse(yaml, strlen(yaml), "/etc/kprof", err);
}

static void test_full_config(void **state)
{
	struct kprof_error err;
	struct web_config *c;
	char yaml[512];

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 "tls_server_config:\n"
		 "  cert_file: server.crt\n"
		 "  key_file: /abs/server.key\n"
		 "  client_auth_type: RequireAndVerifyClientCert\n"
		 "  client_ca_file: ca.crt\n"
		 "  min_version: TLS13\n"
		 "basic_auth_users:\n"
		 "  alice: '%s'\n",
		 hash_alice);
	c = parse(yaml, &err);
	if (!c)
		fail_msg("%s", err.msg);
	assert_true(c->tls);
	assert_string_equal(c->cert_file, "/etc/kprof/server.crt");
	assert_string_equal(c->key_file, "/abs/server.key");
	assert_string_equal(c->client_ca_file, "/etc/kprof/ca.crt");
	assert_int_equal(c->client_auth, WEB_CLIENT_AUTH_REQUIRE_VERIFY);
	assert_true(c->tls13_only);
	assert_int_equal(c->nusers, 1);
	assert_true(web_config_has_users(c));
	assert_true(web_config_check_password(c, "alice", "wonderland"));
	assert_true(web_config_check_password(c, "alice", "wonderland")); /* cached */
	assert_false(web_config_check_password(c, "alice", "wonderlanD"));
	assert_false(web_config_check_password(c, "alice", "wonderland "));
	assert_false(web_config_check_password(c, "alice", ""));
	assert_false(web_config_check_password(c, "bob", "wonderland"));
	assert_false(web_config_check_password(c, NULL, "wonderland"));
	web_config_free(c);
}

static void test_empty_and_auth_only(void **state)
{
	struct kprof_error err;
	struct web_config *c;

	(void)state;
	c = parse("", &err);
	assert_non_null(c);
	assert_false(c->tls);
	assert_false(web_config_has_users(c));
	web_config_free(c);
	c = parse("tls_server_config:\n  cert_file: a\n  key_file: b\n", &err);
	assert_non_null(c);
	assert_true(c->tls);
	assert_int_equal(c->client_auth, WEB_CLIENT_AUTH_NONE);
	web_config_free(c);
	web_config_free(NULL);
}

static void expect_refused(const char *yaml, const char *needle)
{
	struct kprof_error err;
	struct web_config *c = parse(yaml, &err);

	if (c) {
		web_config_free(c);
		fail_msg("accepted: %s", yaml);
	}
	if (!strstr(err.msg, needle))
		fail_msg("'%s' lacks '%s'", err.msg, needle);
}

static void test_bad_configs(void **state)
{
	(void)state;
	expect_refused("tls_server_config: [a, b]\n", "must be a mapping");
	expect_refused("tls_server_config:\n  cert_file: a\n", "both cert_file and key_file");
	expect_refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: x\n",
		       "'cipher_suites' is not supported");
	expect_refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  client_auth_type: Sometimes\n",
		       "unknown client_auth_type 'Sometimes'");
	expect_refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  client_auth_type: RequireAndVerifyClientCert\n",
		       "needs client_ca_file");
	expect_refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n",
		       "min_version 'SSL3'");
	expect_refused("basic_auth_users:\n  alice: plaintext\n", "not a bcrypt hash");
	expect_refused("basic_auth_users: alice\n", "must be a mapping");
	expect_refused("bogus: 1\n", "unknown key 'bogus'");
	expect_refused("- a\n- b\n", "must be a mapping");
	expect_refused("a: [unclosed\n", "bad YAML at line");
	expect_refused("tls_server_config:\n  cert_file: &x a\n  key_file: *y\n", "bad YAML");
	expect_refused("http_server_config:\n  headers: {}\n", "not supported");
}

static void test_load_errors(void **state)
{
	struct kprof_error err;

	(void)state;
	assert_null(web_config_load("/nonexistent/web.yml", &err));
	assert_non_null(strstr(err.msg, "cannot read the web config /nonexistent/web.yml"));
	assert_null(web_config_load("/dev/zero", &err));
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_null(web_config_load("/tmp", &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_empty_and_auth_only),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, make_hash, NULL);
}
