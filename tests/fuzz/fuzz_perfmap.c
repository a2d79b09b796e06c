// SPDX-License-Identifier: MIT
/* libFuzzer target: perf-PID.map parsing, at full and at tiny line limits. */
#include <stddef.h>
#include <stdint.h>
#include "symbolize_internal.h"

static void run(const uint8_t *data, size_t size, size_t max_line)
{
	struct line_reader lr;
	struct sym_table t;

	if (lr_init_mem(&lr, (const char *)data, size, max_line))
		return;
	if (!perfmap_parse(&lr, &t)) {
		for (size_t i = 0; i < t.n; i++) {
			const struct sym_entry *e = symtab_find(&t, t.e[i].start);

			if (!e || e->start != t.e[i].start)
				__builtin_trap(); /* starts are unique after finish */
		}
		symtab_find(&t, 0);
		symtab_find(&t, UINT64_MAX);
	}
	symtab_free(&t);
	lr_free(&lr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, SYM_MAX_LINE);
	run(data, size, 24);
	return 0;
}
