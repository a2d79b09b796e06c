// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ELF symbol reader on arbitrary bytes, both from
 * memory and, as kprof reads real files, from a file descriptor (memfd).
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "symbolize_internal.h"

static int memfd = -1;

static void via_fd(const uint8_t *data, size_t size)
{
	struct elf_syms es;
	char bid[41];

	if (memfd < 0 && (memfd = memfd_create("fuzz-elf", MFD_CLOEXEC)) < 0)
		return;
	if (ftruncate(memfd, 0) || pwrite(memfd, data, size, 0) != (ssize_t)size)
		return;
	elf_syms_from_fd(memfd, &es);
	if (es.syms.n && !symtab_find(&es.syms, es.syms.e[0].start))
		__builtin_trap();
	elf_syms_free(&es);
	elf_build_id_from_fd(memfd, bid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_syms es;
	uint64_t v;

	elf_syms_from_mem(data, size, &es);
	for (unsigned int i = 0; i < es.nseg; i++) {
		if (elf_offset_to_vaddr(&es, es.seg[i].offset + es.seg[i].filesz / 2, &v)) {
			const struct sym_entry *e = symtab_find(&es.syms, v);

			if (e && !symtab_name(&es.syms, e)[0] && e->name)
				__builtin_trap(); /* names are never empty */
		}
	}
	for (size_t i = 0; i < es.syms.n; i++)
		if (symtab_find(&es.syms, es.syms.e[i].start) == NULL)
			__builtin_trap(); /* every kept symbol finds itself */
	elf_syms_free(&es);
	via_fd(data, size);
	return 0;
}
