// SPDX-License-Identifier: MIT
/* `kprof serve` without a kernel: flags, negotiation, gzip, logs, routing, health. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "cli_serve.h"
#include "gzip.h"
#include "http_negotiate.h"
#include "http_server.h"
#include "log.h"
#include "serve.h"

static void test_negotiate_format(void **state)
{
	(void)state;
	/* What Prometheus 2.42 sends. */
	assert_int_equal(http_negotiate_format("application/openmetrics-text;version=1.0.0,"
					       "application/openmetrics-text;version=0.0.1;q=0.75,"
					       "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			 PROM_OPENMETRICS_1_0);
	assert_int_equal(http_negotiate_format(NULL), PROM_TEXT_0_0_4);
	assert_int_equal(http_negotiate_format(""), PROM_TEXT_0_0_4);
	assert_int_equal(http_negotiate_format("*/*"), PROM_TEXT_0_0_4);
	assert_int_equal(http_negotiate_format("text/plain"), PROM_TEXT_0_0_4);
	assert_int_equal(http_negotiate_format("application/openmetrics-text"),
			 PROM_OPENMETRICS_1_0);
	assert_int_equal(http_negotiate_format(" Application/OpenMetrics-Text ; version=\"1.0.0\""),
			 PROM_OPENMETRICS_1_0);
	/* Only a version kprof does not write: text. */
	assert_int_equal(http_negotiate_format("application/openmetrics-text;version=0.0.1"),
			 PROM_TEXT_0_0_4);
	/* Ranked lower than text: text. */
	assert_int_equal(http_negotiate_format("application/openmetrics-text;q=0.2,text/plain"),
			 PROM_TEXT_0_0_4);
	assert_int_equal(http_negotiate_format("application/openmetrics-text;q=0,*/*;q=0.1"),
			 PROM_TEXT_0_0_4);
	/* Garbage never crashes and means text. */
	assert_int_equal(http_negotiate_format(";;,,;q=;=,application/openmetrics-text;q=abc"),
			 PROM_TEXT_0_0_4);
	{
		char big[10000];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		assert_int_equal(http_negotiate_format(big), PROM_TEXT_0_0_4);
	}
}

static void test_accepts_gzip(void **state)
{
	(void)state;
	assert_true(http_accepts_gzip("gzip"));
	assert_true(http_accepts_gzip("deflate, gzip;q=1.0, *;q=0.5"));
	assert_true(http_accepts_gzip("x-gzip"));
	assert_true(http_accepts_gzip("*"));
	assert_true(http_accepts_gzip("GZIP"));
	assert_false(http_accepts_gzip(NULL));
	assert_false(http_accepts_gzip(""));
	assert_false(http_accepts_gzip("identity"));
	assert_false(http_accepts_gzip("gzip;q=0"));
	assert_false(http_accepts_gzip("gzip;q=0, *"));
	assert_false(http_accepts_gzip("br"));
}

static void test_gzip_round_trip(void **state)
{
	char in[20000], back[20000];
	uLongf blen = sizeof(back);
	z_stream zs = {0};
	size_t zlen;
	void *z;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = "kprof_syscall_latency_seconds_bucket 42\n"[i % 40];
	assert_int_equal(gzip_compress(in, sizeof(in), &z, &zlen), 0);
	assert_true(zlen < sizeof(in) / 10);
	assert_int_equal(((unsigned char *)z)[0], 0x1f); /* gzip magic */
	assert_int_equal(((unsigned char *)z)[1], 0x8b);
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = z;
	zs.avail_in = (uInt)zlen;
	zs.next_out = (Bytef *)back;
	zs.avail_out = (uInt)blen;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, sizeof(in));
	assert_memory_equal(in, back, sizeof(in));
	inflateEnd(&zs);
	free(z);
	assert_int_equal(gzip_compress("", 0, &z, &zlen), 0);
	free(z);
}

static void test_listen_address(void **state)
{
	struct kprof_error err;
	char host[64], port[16];

	(void)state;
	assert_int_equal(http_parse_listen_address(":19434", host, 64, port, 16, &err), 0);
	assert_string_equal(host, "");
	assert_string_equal(port, "19434");
	assert_int_equal(http_parse_listen_address("127.0.0.1:80", host, 64, port, 16, &err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(http_parse_listen_address("[::1]:9", host, 64, port, 16, &err), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "9");
	assert_int_equal(http_parse_listen_address("localhost:0", host, 64, port, 16, &err), 0);
	assert_string_equal(host, "localhost");
	const char *bad[] = {"19434", ":", ":65536", ":-1", "::1:80", "[::1:80", ":80x", "h:", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (http_parse_listen_address(bad[i], host, 64, port, 16, &err) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err.msg, "bad --web.listen-address"));
	}
}

static enum cli_result parse(struct serve_config *c, struct kprof_error *err, ...)
{
	char *argv[32] = {"serve"};
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	serve_config_defaults(c);
	memset(err, 0, sizeof(*err));
	return cli_parse_serve(argc, argv, c, err);
}

static void test_flags(void **state)
{
	struct serve_config c;
	struct kprof_error err;

	(void)state;
	assert_int_equal(parse(&c, &err, NULL), CLI_OK);
	assert_string_equal(c.listen_address, SERVE_DEFAULT_ADDRESS);
	assert_string_equal(c.telemetry_path, "/metrics");
	assert_true(c.bpf_stats);
	assert_int_equal(c.prom.min_index, -80);
	assert_int_equal(c.prom.max_index, 32);
	assert_int_equal(c.prom.step, 4);
	assert_int_equal(parse(&c, &err, "--web.listen-address", "127.0.0.1:0",
			       "--web.telemetry-path=/m", "--collectors", "syscall",
			       "--no-bpf-stats", "--histogram.min", "1ms", "--histogram.max", "10s",
			       "--histogram.resolution", "2", "--log.level", "debug",
			       "--log.format", "json", "--web.max-connections", "5",
			       "--web.timeout", "3s", "-F", "49", "--tcp-by", "rport", NULL),
			 CLI_OK);
	assert_string_equal(c.listen_address, "127.0.0.1:0");
	assert_string_equal(c.telemetry_path, "/m");
	assert_int_equal(c.kcfg.ncollectors, 1);
	assert_false(c.bpf_stats);
	assert_int_equal(c.prom.min_index, -40);
	assert_int_equal(c.prom.max_index, 14);
	assert_int_equal(c.prom.step, 2);
	assert_int_equal(c.log_level, KLOG_DEBUG);
	assert_int_equal(c.log_format, KLOG_JSON);
	assert_int_equal(c.max_connections, 5);
	assert_int_equal(c.timeout_s, 3);
	assert_int_equal(c.kcfg.frequency_hz, 49);
	assert_int_equal(c.kcfg.tcp_by, TCP_BY_RPORT);

	const char *bad[][3] = {
		{"--web.listen-address", "19434", "bad --web.listen-address"},
		{"--web.telemetry-path", "metrics", "bad --web.telemetry-path"},
		{"--web.telemetry-path", "/healthz", "bad --web.telemetry-path"},
		{"--web.telemetry-path", "/", "bad --web.telemetry-path"},
		{"--web.max-connections", "0", "bad --web.max-connections"},
		{"--web.timeout", "0s", "bad --web.timeout"},
		{"--collectors", "nosuch", "unknown collector"},
		{"--histogram.min", "soon", "bad histogram bound"},
		{"--histogram.max", "1us", "--histogram.min"},
		{"--histogram.max", "10000s", "exact range"},
		{"--histogram.resolution", "3", "bad --histogram.resolution"},
		{"--log.level", "loud", "bad --log.level"},
		{"--log.format", "xml", "bad --log.format"},
		{"--frequency", "0", "bad --frequency"},
		{"--bogus", NULL, "unknown option"},
		{"stray", NULL, "unexpected argument"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&c, &err, bad[i][0], bad[i][1], NULL) != CLI_ERROR)
			fail_msg("%s %s accepted", bad[i][0], bad[i][1]);
		if (!strstr(err.msg, bad[i][2]))
			fail_msg("%s: '%s' lacks '%s'", bad[i][0], err.msg, bad[i][2]);
		assert_null(strchr(err.msg, '\n'));
	}
}

static void test_log_lines(void **state)
{
	const char *kv[] = {"collector", "syscall", "reason", "no \"tracepoint\"\nhere"};
	char buf[512];
	size_t n;

	(void)state;
	n = klog_format_line(buf, sizeof(buf), KLOG_LOGFMT, "2026-01-01T00:00:00.000Z", KLOG_WARN,
			     "collector unavailable", kv, 4);
	buf[n] = 0;
	assert_string_equal(
		buf, "time=2026-01-01T00:00:00.000Z level=warn msg=\"collector "
		     "unavailable\" collector=syscall reason=\"no \\\"tracepoint\\\"\\nhere\"\n");
	n = klog_format_line(buf, sizeof(buf), KLOG_JSON, "T", KLOG_ERROR, "x", kv, 4);
	buf[n] = 0;
	assert_string_equal(buf, "{\"time\":\"T\",\"level\":\"error\",\"msg\":\"x\",\"collector\":"
				 "\"syscall\",\"reason\":\"no \\\"tracepoint\\\"\\nhere\"}\n");
	/* A line that does not fit is cut, still one line. */
	n = klog_format_line(buf, 40, KLOG_LOGFMT, "T", KLOG_INFO, "a long message here", kv, 4);
	assert_int_equal(n, 40);
	assert_int_equal(buf[39], '\n');
	assert_null(memchr(buf, '\n', 39));
}

/* A serve whose only collector failed: /healthz 503, /metrics still serves. */
static void test_routes_without_collectors(void **state)
{
	struct serve_config cfg;
	struct serve s;
	struct http_response r;
	struct http_request req = {.method = "GET", .path = "/healthz"};

	(void)state;
	klog_setup(KLOG_ERROR, KLOG_LOGFMT, 2);
	serve_config_defaults(&cfg);
	memset(&s, 0, sizeof(s));
	s.cfg = &cfg;
	s.bpf_stats_fd = -1;
	pthread_mutex_init(&s.collect_lock, NULL);
	scrape_share_init(&s.scrapes);
	s.attempts[0].desc = collector_find("syscall");
	snprintf(s.attempts[0].why, sizeof(s.attempts[0].why), "this kernel has no tracepoint x");
	s.nattempts = 1;

	memset(&r, 0, sizeof(r));
	serve_handle(&s, &req, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "syscall: this kernel has no tracepoint x"));
	free(r.body);

	req.path = "/metrics";
	memset(&r, 0, sizeof(r));
	serve_handle(&s, &req, &r);
	assert_int_equal(r.status, 200);
	assert_true(r.compressible);
	assert_string_equal(r.content_type, PROM_CONTENT_TYPE_TEXT);
	assert_non_null(strstr(r.body, "\nkprof_collector_up{collector=\"syscall\"} 0\n"));
	assert_non_null(strstr(r.body, "\nprocess_resident_memory_bytes "));
	assert_non_null(strstr(r.body, "\nprocess_open_fds "));
	assert_non_null(strstr(r.body, "\nkprof_build_info{version="));
	/* A shared exposition: released, not freed. */
	assert_non_null(r.release);
	r.release(r.release_ctx);

	req.accept = "application/openmetrics-text; version=1.0.0";
	memset(&r, 0, sizeof(r));
	serve_handle(&s, &req, &r);
	assert_string_equal(r.content_type, PROM_CONTENT_TYPE_OPENMETRICS);
	assert_non_null(strstr(r.body, "\n# TYPE process_cpu_seconds counter\n"));
	r.release(r.release_ctx);

	req.path = "/";
	memset(&r, 0, sizeof(r));
	serve_handle(&s, &req, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<a href=\"/metrics\">"));
	free(r.body);

	req.path = "/nope";
	memset(&r, 0, sizeof(r));
	serve_handle(&s, &req, &r);
	assert_int_equal(r.status, 404);
	free(r.body);

	req.path = "/metrics";
	req.method = "POST";
	memset(&r, 0, sizeof(r));
	serve_handle(&s, &req, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	free(r.body);
	pthread_mutex_destroy(&s.collect_lock);
	scrape_share_destroy(&s.scrapes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_format),
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test(test_gzip_round_trip),
		cmocka_unit_test(test_listen_address),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_log_lines),
		cmocka_unit_test(test_routes_without_collectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
