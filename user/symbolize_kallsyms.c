// SPDX-License-Identifier: MIT
/*
 * /proc/kallsyms: "address type name[\t[module]]". Text symbols only (a
 * stack holds code addresses); addresses shown as zero (no privilege) are
 * skipped, so an unprivileged reader simply resolves nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize_internal.h"

#define MAX_MODULES 4096

static int module_index(struct kallsyms *k, const char *name, size_t len, uint16_t *aux)
{
	char **nm, *s;

	/* Modules come in runs: the last one is the likely match. */
	for (size_t i = k->nmodules; i > 0; i--) {
		if (strlen(k->modules[i - 1]) == len + 2 &&
		    !memcmp(k->modules[i - 1] + 1, name, len)) {
			*aux = (uint16_t)i;
			return 0;
		}
	}
	if (k->nmodules >= MAX_MODULES)
		return -ENOSPC;
	nm = realloc(k->modules, (k->nmodules + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	k->modules = nm;
	s = malloc(len + 3);
	if (!s)
		return -ENOMEM;
	s[0] = '[';
	memcpy(s + 1, name, len);
	s[len + 1] = ']';
	s[len + 2] = 0;
	k->modules[k->nmodules++] = s;
	*aux = (uint16_t)k->nmodules;
	return 0;
}

int kallsyms_parse(struct line_reader *lr, struct kallsyms *k)
{
	char *line;
	size_t len;

	memset(k, 0, sizeof(*k));
	symtab_init(&k->syms, SYM_MAX_KALLSYMS_SYMS, SYM_MAX_NAMES_BYTES);
	while (lr_next(lr, &line, &len)) {
		char *p = line, *end, *name, *mod;
		uint64_t addr;
		uint16_t aux = 0;
		char type;
		int err;

		addr = strtoull(p, &end, 16);
		if (end == p || *end != ' ' || !addr)
			continue;
		type = end[1];
		if ((type != 't' && type != 'T' && type != 'w' && type != 'W') || end[2] != ' ')
			continue;
		name = end + 3;
		mod = strchr(name, '\t');
		if (mod) {
			char *close;

			*mod++ = 0;
			if (mod[0] != '[' || !(close = strchr(mod, ']')) || close == mod + 1)
				continue;
			err = module_index(k, mod + 1, (size_t)(close - mod - 1), &aux);
			if (err == -ENOMEM)
				return err;
			if (err)
				continue;
		}
		if (!*name)
			continue;
		err = symtab_add(&k->syms, addr, 0, name, strlen(name), aux,
				 type == 'T' || type == 't');
		if (err == -ENOMEM)
			return err;
		if (err)
			break;
		if (!k->lo || addr < k->lo)
			k->lo = addr;
		if (addr > k->hi)
			k->hi = addr;
	}
	symtab_finish(&k->syms);
	/* The last symbol of the kernel or of a module must not stretch over
	 * the gap to the next module. */
	for (size_t i = 0; i < k->syms.n; i++) {
		struct sym_entry *e = &k->syms.e[i];

		if (i + 1 < k->syms.n && e[1].aux == e->aux)
			continue;
		e->size = i + 1 < k->syms.n && e[1].start - e->start < SYM_LAST_SYMBOL_SPAN
				  ? e[1].start - e->start
				  : SYM_LAST_SYMBOL_SPAN;
	}
	return 0;
}

void kallsyms_free(struct kallsyms *k)
{
	symtab_free(&k->syms);
	for (size_t i = 0; i < k->nmodules; i++)
		free(k->modules[i]);
	free(k->modules);
	memset(k, 0, sizeof(*k));
}
