// SPDX-License-Identifier: MIT
/* Terminal report, in the spirit of bcc's histograms, with exact figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collector.h"
#include "parse.h"
#include "sink.h"

#define BAR_WIDTH 40

int series_cmp_by_sum_desc(const void *a, const void *b)
{
	const struct series *x = a, *y = b;

	if (x->hist->sum_ns != y->hist->sum_ns)
		return x->hist->sum_ns < y->hist->sum_ns ? 1 : -1;
	return strcmp(x->labels[0] ? x->labels[0] : "", y->labels[0] ? y->labels[0] : "");
}

int series_cmp_by_value_desc(const void *a, const void *b)
{
	const struct series *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	return 0;
}

/* "nanosleep" or "a=1,b=2" or the family's name for unlabelled series. */
static void series_title(const struct family *f, const struct series *s, char *buf, size_t len)
{
	size_t off = 0;

	if (!f->nlabels) {
		snprintf(buf, len, "all");
		return;
	}
	buf[0] = 0;
	for (int i = 0; i < f->nlabels && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "", s->labels[i]);
}

static void dur(double s, char *buf)
{
	format_duration(s, buf, 16);
}

/* Power-of-two rows (every fourth bucket), from the first to the last in use. */
static void print_text_histogram(const struct kprof_hist *h, FILE *out)
{
	__u64 rows[KPROF_HIST_SLOTS / 4 + 2] = {0}, peak = 0;
	int first = -1, last = -1, nrows = 0;

	/* Row r holds slots (4r - 3 .. 4r] shifted so row 0 is the zero bucket. */
	for (int slot = 0; slot < KPROF_HIST_SLOTS; slot++) {
		int r = slot == 0 ? 0 : (slot + 3) / 4;

		rows[r] += h->slots[slot];
		if (r + 1 > nrows)
			nrows = r + 1;
	}
	for (int r = 0; r < nrows; r++) {
		if (!rows[r])
			continue;
		if (first < 0)
			first = r;
		last = r;
		if (rows[r] > peak)
			peak = rows[r];
	}
	if (first < 0)
		return;
	fprintf(out, "    %-21s %10s  distribution\n", "latency", "count");
	for (int r = first; r <= last; r++) {
		char lo[16], hi[16], bar[BAR_WIDTH + 1];
		int n = peak ? (int)((rows[r] * BAR_WIDTH + peak - 1) / peak) : 0;

		if (r == 0) {
			snprintf(lo, sizeof(lo), "0");
			snprintf(hi, sizeof(hi), "0");
		} else {
			dur(hist_slot_lower(4 * r - 3), lo);
			dur(hist_slot_upper(r * 4 < KPROF_HIST_SLOTS ? r * 4
								     : KPROF_HIST_SLOTS - 1),
			    hi);
		}
		memset(bar, '*', n);
		memset(bar + n, ' ', BAR_WIDTH - n);
		bar[BAR_WIDTH] = 0;
		fprintf(out, "    %8s .. %-8s : %10llu |%s|\n", lo, hi, (unsigned long long)rows[r],
			bar);
	}
}

static void print_histogram_family(struct family *f, const struct report_options *opt, FILE *out)
{
	size_t shown = f->nseries < (size_t)opt->top ? f->nseries : (size_t)opt->top;
	bool errors = f->flags & FAMILY_HAS_ERRORS;

	family_sort(f, series_cmp_by_sum_desc);
	fprintf(out, "\n%s: %s\n  %zu of %zu series, by total time\n", f->name, f->help, shown,
		f->nseries);
	if (!f->nseries) {
		fprintf(out, "  no events\n");
		return;
	}
	fprintf(out, "  %-22s %10s %s%10s %9s %9s %9s %9s\n", f->nlabels ? f->label_names[0] : "",
		"count", errors ? "    errors " : "", "total", "p50", "p90", "p99", "max");
	for (size_t i = 0; i < shown; i++) {
		struct series *s = &f->series[i];
		char title[64], tot[16], p50[16], p90[16], p99[16], max[16];

		series_title(f, s, title, sizeof(title));
		dur(s->hist->sum_ns / 1e9, tot);
		dur(hist_quantile(s->hist, 0.5), p50);
		dur(hist_quantile(s->hist, 0.9), p90);
		dur(hist_quantile(s->hist, 0.99), p99);
		dur(s->hist->max_ns / 1e9, max);
		fprintf(out, "  %-22s %10llu ", title, (unsigned long long)s->hist->count);
		if (errors)
			fprintf(out, "%10llu ", (unsigned long long)s->errors);
		fprintf(out, "%10s %9s %9s %9s %9s\n", tot, p50, p90, p99, max);
	}
	for (size_t i = 0; i < shown; i++) {
		char title[64];

		series_title(f, &f->series[i], title, sizeof(title));
		fprintf(out, "\n  %s\n", title);
		print_text_histogram(f->series[i].hist, out);
	}
}

static void print_counter_family(struct family *f, const struct report_options *opt, FILE *out)
{
	size_t shown = 0;

	family_sort(f, series_cmp_by_value_desc);
	for (size_t i = 0; i < f->nseries; i++)
		if (f->series[i].value > 0)
			shown++;
	if (!shown)
		return;
	if (shown > (size_t)opt->top)
		shown = opt->top;
	fprintf(out, "\n%s: %s\n  ", f->name, f->help);
	for (int l = 0; l < f->nlabels; l++)
		fprintf(out, "%-22s ", f->label_names[l]);
	fprintf(out, "%12s\n", "value");
	for (size_t i = 0; i < shown; i++) {
		fprintf(out, "  ");
		for (int l = 0; l < f->nlabels; l++)
			fprintf(out, "%-22s ", f->series[i].labels[l]);
		fprintf(out, "%12.0f\n", f->series[i].value);
	}
}

static void print_family(struct family *f, const struct report_options *opt, FILE *out)
{
	if (f->type == FAMILY_HISTOGRAM)
		print_histogram_family(f, opt, out);
	else
		print_counter_family(f, opt, out);
}

int report_text(const struct model *m, const struct report_options *opt, FILE *out)
{
	/* One section per collector in table order, then kprof's own families. */
	for (int c = 0; kprof_collectors[c]; c++) {
		const struct collector_desc *d = kprof_collectors[c];
		bool header = false;

		for (size_t i = 0; i < m->nfamilies; i++) {
			if (strcmp(m->families[i]->collector, d->name))
				continue;
			if (!header)
				fprintf(out, "\n=== %s: %s ===\n", d->name, d->summary);
			header = true;
			print_family(m->families[i], opt, out);
		}
	}
	for (size_t i = 0; i < m->nfamilies; i++)
		if (!collector_find(m->families[i]->collector))
			print_family(m->families[i], opt, out);
	return ferror(out) ? -1 : 0;
}
