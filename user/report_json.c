// SPDX-License-Identifier: MIT
/* The model as one JSON document. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sink.h"

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* JSON has no NaN: an empty histogram's quantiles are null. */
static void json_number(FILE *out, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", out);
	else
		fprintf(out, "%.9g", v);
}

static void json_histogram(FILE *out, const struct series *s)
{
	const struct kprof_hist *h = s->hist;
	bool first = true;

	fprintf(out,
		",\"count\":%llu,\"errors\":%llu,\"sum_seconds\":", (unsigned long long)h->count,
		(unsigned long long)s->errors);
	json_number(out, h->sum_ns / 1e9);
	fputs(",\"max_seconds\":", out);
	json_number(out, h->max_ns / 1e9);
	fputs(",\"p50_seconds\":", out);
	json_number(out, hist_quantile(h, 0.5));
	fputs(",\"p90_seconds\":", out);
	json_number(out, hist_quantile(h, 0.9));
	fputs(",\"p99_seconds\":", out);
	json_number(out, hist_quantile(h, 0.99));
	/* Non-empty schema-2 buckets, not cumulative; index null is the zero bucket. */
	fputs(",\"buckets\":[", out);
	for (int slot = 0; slot < KPROF_HIST_SLOTS; slot++) {
		if (!h->slots[slot])
			continue;
		fprintf(out, "%s{\"index\":", first ? "" : ",");
		if (slot)
			fprintf(out, "%d", hist_index_of_slot(slot));
		else
			fputs("null", out);
		fputs(",\"le_seconds\":", out);
		json_number(out, hist_slot_upper(slot));
		fprintf(out, ",\"count\":%llu}", (unsigned long long)h->slots[slot]);
		first = false;
	}
	fputs("]", out);
}

int report_json(const struct model *m, const struct report_options *opt, FILE *out)
{
	(void)opt;
	fputs("{\"duration_seconds\":", out);
	json_number(out, m->duration_s);
	fputs(",\"families\":[", out);
	for (size_t i = 0; i < m->nfamilies; i++) {
		const struct family *f = m->families[i];
		static const char *const types[] = {"counter", "gauge", "histogram"};

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, f->name);
		fputs(",\"collector\":", out);
		json_string(out, f->collector);
		fprintf(out, ",\"type\":\"%s\",\"help\":", types[f->type]);
		json_string(out, f->help);
		fputs(",\"series\":[", out);
		for (size_t j = 0; j < f->nseries; j++) {
			const struct series *s = &f->series[j];

			fprintf(out, "%s{\"labels\":{", j ? "," : "");
			for (int l = 0; l < f->nlabels; l++) {
				if (l)
					fputc(',', out);
				json_string(out, f->label_names[l]);
				fputc(':', out);
				json_string(out, s->labels[l]);
			}
			fputc('}', out);
			if (f->type == FAMILY_HISTOGRAM) {
				json_histogram(out, s);
			} else {
				fputs(",\"value\":", out);
				json_number(out, s->value);
			}
			fputc('}', out);
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}
