// SPDX-License-Identifier: MIT
/*
 * The vDSO is the same image in every process on this kernel, so its
 * symbols come from our own copy (found through the auxiliary vector), read
 * once: clock_gettime and friends show up by name in any process's stacks.
 */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include "symbolize_internal.h"

int vdso_syms_load(struct elf_syms *out)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	unsigned long long lo, hi;
	char line[512];
	size_t len = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (!base)
		return -1;
	/* Its size: our own [vdso] line. */
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &lo, &hi) == 2 &&
		    lo == base && hi > lo && hi - lo <= (1u << 20))
			len = (size_t)(hi - lo);
	fclose(f);
	if (!len)
		return -1;
	return elf_syms_from_mem((const void *)base, len, out);
}
