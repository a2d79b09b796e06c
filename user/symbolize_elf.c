// SPDX-License-Identifier: MIT
/*
 * Function symbols, PT_LOAD segments and the GNU build id of an ELF file,
 * with libelf. The file is untrusted: every libelf return is checked, the
 * sections read are size-capped before libelf allocates them, and symbol
 * counts are capped, so a corrupt or huge file yields few or no symbols.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize_internal.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif

bool elf_syms_lib_init(void)
{
	static int ok = -1;

	if (ok < 0)
		ok = elf_version(EV_CURRENT) != EV_NONE;
	return ok;
}

static void hex(const unsigned char *p, size_t n, char out[41])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (n > 20)
		n = 20;
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

/* The first NT_GNU_BUILD_ID note in a note data block. */
static bool note_build_id(Elf_Data *d, char out[41])
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz > 0 &&
		    nh.n_descsz <= 64 && desc_off + nh.n_descsz <= d->d_size &&
		    !memcmp((char *)d->d_buf + name_off, "GNU", 4)) {
			hex((unsigned char *)d->d_buf + desc_off, nh.n_descsz, out);
			return true;
		}
		if (next <= off)
			break;
		off = next;
	}
	return false;
}

/* Build id from PT_NOTE segments: no section headers needed. */
static void read_build_id(Elf *elf, size_t phnum, char out[41])
{
	size_t i;

	out[0] = 0;
	for (i = 0; i < phnum && i < SYM_MAX_SEGMENTS * 4; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz > SYM_MAX_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (d && d->d_buf && note_build_id(d, out))
			return;
	}
}

static void read_segments(Elf *elf, size_t phnum, struct elf_syms *out)
{
	size_t i;

	for (i = 0; i < phnum && i < SYM_MAX_SEGMENTS * 4 && out->nseg < SYM_MAX_SEGMENTS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset + ph.p_filesz < ph.p_offset)
			continue;
		out->seg[out->nseg++] = (struct elf_segment){
			.vaddr = ph.p_vaddr,
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.memsz = ph.p_memsz,
			.exec = ph.p_flags & PF_X,
		};
	}
}

/* Checks the string table a symbol table links to before libelf loads it. */
static bool strtab_ok(Elf *elf, size_t link)
{
	Elf_Scn *scn = elf_getscn(elf, link);
	GElf_Shdr sh;

	return scn && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_STRTAB &&
	       sh.sh_size <= SYM_MAX_ELF_SECTION;
}

/*
 * Of aliases at one address, the name people know: sized over unsized,
 * global over weak over local, then fewer leading underscores (printf over
 * _IO_printf).
 */
static uint8_t alias_rank(const GElf_Sym *sym, const char *name)
{
	int bind = GELF_ST_BIND(sym->st_info), under = 0;

	while (under < 3 && name[under] == '_')
		under++;
	return (uint8_t)((sym->st_size ? 1 << 4 : 0) +
			 (bind == STB_GLOBAL ? 2 << 2
			  : bind == STB_WEAK ? 1 << 2
					     : 0) +
			 (3 - under));
}

static void read_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct sym_table *t)
{
	Elf_Data *d;
	size_t i, n;

	if (sh->sh_size == 0 || sh->sh_size > SYM_MAX_ELF_SECTION || sh->sh_type == SHT_NOBITS)
		return;
	if (!strtab_ok(elf, sh->sh_link))
		return;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_type != ELF_T_SYM)
		return;
	n = d->d_size / gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_value == 0)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (symtab_add(t, sym.st_value, sym.st_size, name, strlen(name), 0,
			       alias_rank(&sym, name)) == -ENOSPC)
			break;
	}
}

static int parse(Elf *elf, struct elf_syms *out)
{
	GElf_Ehdr eh;
	size_t phnum = 0, shnum = 0, seen = 0;
	Elf_Scn *scn = NULL;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		return -ENOEXEC;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	out->is_dyn = eh.e_type == ET_DYN;
	if (elf_getphdrnum(elf, &phnum))
		phnum = 0;
	read_segments(elf, phnum, out);
	read_build_id(elf, phnum, out->build_id);
	if (elf_getshdrnum(elf, &shnum))
		return 0; /* segments but no sections: no symbols */
	while (seen++ < SYM_MAX_SECTIONS && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
			read_symbols(elf, scn, &sh, &out->syms);
		if (sh.sh_type == SHT_SYMTAB)
			out->has_symtab = true;
		if (out->syms.full)
			break;
	}
	symtab_finish(&out->syms);
	return 0;
}

static void init_out(struct elf_syms *out)
{
	memset(out, 0, sizeof(*out));
	symtab_init(&out->syms, SYM_MAX_ELF_SYMS, SYM_MAX_NAMES_BYTES);
}

int elf_syms_from_fd(int fd, struct elf_syms *out)
{
	Elf *elf;
	int err;

	init_out(out);
	if (!elf_syms_lib_init())
		return -ENOSYS;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -ENOEXEC;
	err = parse(elf, out);
	elf_end(elf);
	return err;
}

int elf_syms_from_mem(const void *data, size_t len, struct elf_syms *out)
{
	char *copy;
	Elf *elf;
	int err;

	init_out(out);
	if (!elf_syms_lib_init())
		return -ENOSYS;
	/* libelf may convert the image in place; the caller's stays intact. */
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	elf = elf_memory(copy, len);
	if (!elf) {
		free(copy);
		return -ENOEXEC;
	}
	err = parse(elf, out);
	elf_end(elf);
	free(copy);
	return err;
}

int elf_build_id_from_fd(int fd, char out[41])
{
	size_t phnum = 0;
	Elf *elf;

	out[0] = 0;
	if (!elf_syms_lib_init())
		return -ENOSYS;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) == ELF_K_ELF && !elf_getphdrnum(elf, &phnum))
		read_build_id(elf, phnum, out);
	elf_end(elf);
	return out[0] ? 0 : -ENOENT;
}

bool elf_offset_to_vaddr(const struct elf_syms *es, uint64_t off, uint64_t *vaddr)
{
	unsigned int i;

	/* Executable segments first: stack addresses are code. */
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < es->nseg; i++) {
			const struct elf_segment *s = &es->seg[i];

			if (s->exec != (pass == 0))
				continue;
			if (off >= s->offset && off - s->offset < s->filesz) {
				*vaddr = s->vaddr + (off - s->offset);
				return true;
			}
		}
	return false;
}

size_t elf_syms_bytes(const struct elf_syms *es)
{
	return sizeof(*es) + symtab_bytes(&es->syms);
}

void elf_syms_free(struct elf_syms *es)
{
	symtab_free(&es->syms);
}
