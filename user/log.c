// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

/* Longest line; longer ones are cut (a log line is never a data channel). */
#define KLOG_LINE_MAX  2048
#define KLOG_MAX_PAIRS 16

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static enum klog_level min_level = KLOG_INFO;
static enum klog_format out_format = KLOG_LOGFMT;
static int out_fd = 2;

int klog_parse_level(const char *s, enum klog_level *level)
{
	for (int i = 0; i <= KLOG_ERROR; i++) {
		if (!strcmp(s, level_names[i])) {
			*level = i;
			return 0;
		}
	}
	return -EINVAL;
}

int klog_parse_format(const char *s, enum klog_format *format)
{
	if (!strcmp(s, "logfmt"))
		*format = KLOG_LOGFMT;
	else if (!strcmp(s, "json"))
		*format = KLOG_JSON;
	else
		return -EINVAL;
	return 0;
}

void klog_setup(enum klog_level level, enum klog_format format, int fd)
{
	min_level = level;
	out_format = format;
	out_fd = fd;
}

int klog_enabled(enum klog_level level)
{
	return level >= min_level;
}

struct line {
	char *buf;
	size_t len, off;
};

static void put(struct line *l, const char *s, size_t n)
{
	/* Keep one byte for the newline the caller always gets. */
	if (l->off + 1 >= l->len)
		return;
	if (n > l->len - 1 - l->off)
		n = l->len - 1 - l->off;
	memcpy(l->buf + l->off, s, n);
	l->off += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* logfmt quotes a value with spaces, '=', quotes or controls; JSON always. */
static void put_value(struct line *l, const char *v, bool json)
{
	bool quote = json || !*v || strpbrk(v, " =\"\\\t\n\r");

	if (quote)
		puts_(l, "\"");
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p == '\n') {
			puts_(l, "\\n");
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(l, esc);
		} else {
			put(l, (const char *)p, 1);
		}
	}
	if (quote)
		puts_(l, "\"");
}

static void put_pair(struct line *l, const char *k, const char *v, bool json, bool first)
{
	if (json) {
		puts_(l, first ? "{\"" : ",\"");
		puts_(l, k);
		puts_(l, "\":");
	} else {
		if (!first)
			puts_(l, " ");
		puts_(l, k);
		puts_(l, "=");
	}
	put_value(l, v ? v : "", json);
}

size_t klog_format_line(char *buf, size_t len, enum klog_format format, const char *time,
			enum klog_level level, const char *msg, const char *const *kv, int nkv)
{
	struct line l = {buf, len, 0};
	bool json = format == KLOG_JSON;

	put_pair(&l, "time", time, json, true);
	put_pair(&l, "level", level_names[level], json, false);
	put_pair(&l, "msg", msg, json, false);
	for (int i = 0; i + 1 < nkv; i += 2)
		put_pair(&l, kv[i], kv[i + 1], json, false);
	if (json)
		puts_(&l, "}");
	l.buf[l.off++] = '\n';
	return l.off;
}

void klog(enum klog_level level, const char *msg, ...)
{
	const char *kv[2 * KLOG_MAX_PAIRS];
	char line[KLOG_LINE_MAX], when[40];
	struct timespec ts;
	struct tm tm;
	int nkv = 0;
	va_list ap;
	size_t n;

	if (level < min_level)
		return;
	va_start(ap, msg);
	for (const char *s; nkv < 2 * KLOG_MAX_PAIRS && (s = va_arg(ap, const char *));)
		kv[nkv++] = s;
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	n = klog_format_line(line, sizeof(line), out_format, when, level, msg, kv, nkv);
	/* One write per line: lines from several threads never interleave. */
	if (write(out_fd, line, n) < 0)
		return;
}
