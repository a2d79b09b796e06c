/* SPDX-License-Identifier: MIT */
/*
 * Pieces of the symbolizer, each in its own file, exposed here so the unit
 * tests and the fuzz targets can drive the parsers on buffers directly.
 * Every parser takes untrusted input and enforces the limits below.
 */
#ifndef KPROF_SYMBOLIZE_INTERNAL_H
#define KPROF_SYMBOLIZE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

/* Limits on untrusted input: past them a file is cut short, never trusted. */
#define SYM_MAX_LINE	       8192	    /* maps, perf map, kallsyms, status */
#define SYM_MAX_MAPS_BYTES     (16u << 20)  /* one /proc/PID/maps */
#define SYM_MAX_MAPPINGS       8192	    /* executable mappings per process */
#define SYM_MAX_PERFMAP_BYTES  (256u << 20) /* one perf-PID.map */
#define SYM_MAX_PERFMAP_SYMS   (2u << 20)
#define SYM_MAX_KALLSYMS_BYTES (256u << 20)
#define SYM_MAX_KALLSYMS_SYMS  (4u << 20)
#define SYM_MAX_ELF_SECTION    (64u << 20) /* one .symtab/.dynsym/.strtab read */
#define SYM_MAX_ELF_SYMS       (2u << 20)  /* FUNC symbols kept per file */
#define SYM_MAX_NAMES_BYTES    (64u << 20) /* symbol name bytes per table */
#define SYM_MAX_NAME	       1024	   /* longer names are cut */
#define SYM_MAX_SEGMENTS       64	   /* PT_LOAD segments per file */
#define SYM_MAX_SECTIONS       65536	   /* section headers looked at */
#define SYM_MAX_NOTE	       (64u << 10) /* note segment read for the build id */
/* A last symbol of unknown size covers at most this much. */
#define SYM_LAST_SYMBOL_SPAN 65536

/* ---- bounded line reader over an fd or a buffer (symbolize_lines.c) ---- */
struct line_reader {
	int fd;		 /* -1 when reading mem */
	const char *mem; /* buffer source */
	size_t mem_len, mem_pos;
	char *buf;
	size_t cap, start, end;
	size_t max_line;
	uint64_t total, max_total;
	bool eof;
	uint64_t overlong; /* lines skipped for being too long */
};

/* 0 or -ENOMEM. Lines longer than max_line are skipped, reading stops
 * after max_total bytes. */
int lr_init_fd(struct line_reader *lr, int fd, size_t max_line, uint64_t max_total);
int lr_init_mem(struct line_reader *lr, const char *mem, size_t len, size_t max_line);
/* Next line without its '\n', NUL-terminated, in *line; false at the end. */
bool lr_next(struct line_reader *lr, char **line, size_t *len);
void lr_free(struct line_reader *lr);

/*
 * Reads 1 to 16 hex digits at *p into *out and advances *p past them;
 * false for no digit or more than 64 bits (no "0x" prefix handling).
 */
bool parse_hex_u64(char **p, uint64_t *out);

/* ---- sorted address -> name table (symbolize_table.c) ---- */
struct sym_entry {
	uint64_t start, size; /* size 0: up to the next symbol */
	uint32_t name;	      /* offset into names */
	uint16_t aux;	      /* kallsyms: module index + 1, 0 = core kernel */
	uint8_t rank;	      /* at equal start the higher rank wins, then the later */
};

struct sym_table {
	struct sym_entry *e;
	size_t n, cap, max_entries;
	char *names;
	size_t names_len, names_cap, max_names;
	bool full; /* a cap was hit: some symbols were dropped */
};

void symtab_init(struct sym_table *t, size_t max_entries, size_t max_names);
/* 0, -ENOSPC when a cap is hit (the entry is dropped), -ENOMEM. */
int symtab_add(struct sym_table *t, uint64_t start, uint64_t size, const char *name, size_t len,
	       uint16_t aux, uint8_t rank);
/* Sorts, keeps one entry per start, shrinks the arrays. */
void symtab_finish(struct sym_table *t);
const struct sym_entry *symtab_find(const struct sym_table *t, uint64_t addr);
static inline const char *symtab_name(const struct sym_table *t, const struct sym_entry *e)
{
	return t->names + e->name;
}
size_t symtab_bytes(const struct sym_table *t);
void symtab_free(struct sym_table *t);

/* ---- ELF symbols (symbolize_elf.c) ---- */
struct elf_segment {
	uint64_t vaddr, offset, filesz, memsz;
	bool exec;
};

struct elf_syms {
	struct sym_table syms;
	struct elf_segment seg[SYM_MAX_SEGMENTS];
	unsigned int nseg;
	char build_id[41]; /* hex, "" if none */
	bool is_dyn;	   /* ET_DYN: PIE or shared library */
	bool has_symtab;   /* .symtab read: not stripped */
};

/* One-time libelf setup; false if the library is unusable. */
bool elf_syms_lib_init(void);
/* Parses an open regular file (read with pread, never mmap: a file cut
 * short while being read gives an error, not SIGBUS). 0 or -errno;
 * on error *out holds no symbols but is safe to free. */
int elf_syms_from_fd(int fd, struct elf_syms *out);
/* Same on a buffer (the fuzz target); the buffer is copied. */
int elf_syms_from_mem(const void *data, size_t len, struct elf_syms *out);
/* Only the build id, cheaply: 0 and the hex id, or -errno. */
int elf_build_id_from_fd(int fd, char out[41]);
/* Virtual address in the ELF file of a file offset, through the PT_LOAD
 * segment holding it; false if none does. */
bool elf_offset_to_vaddr(const struct elf_syms *es, uint64_t off, uint64_t *vaddr);
void elf_syms_free(struct elf_syms *es);
size_t elf_syms_bytes(const struct elf_syms *es);

/* Our own vDSO's symbols (symbolize_vdso.c): 0 or -1. */
int vdso_syms_load(struct elf_syms *out);

/* ---- /proc/PID/maps (symbolize_maps.c) ---- */
enum map_kind {
	MAPK_FILE,    /* a file: symbols from its ELF */
	MAPK_ANON,    /* anonymous executable memory: JIT code */
	MAPK_SPECIAL, /* [vdso], [vsyscall], ...: no symbols */
};

struct map_entry {
	uint64_t start, end, offset;
	uint64_t dev, inode;
	uint32_t path; /* offset into maps.paths */
	uint8_t kind;
	bool deleted; /* " (deleted)" was stripped from the path */
};

struct maps {
	struct map_entry *m;
	size_t n, cap;
	char *paths;
	size_t paths_len, paths_cap;
};

/* Keeps executable mappings only, sorted by start. Junk lines are
 * skipped. 0 or -ENOMEM. */
int maps_parse(struct line_reader *lr, struct maps *out);
const struct map_entry *maps_find(const struct maps *mp, uint64_t addr);
static inline const char *maps_path(const struct maps *mp, const struct map_entry *e)
{
	return mp->paths + e->path;
}
void maps_free(struct maps *mp);

/* ---- perf-PID.map (symbolize_perfmap.c): "START SIZE name", hex ---- */
int perfmap_parse(struct line_reader *lr, struct sym_table *out);

/* ---- /proc/kallsyms (symbolize_kallsyms.c) ---- */
struct kallsyms {
	struct sym_table syms;
	char **modules; /* "[name]", indexed by aux - 1 */
	size_t nmodules;
	uint64_t lo, hi; /* address range covered */
};

int kallsyms_parse(struct line_reader *lr, struct kallsyms *out);
void kallsyms_free(struct kallsyms *k);

/* ---- interning of returned strings and mappings (symbolize_intern.c) ----
 * Returned pointers must outlive evictions from the file cache, so what is
 * handed out is interned here until the symbolizer is freed; bounded by
 * bytes, past which NULL is returned (the caller says "[unknown]"). */
struct sym_mapping;
struct intern;
struct intern *intern_new(size_t max_bytes);
const char *intern_str(struct intern *in, const char *s);
const struct sym_mapping *intern_mapping(struct intern *in, const struct sym_mapping *m);
size_t intern_bytes(const struct intern *in);
/* Forgets every value handed out. */
void intern_reset(struct intern *in);
void intern_free(struct intern *in);

/* ---- bounded LRU cache of parsed ELF files (symbolize_cache.c) ---- */
struct file_key {
	uint64_t dev, ino, size;
	int64_t mtime_ns;
};

struct file_cache;
struct file_cache *fcache_new(size_t max_files, size_t max_bytes);
/* Pointers returned stay valid until the next fcache_put(). */
struct elf_syms *fcache_get(struct file_cache *fc, const struct file_key *k);
/* An entry of the same build id and size (another container's copy);
 * remembers k as an alias of it. NULL if none. */
struct elf_syms *fcache_get_build_id(struct file_cache *fc, const char *build_id,
				     const struct file_key *k);
/* Takes es (heap-allocated) over, evicting least recently used files to
 * stay within the bounds; NULL (es freed) on out of memory. */
struct elf_syms *fcache_put(struct file_cache *fc, const struct file_key *k, struct elf_syms *es);
void fcache_stats(const struct file_cache *fc, size_t *files, size_t *bytes, uint64_t *evictions);
void fcache_free(struct file_cache *fc);

#endif /* KPROF_SYMBOLIZE_INTERNAL_H */
