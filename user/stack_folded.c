// SPDX-License-Identifier: MIT
/* Folded stacks: the FlameGraph text format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stack_sink.h"

struct folded_line {
	char *text;
	uint64_t raw;
};

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->text, ((const struct folded_line *)b)->text);
}

/* "comm;frame;...;frame" of one sample, malloc'ed. */
static char *fold(const struct stack_profile *p, const struct stack_sample *s)
{
	size_t cap = 64, len = 0;
	char *buf = malloc(cap), name[512];
	uint32_t n = s->nkern + s->nuser;

	if (!buf)
		return NULL;
	for (uint32_t i = 0; i <= n; i++) {
		const char *part;
		size_t plen;

		if (i == 0) {
			struct stack_location comm = {.kind = LOC_USER};

			comm.frame.function = s->comm[0] ? s->comm : "[unknown]";
			part = stack_frame_name(&comm, name, sizeof(name));
		} else {
			part = stack_frame_name(stack_frame_at(p, s, i - 1), name, sizeof(name));
		}
		plen = strlen(part);
		if (len + plen + 2 > cap) {
			char *bigger;

			while (len + plen + 2 > cap)
				cap *= 2;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
		if (i)
			buf[len++] = ';';
		memcpy(buf + len, part, plen);
		len += plen;
	}
	buf[len] = 0;
	return buf;
}

int stack_write_folded(const struct stack_profile *p, FILE *out)
{
	struct folded_line *lines = calloc(p->nsamples ? p->nsamples : 1, sizeof(*lines));
	size_t n = 0;
	int ret = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsamples; i++) {
		lines[n].text = fold(p, &p->samples[i]);
		if (!lines[n].text) {
			ret = -ENOMEM;
			goto out_free;
		}
		lines[n++].raw = stack_sample_raw(p, &p->samples[i]);
	}
	/* Several pids of one comm fold to one line: sorted, equal lines merge. */
	qsort(lines, n, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < n;) {
		uint64_t raw = 0, v;
		size_t j = i;

		for (; j < n && !strcmp(lines[j].text, lines[i].text); j++)
			raw += lines[j].raw;
		v = stack_value_out(p, raw);
		if (v)
			fprintf(out, "%s %llu\n", lines[i].text, (unsigned long long)v);
		i = j;
	}
	if (ferror(out))
		ret = -EIO;
out_free:
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	return ret;
}
