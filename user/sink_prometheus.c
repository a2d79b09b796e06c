// SPDX-License-Identifier: MIT
/* The model in the Prometheus text format 0.0.4 and in OpenMetrics 1.0. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
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

/* Decimal digits of v into buf (at least 21 bytes); returns the length. */
static size_t format_u64(uint64_t v, char *buf)
{
	char tmp[20];
	size_t n = 0, len;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (len = 0; len < n; len++)
		buf[len] = tmp[n - 1 - len];
	buf[len] = 0;
	return len;
}

/*
 * Most samples are counts: integers print without printf (a scrape has
 * thousands). Other values take the shortest %g that reads back exactly:
 * when 15 digits read back, that text is already the shortest (a shorter
 * one would round to the same 15 digits, %g strips the zeros), else 16 or 17.
 * Subnormals have fewer significant bits, so they try every precision.
 */
static size_t format_double(double v, char *buf, size_t len)
{
	if (isnan(v))
		return (size_t)snprintf(buf, len, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	/* Counts print as integers: exact below 2^53, where doubles are. */
	if (v == floor(v) && fabs(v) < 9007199254740992.0 && len >= 22) {
		if (signbit(v)) {
			buf[0] = '-';
			return 1 + format_u64((uint64_t)-v, buf + 1);
		}
		return format_u64((uint64_t)v, buf);
	}
	for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		int n = snprintf(buf, len, "%.*g", prec, v);

		if (prec == 17 || strtod(buf, NULL) == v)
			return n < 0 ? 0 : (size_t)n;
	}
	return 0;
}

void prom_format_double(double v, char *buf, size_t len)
{
	format_double(v, buf, len);
}

/*
 * The exposition is built in one growing buffer with memcpy: stdio's
 * per-call locking and format parsing were most of a scrape's time.
 */
struct out {
	char *data;
	size_t len, cap;
	bool oom; /* set on the first failed allocation; later writes do nothing */
};

/*
 * The size of the last exposition: the next one starts at it, not with a
 * chain of reallocations (each a copy, and a hole left in the heap).
 */
static _Atomic size_t last_len;

static bool reserve(struct out *o, size_t n)
{
	size_t cap;
	char *p;

	if (o->oom)
		return false;
	if (o->len + n <= o->cap)
		return true;
	cap = o->cap ? o->cap : 4096;
	while (cap < o->len + n)
		cap *= 2;
	p = realloc(o->data, cap);
	if (!p) {
		o->oom = true;
		return false;
	}
	o->data = p;
	o->cap = cap;
	return true;
}

static void put(struct out *o, const char *s, size_t n)
{
	if (!reserve(o, n))
		return;
	memcpy(o->data + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

static void put_double(struct out *o, double v)
{
	char num[40];

	put(o, num, format_double(v, num, sizeof(num)));
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
static void put_escaped(struct out *out, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		const unsigned char *run = p;
		size_t n;

		/* Plain ASCII, the common case, is copied in one piece. */
		while (*p >= 0x20 && *p < 0x80 && *p != '\\' && *p != '"')
			p++;
		put(out, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		n = utf8_len(p);
		if (!n) {
			put(out, "\xef\xbf\xbd", 3);
			p++;
		} else if (*p == '\\') {
			put(out, "\\\\", 2);
			p++;
		} else if (*p == '\n') {
			put(out, "\\n", 2);
			p++;
		} else if (*p == '"' && quote) {
			put(out, "\\\"", 2);
			p++;
		} else {
			put(out, (const char *)p, n);
			p += n;
		}
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/*
 * `{a="x",b="y"` without the closing brace, built once per series and
 * copied into each of its lines; empty for no labels.
 */
static void series_labels(struct out *l, const struct family *f, const struct series *s)
{
	l->len = 0;
	for (int i = 0; i < f->nlabels; i++) {
		putc_(l, i ? ',' : '{');
		puts_(l, f->label_names[i]);
		put(l, "=\"", 2);
		put_escaped(l, s->labels[i], true);
		putc_(l, '"');
	}
}

/* name+suffix, the labels (with le="..." if le), a space, the value, newline. */
static void put_sample(struct out *out, const char *name, size_t namelen, const char *suffix,
		       const struct out *labels, const char *le, double v)
{
	put(out, name, namelen);
	puts_(out, suffix);
	put(out, labels->data, labels->len);
	if (le) {
		put(out, labels->len ? ",le=\"" : "{le=\"", 5);
		puts_(out, le);
		put(out, "\"} ", 3);
	} else {
		put(out, labels->len ? "} " : " ", labels->len ? 2 : 1);
	}
	put_double(out, v);
	putc_(out, '\n');
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
static void put_histogram(struct out *out, const struct family *f, const struct out *labels,
			  const struct series *s, const struct bounds *b)
{
	const struct kprof_hist *h = s->hist;
	size_t namelen = strlen(f->name);
	__u64 cum = 0;
	int next = 0; /* first slot not yet added to cum */

	for (int i = 0; i < b->n; i++) {
		for (; next <= b->last_slot[i]; next++)
			cum += h->slots[next];
		put_sample(out, f->name, namelen, "_bucket", labels, b->le[i], (double)cum);
	}
	cum = hist_total(h);
	put_sample(out, f->name, namelen, "_bucket", labels, "+Inf", (double)cum);
	put_sample(out, f->name, namelen, "_sum", labels, NULL, h->sum_ns / 1e9);
	put_sample(out, f->name, namelen, "_count", labels, NULL, (double)cum);
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

static void put_family(struct out *out, struct out *labels, const struct family *f,
		       const struct bounds *b, enum prom_format fmt)
{
	bool om = fmt == PROM_OPENMETRICS_1_0;
	/*
	 * OpenMetrics names a counter family without its _total suffix and
	 * requires the suffix on the sample; the text format names both alike.
	 */
	bool strip = om && f->type == FAMILY_COUNTER && ends_with(f->name, "_total");
	size_t namelen = strlen(f->name) - (strip ? 6 : 0);
	const char *sample_suffix = om && f->type == FAMILY_COUNTER && !strip ? "_total" : "";

	puts_(out, "# HELP ");
	put(out, f->name, namelen);
	putc_(out, ' ');
	put_escaped(out, f->help, om);
	puts_(out, "\n# TYPE ");
	put(out, f->name, namelen);
	putc_(out, ' ');
	puts_(out, type_name(f->type));
	putc_(out, '\n');
	for (size_t i = 0; i < f->nseries; i++) {
		const struct series *s = &f->series[i];

		series_labels(labels, f, s);
		if (f->type == FAMILY_HISTOGRAM)
			put_histogram(out, f, labels, s, b);
		else
			put_sample(out, f->name, strlen(f->name), sample_suffix, labels, NULL,
				   s->value);
	}
}

int prom_render(const struct model *m, const struct prom_options *o, enum prom_format fmt,
		char **text, size_t *len)
{
	struct bounds *b = malloc(sizeof(*b));
	struct out out = {0}, labels = {0};

	size_t hint = atomic_load(&last_len);

	*text = NULL;
	*len = 0;
	if (!b)
		return -ENOMEM;
	/* 1/8 more than last time: series come and go between scrapes. */
	if (!reserve(&out, hint + hint / 8 + 4096)) {
		free(b);
		return -ENOMEM;
	}
	bounds_init(b, o);
	for (size_t i = 0; i < m->nfamilies; i++)
		put_family(&out, &labels, m->families[i], b, fmt);
	if (fmt == PROM_OPENMETRICS_1_0)
		puts_(&out, "# EOF\n");
	/* NUL-terminated for callers that print it; len does not count it. */
	putc_(&out, 0);
	free(b);
	free(labels.data);
	if (out.oom || labels.oom) {
		free(out.data);
		return -ENOMEM;
	}
	*text = out.data;
	*len = out.len - 1;
	atomic_store(&last_len, *len);
	return 0;
}

int prom_write(const struct model *m, const struct prom_options *o, enum prom_format fmt, FILE *out)
{
	char *text;
	size_t len;
	int ret = prom_render(m, o, fmt, &text, &len);

	if (ret)
		return ret;
	if (len && fwrite(text, 1, len, out) != len)
		ret = -EIO;
	free(text);
	return ret || ferror(out) ? -EIO : 0;
}
