// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

struct model *model_new(void)
{
	return calloc(1, sizeof(struct model));
}

static void series_free(struct series *s, int nlabels)
{
	for (int i = 0; i < nlabels; i++)
		free(s->labels[i]);
	free(s->hist);
}

static void family_free(struct family *f)
{
	for (size_t i = 0; i < f->nseries; i++)
		series_free(&f->series[i], f->nlabels);
	for (int i = 0; i < f->nlabels; i++)
		free(f->label_names[i]);
	free(f->series);
	free(f->index);
	free(f->name);
	free(f->help);
	free(f->collector);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfamilies; i++) {
		family_free(m->families[i]);
		free(m->families[i]);
	}
	free(m->families);
	free(m);
}

/* Grows *arr (of *cap elements of size sz) so that one more fits. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
	*arr = p;
	*cap = ncap;
	return 0;
}

struct family *model_find(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->nfamilies; i++)
		if (!strcmp(m->families[i]->name, name))
			return m->families[i];
	return NULL;
}

struct family *model_family(struct model *m, const char *collector, const char *name,
			    const char *help, enum family_type type, int nlabels,
			    const char *const *label_names)
{
	struct family *f = model_find(m, name);

	if (f)
		return f->type == type && f->nlabels == nlabels ? f : NULL;
	if (nlabels < 0 || nlabels > MODEL_MAX_LABELS)
		return NULL;
	if (grow((void **)&m->families, &m->cap, m->nfamilies, sizeof(*m->families)))
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	m->families[m->nfamilies] = f;
	f->type = type;
	f->nlabels = nlabels;
	f->name = strdup(name);
	f->help = strdup(help);
	f->collector = strdup(collector);
	for (int i = 0; i < nlabels; i++)
		f->label_names[i] = strdup(label_names[i]);
	m->nfamilies++;
	for (int i = 0; i < nlabels; i++)
		if (!f->label_names[i])
			goto out_undo;
	if (!f->name || !f->help || !f->collector)
		goto out_undo;
	return f;
out_undo:
	m->nfamilies--;
	family_free(f);
	free(f);
	return NULL;
}

static bool labels_equal(const struct series *s, const char *const *values, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s->labels[i], values[i]))
			return false;
	return true;
}

/* FNV-1a over the label values, each ended by its NUL. */
static size_t labels_hash(const char *const *values, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < n; i++) {
		const unsigned char *c = (const unsigned char *)values[i];

		do {
			h ^= *c;
			h *= 0x100000001b3ULL;
		} while (*c++);
	}
	return (size_t)h;
}

/* Builds the index for at least `want` series, kept at most half full. */
static int index_rebuild(struct family *f, size_t want)
{
	size_t cap = 16, *index;

	while (cap < 2 * want)
		cap *= 2;
	index = calloc(cap, sizeof(*index));
	if (!index)
		return -1;
	for (size_t i = 0; i < f->nseries; i++) {
		size_t slot = labels_hash((const char *const *)f->series[i].labels, f->nlabels);

		while (index[slot & (cap - 1)])
			slot++;
		index[slot & (cap - 1)] = i + 1;
	}
	free(f->index);
	f->index = index;
	f->index_cap = cap;
	return 0;
}

struct series *family_series(struct family *f, const char *const *values)
{
	size_t slot, mask;
	struct series *s;

	if (2 * (f->nseries + 1) > f->index_cap && index_rebuild(f, 2 * (f->nseries + 1)))
		return NULL;
	mask = f->index_cap - 1;
	for (slot = labels_hash(values, f->nlabels) & mask; f->index[slot];
	     slot = (slot + 1) & mask)
		if (labels_equal(&f->series[f->index[slot] - 1], values, f->nlabels))
			return &f->series[f->index[slot] - 1];
	if (grow((void **)&f->series, &f->cap, f->nseries, sizeof(*s)))
		return NULL;
	s = &f->series[f->nseries];
	memset(s, 0, sizeof(*s));
	if (f->type == FAMILY_HISTOGRAM) {
		s->hist = calloc(1, sizeof(*s->hist));
		if (!s->hist)
			return NULL;
	}
	for (int i = 0; i < f->nlabels; i++) {
		s->labels[i] = strdup(values[i]);
		if (!s->labels[i]) {
			series_free(s, i);
			return NULL;
		}
	}
	f->index[slot] = ++f->nseries;
	return s;
}

struct series *model_counter_add(struct model *m, const char *collector, const char *name,
				 const char *help, int nlabels, const char *const *names,
				 const char *const *values, double v)
{
	struct family *f = model_family(m, collector, name, help, FAMILY_COUNTER, nlabels, names);
	struct series *s = f ? family_series(f, values) : NULL;

	if (s)
		s->value += v;
	return s;
}

void family_sort(struct family *f, int (*cmp)(const void *, const void *))
{
	if (f->nseries > 1) {
		qsort(f->series, f->nseries, sizeof(*f->series), cmp);
		/* Indexes moved: the next family_series() rebuilds the index. */
		free(f->index);
		f->index = NULL;
		f->index_cap = 0;
	}
}
