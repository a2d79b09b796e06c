// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

struct unit {
	const char *name;
	double ns;
};

/* Longest names first so that "ms" is not read as "m" followed by "s". */
static const struct unit units[] = {
	{"ns", 1},  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
	{"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
};

static const struct unit *match_unit(const char *s, size_t *len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (!strncmp(s, units[i].name, n)) {
			*len = n;
			return &units[i];
		}
	}
	return NULL;
}

int parse_duration(const char *s, uint64_t *ns)
{
	double total = 0;
	int terms = 0;

	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		const struct unit *u;
		char *end;
		size_t ulen;
		double v;

		char num[32];
		size_t n = strspn(s, "0123456789.");

		/* Only plain decimals: strtod alone would take "0x1p3" or "inf". */
		if (!n || n >= sizeof(num))
			return -EINVAL;
		memcpy(num, s, n);
		num[n] = 0;
		errno = 0;
		v = strtod(num, &end);
		if (*end || errno || !isfinite(v))
			return -EINVAL;
		s += n;
		if (!*s && terms == 0) {
			total = v * 1e9; /* a bare number is seconds */
			break;
		}
		u = match_unit(s, &ulen);
		if (!u)
			return -EINVAL;
		s += ulen;
		total += v * u->ns;
		if (total > (double)PARSE_MAX_DURATION_NS)
			return -ERANGE;
		terms++;
	}
	if (total > (double)PARSE_MAX_DURATION_NS || total < 1)
		return -ERANGE;
	*ns = (uint64_t)total;
	return 0;
}

int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || end == s)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

void format_duration(double seconds, char *buf, size_t len)
{
	static const struct {
		const char *name;
		double scale;
	} scales[] = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
	size_t i;

	if (isnan(seconds)) {
		snprintf(buf, len, "-");
		return;
	}
	if (seconds == 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]) - 1; i++)
		if (seconds >= scales[i].scale)
			break;
	double v = seconds / scales[i].scale;
	snprintf(buf, len, v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v, scales[i].name);
}
