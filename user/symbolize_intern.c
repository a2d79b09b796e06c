// SPDX-License-Identifier: MIT
/*
 * Interned strings and mappings: each distinct value is stored once, and
 * stays until the symbolizer is freed, as symbolize.h promises. The total
 * is bounded; past it new values are refused (the frame says "[unknown]").
 */
#include <stdlib.h>
#include <string.h>
#include "symbolize.h"
#include "symbolize_internal.h"

struct node {
	struct node *next;
	uint64_t hash;
	bool is_mapping;
	union {
		struct sym_mapping m;
		char s[1];
	};
};

struct intern {
	struct node **b;
	size_t nb, count, bytes, max_bytes;
};

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

struct intern *intern_new(size_t max_bytes)
{
	struct intern *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->nb = 1024;
	in->b = calloc(in->nb, sizeof(*in->b));
	if (!in->b) {
		free(in);
		return NULL;
	}
	in->max_bytes = max_bytes;
	return in;
}

static void rehash(struct intern *in)
{
	size_t nb = in->nb * 2;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < in->nb; i++)
		for (struct node *n = in->b[i], *next; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	free(in->b);
	in->b = b;
	in->nb = nb;
}

static struct node *insert(struct intern *in, uint64_t h, size_t size)
{
	struct node *n;

	if (in->bytes + size > in->max_bytes)
		return NULL;
	n = calloc(1, size);
	if (!n)
		return NULL;
	n->hash = h;
	n->next = in->b[h & (in->nb - 1)];
	in->b[h & (in->nb - 1)] = n;
	in->bytes += size;
	if (++in->count > in->nb * 2)
		rehash(in);
	return n;
}

const char *intern_str(struct intern *in, const char *s)
{
	size_t len = strlen(s);
	uint64_t h = fnv(s, len, 14695981039346656037ull);
	struct node *n;

	for (n = in->b[h & (in->nb - 1)]; n; n = n->next)
		if (n->hash == h && !n->is_mapping && !strcmp(n->s, s))
			return n->s;
	n = insert(in, h, offsetof(struct node, s) + len + 1);
	if (!n)
		return NULL;
	memcpy(n->s, s, len + 1);
	return n->s;
}

/* path and build_id must already be interned: compared by pointer. */
const struct sym_mapping *intern_mapping(struct intern *in, const struct sym_mapping *m)
{
	uint64_t h = 1469598103934665603ull;
	struct node *n;

	h = fnv(&m->start, sizeof(m->start), h);
	h = fnv(&m->limit, sizeof(m->limit), h);
	h = fnv(&m->file_offset, sizeof(m->file_offset), h);
	h = fnv(&m->path, sizeof(m->path), h);
	h = fnv(&m->build_id, sizeof(m->build_id), h);
	for (n = in->b[h & (in->nb - 1)]; n; n = n->next)
		if (n->hash == h && n->is_mapping && n->m.start == m->start &&
		    n->m.limit == m->limit && n->m.file_offset == m->file_offset &&
		    n->m.path == m->path && n->m.build_id == m->build_id)
			return &n->m;
	n = insert(in, h, sizeof(*n));
	if (!n)
		return NULL;
	n->is_mapping = true;
	n->m = *m;
	return &n->m;
}

size_t intern_bytes(const struct intern *in)
{
	return in->bytes;
}

void intern_reset(struct intern *in)
{
	for (size_t i = 0; i < in->nb; i++) {
		for (struct node *n = in->b[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
		in->b[i] = NULL;
	}
	in->count = in->bytes = 0;
}

void intern_free(struct intern *in)
{
	if (!in)
		return;
	intern_reset(in);
	free(in->b);
	free(in);
}
