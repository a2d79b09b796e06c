// SPDX-License-Identifier: MIT
/* libFuzzer target: /proc/PID/maps and /proc/kallsyms parsing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "symbolize_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader lr;
	struct kallsyms k;
	struct maps mp;

	if (lr_init_mem(&lr, (const char *)data, size, size % 2 ? SYM_MAX_LINE : 40))
		return 0;
	if (!maps_parse(&lr, &mp)) {
		for (size_t i = 0; i < mp.n; i++) {
			const struct map_entry *m = maps_find(&mp, mp.m[i].start);

			if (!m || m->start > mp.m[i].start || m->end <= mp.m[i].start)
				__builtin_trap();
			if (strlen(maps_path(&mp, m)) > SYM_MAX_LINE)
				__builtin_trap();
		}
	}
	maps_free(&mp);
	lr_free(&lr);

	if (lr_init_mem(&lr, (const char *)data, size, SYM_MAX_LINE))
		return 0;
	if (!kallsyms_parse(&lr, &k))
		for (size_t i = 0; i < k.syms.n; i++)
			if (k.syms.e[i].aux > k.nmodules)
				__builtin_trap();
	kallsyms_free(&k);
	lr_free(&lr);
	return 0;
}
