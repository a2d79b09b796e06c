// SPDX-License-Identifier: MIT
/* The model in the Prometheus text format 0.0.4 and in OpenMetrics 1.0. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "sink_prometheus.h"

void prom_options_default(struct prom_options *o)
{
	o->min_index = PROM_DEFAULT_MIN_INDEX;
	o->max_index = PROM_DEFAULT_MAX_INDEX;
	o->step = 4;
}

static int floor_div(int a, int b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int prom_options_set(struct prom_options *o, double min_s, double max_s, int resolution,
		     struct kprof_error *err)
{
	int step, lo, hi;

	if (resolution != 1 && resolution != 2 && resolution != 4) {
		snprintf(err->msg, sizeof(err->msg),
			 "bad --histogram.resolution %d: expected 1, 2 or 4 buckets per power of "
			 "two",
			 resolution);
		return -EINVAL;
	}
	if (!(min_s > 0) || !(max_s > min_s) || !isfinite(max_s)) {
		snprintf(err->msg, sizeof(err->msg),
			 "bad histogram range: --histogram.min must be above 0 and below "
			 "--histogram.max");
		return -EINVAL;
	}
	step = 4 / resolution;
	/* Round min down and max up to bounds of the chosen resolution. */
	lo = floor_div((int)floor(4.0 * log2(min_s) + 1e-9), step) * step;
	hi = -floor_div(-(int)ceil(4.0 * log2(max_s) - 1e-9), step) * step;
	if (lo < PROM_MIN_INDEX_LIMIT || hi > PROM_MAX_INDEX_LIMIT) {
		snprintf(err->msg, sizeof(err->msg),
			 "bad histogram range: bounds must lie between 2^%d s (%.3g s) and 2^%d s "
			 "(%g s), the exact range of kprof's kernel buckets",
			 PROM_MIN_INDEX_LIMIT / 4, exp2(PROM_MIN_INDEX_LIMIT / 4.0),
			 PROM_MAX_INDEX_LIMIT / 4, exp2(PROM_MAX_INDEX_LIMIT / 4.0));
		return -EINVAL;
	}
	o->min_index = lo;
	o->max_index = hi;
	o->step = step;
	return 0;
}

void prom_format_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Counts print as integers: exact below 2^53, where doubles are. */
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

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values above U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Escapes a label value or help text. Both formats escape backslash and
 * line feed; label values (and OpenMetrics help) also escape the double
 * quote. Bytes that are not UTF-8 (a thread name or cgroup path can hold
 * anything) become U+FFFD, since both formats are UTF-8.
 */
static void put_escaped(FILE *out, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			fputs("\xef\xbf\xbd", out);
			p++;
		} else if (*p == '\\') {
			fputs("\\\\", out);
			p++;
		} else if (*p == '\n') {
			fputs("\\n", out);
			p++;
		} else if (*p == '"' && quote) {
			fputs("\\\"", out);
			p++;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* `{a="x",b="y",le="0.5"}`; extra_name may be NULL. Nothing for no labels. */
static void put_labels(FILE *out, const struct family *f, const struct series *s,
		       const char *extra_name, const char *extra_value)
{
	bool any = f->nlabels > 0 || extra_name;

	if (!any)
		return;
	fputc('{', out);
	for (int i = 0; i < f->nlabels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", f->label_names[i]);
		put_escaped(out, s->labels[i], true);
		fputc('"', out);
	}
	if (extra_name)
		fprintf(out, "%s%s=\"%s\"", f->nlabels ? "," : "", extra_name, extra_value);
	fputc('}', out);
}

static void put_sample(FILE *out, const struct family *f, const struct series *s,
		       const char *suffix, const char *extra_name, const char *extra_value,
		       double v)
{
	char num[40];

	prom_format_double(v, num, sizeof(num));
	fprintf(out, "%s%s", f->name, suffix);
	put_labels(out, f, s, extra_name, extra_value);
	fprintf(out, " %s\n", num);
}

/* The `le` strings, formatted once per exposition rather than once per series. */
#define PROM_MAX_BOUNDS (PROM_MAX_INDEX_LIMIT - PROM_MIN_INDEX_LIMIT + 1)
struct bounds {
	int n;
	int last_slot[PROM_MAX_BOUNDS];
	char le[PROM_MAX_BOUNDS][32];
};

static void bounds_init(struct bounds *b, const struct prom_options *o)
{
	b->n = 0;
	for (int idx = o->min_index; idx <= o->max_index && b->n < PROM_MAX_BOUNDS;
	     idx += o->step) {
		b->last_slot[b->n] = hist_slot_of_index(idx);
		prom_format_double(exp2(idx / 4.0), b->le[b->n], sizeof(b->le[0]));
		b->n++;
	}
}

/*
 * Buckets up to each bound, cumulative. The +Inf bucket and _count are the
 * bucket total: it equals the exact count except when a read raced an
 * update on another CPU, and OpenMetrics requires +Inf == _count.
 */
static void put_histogram(FILE *out, const struct family *f, const struct series *s,
			  const struct bounds *b)
{
	const struct kprof_hist *h = s->hist;
	__u64 cum = 0;
	int next = 0; /* first slot not yet added to cum */

	for (int i = 0; i < b->n; i++) {
		for (; next <= b->last_slot[i]; next++)
			cum += h->slots[next];
		put_sample(out, f, s, "_bucket", "le", b->le[i], (double)cum);
	}
	cum = hist_total(h);
	put_sample(out, f, s, "_bucket", "le", "+Inf", (double)cum);
	put_sample(out, f, s, "_sum", NULL, NULL, h->sum_ns / 1e9);
	put_sample(out, f, s, "_count", NULL, NULL, (double)cum);
}

static const char *type_name(enum family_type t)
{
	switch (t) {
	case FAMILY_COUNTER:
		return "counter";
	case FAMILY_HISTOGRAM:
		return "histogram";
	case FAMILY_GAUGE:
		break;
	}
	return "gauge";
}

static void put_family(FILE *out, const struct family *f, const struct bounds *b,
		       enum prom_format fmt)
{
	bool om = fmt == PROM_OPENMETRICS_1_0;
	/*
	 * OpenMetrics names a counter family without its _total suffix and
	 * requires the suffix on the sample; the text format names both alike.
	 */
	bool strip = om && f->type == FAMILY_COUNTER && ends_with(f->name, "_total");
	int namelen = (int)strlen(f->name) - (strip ? 6 : 0);
	const char *sample_suffix = om && f->type == FAMILY_COUNTER && !strip ? "_total" : "";

	fprintf(out, "# HELP %.*s ", namelen, f->name);
	put_escaped(out, f->help, om);
	fprintf(out, "\n# TYPE %.*s %s\n", namelen, f->name, type_name(f->type));
	for (size_t i = 0; i < f->nseries; i++) {
		const struct series *s = &f->series[i];

		if (f->type == FAMILY_HISTOGRAM)
			put_histogram(out, f, s, b);
		else
			put_sample(out, f, s, sample_suffix, NULL, NULL, s->value);
	}
}

int prom_write(const struct model *m, const struct prom_options *o, enum prom_format fmt, FILE *out)
{
	struct bounds *b = malloc(sizeof(*b));

	if (!b)
		return -ENOMEM;
	bounds_init(b, o);
	for (size_t i = 0; i < m->nfamilies; i++)
		put_family(out, m->families[i], b, fmt);
	free(b);
	if (fmt == PROM_OPENMETRICS_1_0)
		fputs("# EOF\n", out);
	return ferror(out) ? -EIO : 0;
}
