// SPDX-License-Identifier: MIT
/*
 * Sorted address -> name table shared by kallsyms, ELF and perf maps.
 * Names live in one growing buffer (offsets, not pointers), entries in one
 * array; both have caps so a hostile file cannot make them grow unbounded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize_internal.h"

void symtab_init(struct sym_table *t, size_t max_entries, size_t max_names)
{
	memset(t, 0, sizeof(*t));
	t->max_entries = max_entries;
	t->max_names = max_names;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t max)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	while (ncap < need)
		ncap *= 2;
	if (ncap > max)
		ncap = max;
	if (ncap < need)
		return -ENOSPC;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int symtab_add(struct sym_table *t, uint64_t start, uint64_t size, const char *name, size_t len,
	       uint16_t aux, uint8_t rank)
{
	struct sym_entry *e;
	int err;

	if (len > SYM_MAX_NAME)
		len = SYM_MAX_NAME;
	if (t->n >= t->max_entries || t->names_len + len + 1 > t->max_names ||
	    t->names_len + len + 1 > UINT32_MAX) {
		t->full = true;
		return -ENOSPC;
	}
	if (t->n == t->cap &&
	    (err = grow((void **)&t->e, &t->cap, t->n + 1, sizeof(*t->e), t->max_entries)))
		return err;
	if (t->names_len + len + 1 > t->names_cap &&
	    (err = grow((void **)&t->names, &t->names_cap, t->names_len + len + 1, 1,
			t->max_names)))
		return err;
	e = &t->e[t->n++];
	e->start = start;
	e->size = size;
	e->name = (uint32_t)t->names_len;
	e->aux = aux;
	e->rank = rank;
	memcpy(t->names + t->names_len, name, len);
	t->names[t->names_len + len] = 0;
	t->names_len += len + 1;
	return 0;
}

/* By start, then rank, then insertion order (name offsets only grow). */
static int cmp_entry(const void *a, const void *b)
{
	const struct sym_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

void symtab_finish(struct sym_table *t)
{
	size_t i, o = 0;

	if (!t->n)
		return;
	qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	/* Of entries at one start the last sorted (best) one stays. */
	for (i = 0; i < t->n; i++) {
		if (i + 1 < t->n && t->e[i + 1].start == t->e[i].start)
			continue;
		t->e[o++] = t->e[i];
	}
	t->n = o;
	if (t->n < t->cap) {
		void *np = realloc(t->e, t->n * sizeof(*t->e));

		if (np) {
			t->e = np;
			t->cap = t->n;
		}
	}
	if (t->names_len < t->names_cap) {
		void *np = realloc(t->names, t->names_len);

		if (np) {
			t->names = np;
			t->names_cap = t->names_len;
		}
	}
}

static bool covers(const struct sym_table *t, size_t i, uint64_t addr)
{
	const struct sym_entry *e = &t->e[i];

	if (e->size)
		return addr - e->start < e->size;
	/* Unknown size: up to the next symbol, which the search guarantees. */
	if (i + 1 < t->n)
		return true;
	return addr - e->start < SYM_LAST_SYMBOL_SPAN;
}

const struct sym_entry *symtab_find(const struct sym_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n, i, back;

	if (!t->n || addr < t->e[0].start)
		return NULL;
	/* Last entry with start <= addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].start <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (covers(t, lo, addr))
		return &t->e[lo];
	/* A function nesting a smaller one (e.g. cold parts, aliases with
	 * sizes) still covers addr: look a few entries back. */
	for (i = lo, back = 0; i > 0 && back < 8; back++) {
		i--;
		if (t->e[i].size && addr - t->e[i].start < t->e[i].size)
			return &t->e[i];
	}
	return NULL;
}

size_t symtab_bytes(const struct sym_table *t)
{
	return t->cap * sizeof(*t->e) + t->names_cap;
}

void symtab_free(struct sym_table *t)
{
	free(t->e);
	free(t->names);
	t->e = NULL;
	t->names = NULL;
	t->n = t->cap = t->names_len = t->names_cap = 0;
}
