/* SPDX-License-Identifier: MIT */
/*
 * Symbolization of stack addresses: kernel frames from /proc/kallsyms
 * (modules included), user frames from /proc/PID/maps and ELF symbol tables
 * (read through /proc/PID/root so containers resolve), JIT frames from
 * /tmp/perf-PID.map. Every file it reads is untrusted input: a malformed,
 * truncated or huge file yields "[unknown]" frames, never a crash, a hang or
 * unbounded allocation. No BPF here; unit-tested on files the tests build.
 *
 * Interface contract between the symbolizer (user/symbolize*.c) and the
 * stack sinks (folded, SVG, pprof). Strings and mappings returned stay valid
 * until symbolizer_free() or symbolizer_release_strings(). One thread at a
 * time.
 */
#ifndef KPROF_SYMBOLIZE_H
#define KPROF_SYMBOLIZE_H

#include <stdint.h>
#include <stdbool.h>

/* A mapping of a file into a process (a pprof Mapping). */
struct sym_mapping {
	uint64_t start, limit, file_offset;
	const char *path;     /* as the process sees it; "[kernel.kallsyms]", "[jit]" */
	const char *build_id; /* hex GNU build id, or "" */
};

/* One resolved frame (a pprof Location + Function). */
struct sym_frame {
	const char *function;		   /* "[unknown]" when it cannot be resolved */
	const char *file;		   /* module or file the function is in; "" if unknown */
	uint64_t addr;			   /* the address looked up */
	uint64_t sym_offset;		   /* addr - start of the function (0 if unknown) */
	const struct sym_mapping *mapping; /* NULL if none */
};

struct symbolizer;

struct symbolizer_options {
	/* Where procfs is; "/proc" unless a test points elsewhere. */
	const char *proc_root;
	/* Where kallsyms is; "/proc/kallsyms" by default. */
	const char *kallsyms_path;
	/* Where perf maps are; "/tmp" by default (seen through /proc/PID/root). */
	const char *perf_map_dir;
	/* Bounds of the parsed-file cache; 0 for the defaults below. A single
	 * file larger than max_bytes is still kept, alone (per-file caps bound
	 * it: 2M symbols, 64 MiB of names). */
	size_t cache_max_files;
	size_t cache_max_bytes;
	/* Age (s) past which symbolizer_release_strings() rereads kallsyms;
	 * 0 for 300. */
	unsigned int kallsyms_max_age_s;
};

#define SYMBOLIZER_CACHE_FILES 512
#define SYMBOLIZER_CACHE_BYTES (256u << 20)

/* What the symbolizer did, for tests and self-monitoring. */
struct symbolizer_stats {
	uint64_t elf_parses;	 /* ELF files parsed (cache misses) */
	uint64_t elf_cache_hits; /* lookups served by the file cache */
	uint64_t elf_evictions;	 /* files dropped to stay in bounds */
	uint64_t cache_files;	 /* files cached now */
	uint64_t cache_bytes;	 /* their size, estimated */
	uint64_t maps_reads;	 /* /proc/PID/maps files read */
	uint64_t perf_map_reads; /* perf-PID.map files read */
	uint64_t debug_files;	 /* separate debug files read (by build id) */
	uint64_t unknown_frames; /* frames answered "[unknown]" */
	uint64_t interned_bytes; /* strings and mappings handed out */
};

/* NULL on out of memory. opt may be NULL for the defaults. */
struct symbolizer *symbolizer_new(const struct symbolizer_options *opt);
void symbolizer_free(struct symbolizer *s);

void symbolize_kernel(struct symbolizer *s, uint64_t addr, struct sym_frame *out);
void symbolize_user(struct symbolizer *s, uint32_t pid, uint64_t addr, struct sym_frame *out);

/*
 * Forgets per-process state (maps, perf maps) but keeps the per-file cache,
 * so a long-running `kprof serve` does not grow with every pid it has seen.
 */
void symbolizer_forget_processes(struct symbolizer *s);

/*
 * Invalidates every string and mapping returned so far and frees them. What
 * is handed out is kept (deduplicated) for the caller, bounded at 64 MiB,
 * past which frames read "[unknown]"; a long-running process calls this
 * once a profile is written, e.g. with symbolizer_forget_processes().
 * Kernel symbols older than kallsyms_max_age_s are read again afterwards
 * (modules and BPF programs come and go).
 */
void symbolizer_release_strings(struct symbolizer *s);

void symbolizer_get_stats(const struct symbolizer *s, struct symbolizer_stats *out);

#endif /* KPROF_SYMBOLIZE_H */
