// SPDX-License-Identifier: MIT
/* Prometheus exposition: exact bytes, cumulative buckets, escaping, promtool. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "hist.h"
#include "sink_prometheus.h"

static void add_ns(struct kprof_hist *h, __u64 ns)
{
	h->slots[hist_slot_of_ns(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* A model with one histogram, one counter with awkward labels and a gauge. */
static struct model *sample_model(void)
{
	static const char *const hl[] = {"syscall"};
	static const char *const cl[] = {"syscall", "errno"};
	const char *read_v[] = {"read"};
	const char *odd_v[] = {"a\"b\\c\nd", "bad\xff utf8 \xc3\xa9"};
	struct model *m = model_new();
	struct family *f;
	struct series *s;

	assert_non_null(m);
	f = model_family(m, "syscall", "kprof_syscall_latency_seconds",
			 "Time from syscall entry to exit, per syscall.", FAMILY_HISTOGRAM, 1, hl);
	assert_non_null(f);
	s = family_series(f, read_v);
	assert_non_null(s);
	add_ns(s->hist, 0);
	add_ns(s->hist, 500);
	add_ns(s->hist, 1000000);	   /* 1 ms: in le=2^-9 = 1.953125 ms */
	add_ns(s->hist, 3000000000ULL);	   /* 3 s: in le=4 */
	add_ns(s->hist, 5000000000000ULL); /* 5000 s: only in +Inf */
	assert_non_null(model_counter_add(m, "syscall", "kprof_syscall_errors_total",
					  "Errors with a \\ and a\nnewline.", 2, cl, odd_v, 7));
	f = model_family(m, "kprof", "kprof_build_info", "Build.", FAMILY_GAUGE, 0, NULL);
	assert_non_null(f);
	s = family_series(f, NULL);
	assert_non_null(s);
	s->value = 1;
	return m;
}

static char *render(const struct model *m, const struct prom_options *o, enum prom_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(prom_write(m, o, fmt, out), 0);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void expect_line(const char *text, const char *line)
{
	char *want;

	assert_true(asprintf(&want, "\n%s\n", line) > 0);
	if (!strstr(text, want))
		fail_msg("missing line '%s' in:\n%s", line, text);
	free(want);
}

static void test_text_format(void **state)
{
	struct prom_options o;
	struct model *m = sample_model();
	char *text;

	(void)state;
	prom_options_default(&o);
	text = render(m, &o, PROM_TEXT_0_0_4);
	assert_true(!strncmp(text, "# HELP kprof_syscall_latency_seconds Time from syscall", 54));
	expect_line(text, "# TYPE kprof_syscall_latency_seconds histogram");
	/* 2^-20 s holds the zero bucket and 500 ns. */
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"9."
			  "5367431640625e-07\"} 2");
	expect_line(text,
		    "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"0.0009765625\"} 2");
	expect_line(text,
		    "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"0.001953125\"} 3");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"2\"} 3");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"4\"} 4");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"256\"} 4");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"+Inf\"} 5");
	expect_line(text, "kprof_syscall_latency_seconds_sum{syscall=\"read\"} 5003.0010005");
	expect_line(text, "kprof_syscall_latency_seconds_count{syscall=\"read\"} 5");
	/* 29 bounds from 2^-20 to 2^8, then +Inf. */
	{
		int n = 0;

		for (const char *p = text; (p = strstr(p, "_bucket{")); p++)
			n++;
		assert_int_equal(n, 30);
	}
	/* Help: backslash and newline escaped; labels: quote too; bad UTF-8 replaced. */
	expect_line(text, "# HELP kprof_syscall_errors_total Errors with a \\\\ and a\\nnewline.");
	expect_line(text, "# TYPE kprof_syscall_errors_total counter");
	expect_line(text, "kprof_syscall_errors_total{syscall=\"a\\\"b\\\\c\\nd\",errno="
			  "\"bad\xef\xbf\xbd utf8 \xc3\xa9\"} 7");
	expect_line(text, "# TYPE kprof_build_info gauge");
	expect_line(text, "kprof_build_info 1");
	assert_null(strstr(text, "# EOF"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	model_free(m);
}

static void test_openmetrics_format(void **state)
{
	struct prom_options o;
	struct model *m = sample_model();
	char *text;
	size_t n;

	(void)state;
	prom_options_default(&o);
	text = render(m, &o, PROM_OPENMETRICS_1_0);
	/* Counter family named without _total, sample with it. */
	expect_line(text, "# TYPE kprof_syscall_errors counter");
	expect_line(text, "# HELP kprof_syscall_errors Errors with a \\\\ and a\\nnewline.");
	expect_line(text, "kprof_syscall_errors_total{syscall=\"a\\\"b\\\\c\\nd\",errno="
			  "\"bad\xef\xbf\xbd utf8 \xc3\xa9\"} 7");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"+Inf\"} 5");
	n = strlen(text);
	assert_true(n > 6 && !strcmp(text + n - 6, "# EOF\n"));
	free(text);
	model_free(m);
}

static void test_resolution_and_range(void **state)
{
	struct kprof_error err;
	struct prom_options o;
	struct model *m = sample_model();
	char *text;

	(void)state;
	prom_options_default(&o);
	/* 1 ms rounds down to 2^-10, 3 s up to 4 s; two buckets per power of two. */
	assert_int_equal(prom_options_set(&o, 0.001, 3, 2, &err), 0);
	assert_int_equal(o.min_index, -40);
	assert_int_equal(o.max_index, 8);
	assert_int_equal(o.step, 2);
	text = render(m, &o, PROM_TEXT_0_0_4);
	expect_line(text,
		    "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"0.0009765625\"} 2");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"0."
			  "0013810679320049757\"} 3");
	expect_line(text, "kprof_syscall_latency_seconds_bucket{syscall=\"read\",le=\"4\"} 4");
	assert_null(strstr(text, "le=\"8\""));
	free(text);
	/* A bound that is exactly a power of two stays. */
	assert_int_equal(prom_options_set(&o, 0.5, 2, 1, &err), 0);
	assert_int_equal(o.min_index, -4);
	assert_int_equal(o.max_index, 4);
	assert_int_equal(prom_options_set(&o, 1, 1, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--histogram.min"));
	assert_int_equal(prom_options_set(&o, 0, 1, 1, &err), -EINVAL);
	assert_int_equal(prom_options_set(&o, 1e-3, 1e6, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "exact range"));
	assert_int_equal(prom_options_set(&o, 1e-12, 1, 1, &err), -EINVAL);
	assert_int_equal(prom_options_set(&o, 1e-3, 1, 3, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--histogram.resolution"));
	model_free(m);
}

static void test_format_double(void **state)
{
	char buf[40];

	(void)state;
	prom_format_double(1, buf, sizeof(buf));
	assert_string_equal(buf, "1");
	prom_format_double(0.1, buf, sizeof(buf));
	assert_string_equal(buf, "0.1");
	prom_format_double(12345678901234.0, buf, sizeof(buf));
	assert_string_equal(buf, "12345678901234");
	prom_format_double(1.0 / 0.0, buf, sizeof(buf));
	assert_string_equal(buf, "+Inf");
	prom_format_double(-1.0 / 0.0, buf, sizeof(buf));
	assert_string_equal(buf, "-Inf");
	prom_format_double(0.0 / 0.0, buf, sizeof(buf));
	assert_string_equal(buf, "NaN");
}

/* The definition prom_format_double implements faster: the shortest %g that reads back. */
static void reference_double(double v, char *buf, size_t len)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void test_format_double_matches_definition(void **state)
{
	static const double fixed[] = {
		0.0,  -0.0,  0.3,    0.1 + 0.2, 1e-9, 123.456, 2e15 + 0.5, 9007199254740992.0,
		1e16, 1e300, 5e-324, 1e-310,	-7.25};
	char got[40], want[40];
	unsigned long long x = 88172645463325252ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		prom_format_double(fixed[i], got, sizeof(got));
		reference_double(fixed[i], want, sizeof(want));
		assert_string_equal(got, want);
	}
	/* Random bit patterns (xorshift): every exponent, subnormals included. */
	for (int i = 0; i < 200000; i++) {
		double v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (isnan(v) || isinf(v))
			continue;
		/* Half of them integers or short decimals, as counts and sums are. */
		if (i % 4 == 1)
			v = (double)(x >> 20);
		else if (i % 4 == 2)
			v = (double)(x % 1000000) / 1e3;
		prom_format_double(v, got, sizeof(got));
		reference_double(v, want, sizeof(want));
		assert_string_equal(got, want);
	}
}

/*
 * promtool 2.42 parses only the text format: an OpenMetrics counter family
 * `# HELP x` with sample `x_total` reads to it as a sample without help, so
 * that lint (exit 3), and only that, is expected for OpenMetrics. A parse
 * error (exit 1) fails. The live Prometheus scrape in the integration tests
 * parses OpenMetrics with Prometheus' own OpenMetrics parser.
 */
static bool only_om_counter_complaints(const char *out, const char *text)
{
	char line[256], help[300];

	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *suffix;

		if (n >= sizeof(line))
			return false;
		memcpy(line, p, n);
		line[n] = 0;
		p += n + (nl ? 1 : 0);
		if (!n)
			continue;
		suffix = strstr(line, "_total no help text");
		if (!suffix || suffix[strlen("_total no help text")])
			return false;
		snprintf(help, sizeof(help), "# HELP %.*s ", (int)(suffix - line), line);
		if (!strstr(text, help))
			return false;
	}
	return true;
}

/* promtool (Debian package prometheus) checks and lints both formats. */
static void promtool_check(enum prom_format fmt)
{
	char path[] = "/tmp/kprof-prom-XXXXXX", cmd[128], out[4096];
	struct prom_options o;
	struct model *m = sample_model();
	char *text;
	size_t n;
	FILE *p;
	int fd, rc;

	prom_options_default(&o);
	text = render(m, &o, fmt);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	rc = pclose(p);
	unlink(path);
	if (rc != 0 && !(fmt == PROM_OPENMETRICS_1_0 && WEXITSTATUS(rc) == 3 &&
			 only_om_counter_complaints(out, text)))
		fail_msg("promtool check metrics failed (%d):\n%s\non:\n%s", rc, out, text);
	free(text);
	model_free(m);
}

static void test_promtool(void **state)
{
	(void)state;
	if (system("command -v promtool >/dev/null 2>&1")) {
		print_message("skipped: promtool is not installed (Debian package prometheus)\n");
		skip();
	}
	promtool_check(PROM_TEXT_0_0_4);
	promtool_check(PROM_OPENMETRICS_1_0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_format),
		cmocka_unit_test(test_openmetrics_format),
		cmocka_unit_test(test_resolution_and_range),
		cmocka_unit_test(test_format_double),
		cmocka_unit_test(test_format_double_matches_definition),
		cmocka_unit_test(test_promtool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
