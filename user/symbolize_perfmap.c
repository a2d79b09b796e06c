// SPDX-License-Identifier: MIT
/*
 * perf-PID.map, as written by JITs (Java's Compiler.perfmap, node
 * --perf-basic-prof): "START SIZE name" with START and SIZE in hex, START
 * with or without 0x. A JIT may write an address again when it reuses
 * code memory; the later line wins. Junk lines are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize_internal.h"

/* A hex field, with or without 0x. */
static bool hexfield(char **p, uint64_t *out)
{
	if ((*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X'))
		*p += 2;
	return parse_hex_u64(p, out);
}

int perfmap_parse(struct line_reader *lr, struct sym_table *out)
{
	char *line;
	size_t len;

	symtab_init(out, SYM_MAX_PERFMAP_SYMS, SYM_MAX_NAMES_BYTES);
	while (lr_next(lr, &line, &len)) {
		uint64_t start, size;
		char *p = line, *name;
		size_t nlen;
		int err;

		if (!hexfield(&p, &start) || *p != ' ')
			continue;
		p++;
		if (!hexfield(&p, &size) || *p != ' ' || size == 0 || start + size < start)
			continue;
		name = p + 1;
		nlen = strlen(name);
		while (nlen && (name[nlen - 1] == '\r' || name[nlen - 1] == ' '))
			nlen--;
		if (!nlen)
			continue;
		err = symtab_add(out, start, size, name, nlen, 0, 0);
		if (err == -ENOMEM)
			return err;
		if (err)
			break;
	}
	symtab_finish(out);
	return 0;
}
