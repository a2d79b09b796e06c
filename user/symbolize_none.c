// SPDX-License-Identifier: MIT
/*
 * Placeholder symbolizer: every frame "[unknown]". Built only while no real
 * implementation of symbolize.h is in user/ (the Makefile leaves this file
 * out as soon as one defines symbolizer_new), so branches merge in any order.
 */
#include <stdlib.h>
#include "symbolize.h"

struct symbolizer {
	int unused;
};

struct symbolizer *symbolizer_new(const struct symbolizer_options *opt)
{
	(void)opt;
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_free(struct symbolizer *s)
{
	free(s);
}

static void unknown(uint64_t addr, struct sym_frame *out)
{
	out->function = "[unknown]";
	out->file = "";
	out->addr = addr;
	out->sym_offset = 0;
	out->mapping = NULL;
}

void symbolize_kernel(struct symbolizer *s, uint64_t addr, struct sym_frame *out)
{
	(void)s;
	unknown(addr, out);
}

void symbolize_user(struct symbolizer *s, uint32_t pid, uint64_t addr, struct sym_frame *out)
{
	(void)s;
	(void)pid;
	unknown(addr, out);
}

void symbolizer_forget_processes(struct symbolizer *s)
{
	(void)s;
}
