// SPDX-License-Identifier: MIT
/*
 * The symbolizer: kallsyms for kernel frames; per process, executable
 * mappings from /proc/PID/maps, each file's ELF symbols from the shared
 * file cache, and perf-PID.map for JIT code. Files are opened inside the
 * process's root (/proc/PID/root, symlinks resolved within it) so that a
 * container's files resolve and cannot point us at the host's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "symbolize.h"
#include "symbolize_internal.h"

#define PROC_BUCKETS	 1024
#define MAX_PROCS	 16384 /* forget them all past this: bounded memory */
#define INTERN_MAX_BYTES (64u << 20)
/* Modules and BPF programs come and go: kallsyms older than this is read
 * again when the caller releases the strings (names point into it). */
#define KALLSYMS_MAX_AGE_S 300u

static const char UNKNOWN[] = "[unknown]";

enum map_state { MS_NEW, MS_KEYED, MS_FAILED };

struct map_st {
	struct file_key key;
	uint8_t state;
};

struct proc {
	struct proc *next;
	uint32_t pid;
	bool have_maps, perfmap_tried, have_perfmap;
	struct maps maps;
	struct map_st *st;
	struct sym_table perfmap;
};

struct symbolizer {
	char proc_root[256], kallsyms_path[256], perf_map_dir[256];
	struct kallsyms ksyms;
	bool ksyms_tried;
	time_t ksyms_loaded;
	unsigned int ksyms_max_age;
	struct sym_mapping kmapping;
	struct proc *procs[PROC_BUCKETS];
	size_t nprocs;
	struct elf_syms vdso;
	bool vdso_tried, have_vdso;
	struct file_cache *files;
	struct intern *intern;
	struct symbolizer_stats stats;
};

static void copy_opt(char *dst, size_t n, const char *v, const char *def)
{
	snprintf(dst, n, "%s", v && *v ? v : def);
}

struct symbolizer *symbolizer_new(const struct symbolizer_options *opt)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	copy_opt(s->proc_root, sizeof(s->proc_root), opt ? opt->proc_root : NULL, "/proc");
	copy_opt(s->kallsyms_path, sizeof(s->kallsyms_path), opt ? opt->kallsyms_path : NULL,
		 "/proc/kallsyms");
	copy_opt(s->perf_map_dir, sizeof(s->perf_map_dir), opt ? opt->perf_map_dir : NULL, "/tmp");
	s->files = fcache_new(
		opt && opt->cache_max_files ? opt->cache_max_files : SYMBOLIZER_CACHE_FILES,
		opt && opt->cache_max_bytes ? opt->cache_max_bytes : SYMBOLIZER_CACHE_BYTES);
	s->intern = intern_new(INTERN_MAX_BYTES);
	s->ksyms_max_age =
		opt && opt->kallsyms_max_age_s ? opt->kallsyms_max_age_s : KALLSYMS_MAX_AGE_S;
	if (!s->files || !s->intern) {
		symbolizer_free(s);
		return NULL;
	}
	elf_syms_lib_init();
	return s;
}

static void proc_free(struct proc *p)
{
	maps_free(&p->maps);
	free(p->st);
	symtab_free(&p->perfmap);
	free(p);
}

void symbolizer_forget_processes(struct symbolizer *s)
{
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		for (struct proc *p = s->procs[i], *next; p; p = next) {
			next = p->next;
			proc_free(p);
		}
		s->procs[i] = NULL;
	}
	s->nprocs = 0;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	symbolizer_forget_processes(s);
	kallsyms_free(&s->ksyms);
	elf_syms_free(&s->vdso);
	fcache_free(s->files);
	intern_free(s->intern);
	free(s);
}

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void symbolizer_release_strings(struct symbolizer *s)
{
	intern_reset(s->intern);
	if (s->ksyms_tried && now_s() - s->ksyms_loaded >= (time_t)s->ksyms_max_age) {
		kallsyms_free(&s->ksyms);
		s->ksyms_tried = false;
	}
}

void symbolizer_get_stats(const struct symbolizer *s, struct symbolizer_stats *out)
{
	size_t files, bytes;
	uint64_t evictions;

	*out = s->stats;
	fcache_stats(s->files, &files, &bytes, &evictions);
	out->cache_files = files;
	out->cache_bytes = bytes;
	out->elf_evictions = evictions;
	out->interned_bytes = intern_bytes(s->intern);
}

/*
 * Without openat2 (Linux < 5.6, or valgrind): walk the path one component
 * at a time below dirfd, refusing symlinks and "..", so nothing resolves
 * outside the root. Paths in /proc/PID/maps are already canonical, so a
 * symlink there means the file system changed since: giving up is fine.
 */
static int open_beneath(int dirfd, const char *path, int flags)
{
	char comp[256];
	int fd = dup(dirfd);

	while (fd >= 0 && *path) {
		const char *end;
		size_t len;
		int next;

		while (*path == '/')
			path++;
		end = strchrnul(path, '/');
		len = (size_t)(end - path);
		if (len == 0)
			break;
		if (len >= sizeof(comp) || (len == 2 && !memcmp(path, "..", 2))) {
			close(fd);
			errno = EPERM;
			return -1;
		}
		memcpy(comp, path, len);
		comp[len] = 0;
		path = end;
		while (*path == '/')
			path++;
		next = openat(fd, comp,
			      *path ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
				    : flags | O_NOFOLLOW);
		close(fd);
		fd = next;
	}
	return fd;
}

/* A regular file, opened so that neither a FIFO nor a device can block us. */
static int open_regular(int dirfd, const char *path, bool in_root)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd;

	if (in_root) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd < 0 && errno == ENOSYS)
			fd = open_beneath(dirfd, path, (int)how.flags);
	} else {
		fd = openat(dirfd, path, (int)how.flags);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* Opens path as process pid sees it, inside its root directory. */
static int open_in_root(struct symbolizer *s, uint32_t pid, const char *path)
{
	char root[300];
	int dirfd, fd;

	if (snprintf(root, sizeof(root), "%s/%u/root", s->proc_root, pid) >= (int)sizeof(root))
		return -ENAMETOOLONG;
	dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	fd = open_regular(dirfd, path, true);
	close(dirfd);
	return fd;
}

static int open_proc_file(struct symbolizer *s, uint32_t pid, const char *name)
{
	char path[300];

	if (snprintf(path, sizeof(path), "%s/%u/%s", s->proc_root, pid, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return open_regular(AT_FDCWD, path, false);
}

/* The pid as the process's own namespace numbers it (perf maps use it). */
static uint32_t ns_pid(struct symbolizer *s, uint32_t pid)
{
	struct line_reader lr;
	uint32_t ns = pid;
	char *line;
	size_t len;
	int fd = open_proc_file(s, pid, "status");

	if (fd < 0)
		return pid;
	if (!lr_init_fd(&lr, fd, SYM_MAX_LINE, 1u << 20)) {
		while (lr_next(&lr, &line, &len)) {
			char *last;
			unsigned long v;

			if (strncmp(line, "NSpid:", 6))
				continue;
			last = strrchr(line, '\t');
			if (last) {
				char *end;

				v = strtoul(last + 1, &end, 10);
				if (end != last + 1 && !*end && v && v <= UINT32_MAX)
					ns = (uint32_t)v;
			}
			break;
		}
		lr_free(&lr);
	}
	close(fd);
	return ns;
}

static struct proc *get_proc(struct symbolizer *s, uint32_t pid)
{
	struct proc **head = &s->procs[pid % PROC_BUCKETS], *p;
	struct line_reader lr;
	int fd;

	for (p = *head; p; p = p->next)
		if (p->pid == pid)
			return p;
	if (s->nprocs >= MAX_PROCS)
		symbolizer_forget_processes(s);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	symtab_init(&p->perfmap, 0, 0);
	fd = open_proc_file(s, pid, "maps");
	if (fd >= 0) {
		s->stats.maps_reads++;
		if (!lr_init_fd(&lr, fd, SYM_MAX_LINE, SYM_MAX_MAPS_BYTES)) {
			/* A partial table on out of memory is still usable. */
			maps_parse(&lr, &p->maps);
			lr_free(&lr);
		}
		close(fd);
		p->st = calloc(p->maps.n ? p->maps.n : 1, sizeof(*p->st));
		p->have_maps = p->st != NULL;
	}
	p->next = s->procs[pid % PROC_BUCKETS];
	s->procs[pid % PROC_BUCKETS] = p;
	s->nprocs++;
	return p;
}

static void load_perfmap(struct symbolizer *s, struct proc *p)
{
	uint32_t ns = ns_pid(s, p->pid);
	struct line_reader lr;
	char path[320];
	int fd;

	p->perfmap_tried = true;
	fd = -ENOENT;
	if (snprintf(path, sizeof(path), "%s/perf-%u.map", s->perf_map_dir, ns) < (int)sizeof(path))
		fd = open_in_root(s, p->pid, path);
	if (fd < 0 && ns != p->pid &&
	    snprintf(path, sizeof(path), "%s/perf-%u.map", s->perf_map_dir, p->pid) <
		    (int)sizeof(path))
		fd = open_in_root(s, p->pid, path);
	if (fd < 0)
		return;
	s->stats.perf_map_reads++;
	if (!lr_init_fd(&lr, fd, SYM_MAX_LINE, SYM_MAX_PERFMAP_BYTES)) {
		symtab_free(&p->perfmap);
		p->have_perfmap = !perfmap_parse(&lr, &p->perfmap);
		lr_free(&lr);
	}
	close(fd);
}

/*
 * A stripped file's full symbol table from its separate debug file
 * (Debian's -dbgsym packages), named by build id: first in the process's
 * root, then on the host, which holds the same binary if the id matches.
 */
static void add_debug_symbols(struct symbolizer *s, uint32_t pid, struct elf_syms *es)
{
	char path[128];
	struct elf_syms dbg;
	int fd;

	if (es->has_symtab || strlen(es->build_id) < 4)
		return;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", es->build_id,
		 es->build_id + 2);
	fd = open_in_root(s, pid, path);
	if (fd < 0)
		fd = open_regular(AT_FDCWD, path, false);
	if (fd < 0)
		return;
	s->stats.debug_files++;
	if (!elf_syms_from_fd(fd, &dbg) && dbg.syms.n > es->syms.n) {
		/* Same code, same addresses: its symbols, our segments. */
		struct sym_table t = es->syms;

		es->syms = dbg.syms;
		dbg.syms = t;
		es->has_symtab = true;
	}
	elf_syms_free(&dbg);
	close(fd);
}

static struct elf_syms *parse_file(struct symbolizer *s, uint32_t pid, int fd,
				   const struct file_key *k)
{
	struct elf_syms *es = malloc(sizeof(*es));

	if (!es)
		return NULL;
	s->stats.elf_parses++;
	/* A file that does not parse is cached too, empty: it is not read
	 * again for every frame. */
	if (!elf_syms_from_fd(fd, es))
		add_debug_symbols(s, pid, es);
	return fcache_put(s->files, k, es);
}

/* Opens the file behind mapping m; when it changed or was deleted since it
 * was mapped, the kernel's own link to the mapped file is the way in. */
static int open_mapped(struct symbolizer *s, struct proc *p, const struct map_entry *m)
{
	char name[64];
	struct stat st;
	int fd = -ENOENT;

	if (!m->deleted) {
		fd = open_in_root(s, p->pid, maps_path(&p->maps, m));
		if (fd >= 0 && m->inode && !fstat(fd, &st) && (uint64_t)st.st_ino != m->inode) {
			close(fd);
			fd = -ESTALE;
		}
	}
	if (fd < 0) {
		snprintf(name, sizeof(name), "map_files/%llx-%llx", (unsigned long long)m->start,
			 (unsigned long long)m->end);
		fd = open_proc_file(s, p->pid, name);
	}
	return fd;
}

static struct elf_syms *file_syms(struct symbolizer *s, struct proc *p, size_t idx)
{
	struct map_st *st = &p->st[idx];
	struct elf_syms *es;
	struct stat sb;
	char bid[41];
	int fd;

	if (st->state == MS_FAILED)
		return NULL;
	if (st->state == MS_KEYED && (es = fcache_get(s->files, &st->key))) {
		s->stats.elf_cache_hits++;
		return es;
	}
	fd = open_mapped(s, p, &p->maps.m[idx]);
	if (fd < 0 || fstat(fd, &sb)) {
		if (fd >= 0)
			close(fd);
		st->state = MS_FAILED;
		return NULL;
	}
	st->key = (struct file_key){
		.dev = (uint64_t)sb.st_dev,
		.ino = (uint64_t)sb.st_ino,
		.size = (uint64_t)sb.st_size,
		.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
	};
	st->state = MS_KEYED;
	es = fcache_get(s->files, &st->key);
	if (!es && !elf_build_id_from_fd(fd, bid))
		es = fcache_get_build_id(s->files, bid, &st->key);
	if (es)
		s->stats.elf_cache_hits++;
	else
		es = parse_file(s, p->pid, fd, &st->key);
	close(fd);
	return es;
}

static void set_mapping(struct symbolizer *s, struct sym_frame *out, const struct map_entry *m,
			const char *path, const char *build_id)
{
	struct sym_mapping sm = {
		.start = m->start,
		.limit = m->end,
		.file_offset = m->offset,
		.path = intern_str(s->intern, path),
		.build_id = intern_str(s->intern, build_id),
	};

	if (sm.path && sm.build_id) {
		out->mapping = intern_mapping(s->intern, &sm);
		out->file = sm.path;
	}
}

static bool lookup_perfmap(struct symbolizer *s, struct proc *p, uint64_t addr,
			   struct sym_frame *out)
{
	const struct sym_entry *e;
	const char *name;

	if (!p->perfmap_tried)
		load_perfmap(s, p);
	if (!p->have_perfmap || !(e = symtab_find(&p->perfmap, addr)))
		return false;
	name = intern_str(s->intern, symtab_name(&p->perfmap, e));
	if (!name)
		return false;
	out->function = name;
	out->sym_offset = addr - e->start;
	if (!out->file[0])
		out->file = "[jit]";
	return true;
}

void symbolize_user(struct symbolizer *s, uint32_t pid, uint64_t addr, struct sym_frame *out)
{
	const struct map_entry *m = NULL;
	const struct sym_entry *e;
	struct elf_syms *es;
	struct proc *p;
	uint64_t vaddr;
	const char *name;

	*out = (struct sym_frame){.function = UNKNOWN, .file = "", .addr = addr};
	p = get_proc(s, pid);
	if (p && p->have_maps)
		m = maps_find(&p->maps, addr);
	if (!p)
		goto out_unknown;
	if (!m) {
		/* Gone, or JIT code in memory we did not see mapped. */
		if (!lookup_perfmap(s, p, addr, out))
			goto out_unknown;
		return;
	}
	switch (m->kind) {
	case MAPK_ANON:
		set_mapping(s, out, m, "[jit]", "");
		if (lookup_perfmap(s, p, addr, out))
			return;
		goto out_unknown;
	case MAPK_SPECIAL:
		if (strcmp(maps_path(&p->maps, m), "[vdso]")) {
			set_mapping(s, out, m, maps_path(&p->maps, m), "");
			goto out_unknown;
		}
		if (!s->vdso_tried) {
			s->vdso_tried = true;
			s->have_vdso = !vdso_syms_load(&s->vdso);
		}
		es = s->have_vdso ? &s->vdso : NULL;
		break;
	default:
		es = file_syms(s, p, (size_t)(m - p->maps.m));
		break;
	}
	set_mapping(s, out, m, maps_path(&p->maps, m), es ? es->build_id : "");
	if (!es || !elf_offset_to_vaddr(es, addr - m->start + m->offset, &vaddr) ||
	    !(e = symtab_find(&es->syms, vaddr)) ||
	    !(name = intern_str(s->intern, symtab_name(&es->syms, e))))
		goto out_unknown;
	out->function = name;
	out->sym_offset = vaddr - e->start;
	return;
out_unknown:
	s->stats.unknown_frames++;
}

static void load_kallsyms(struct symbolizer *s)
{
	struct line_reader lr;
	int fd;

	s->ksyms_tried = true;
	s->ksyms_loaded = now_s();
	/* Without symbols (no privilege) the mapping covers everything. */
	s->kmapping = (struct sym_mapping){
		.limit = UINT64_MAX, .path = "[kernel.kallsyms]", .build_id = ""};
	fd = open_regular(AT_FDCWD, s->kallsyms_path, false);
	if (fd < 0)
		return;
	if (!lr_init_fd(&lr, fd, SYM_MAX_LINE, SYM_MAX_KALLSYMS_BYTES)) {
		if (kallsyms_parse(&lr, &s->ksyms))
			kallsyms_free(&s->ksyms);
		lr_free(&lr);
	}
	close(fd);
	if (s->ksyms.syms.n) {
		s->kmapping.start = s->ksyms.lo;
		s->kmapping.limit = s->ksyms.hi + SYM_LAST_SYMBOL_SPAN;
	}
}

void symbolize_kernel(struct symbolizer *s, uint64_t addr, struct sym_frame *out)
{
	const struct sym_entry *e;

	*out = (struct sym_frame){.function = UNKNOWN, .file = "[kernel.kallsyms]", .addr = addr};
	if (!s->ksyms_tried)
		load_kallsyms(s);
	out->mapping = &s->kmapping;
	e = symtab_find(&s->ksyms.syms, addr);
	if (!e) {
		s->stats.unknown_frames++;
		return;
	}
	out->function = symtab_name(&s->ksyms.syms, e);
	out->sym_offset = addr - e->start;
	if (e->aux && e->aux <= s->ksyms.nmodules)
		out->file = s->ksyms.modules[e->aux - 1];
}
