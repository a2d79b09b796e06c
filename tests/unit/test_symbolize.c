// SPDX-License-Identifier: MIT
/*
 * The symbolizer on ELF files this test compiles (non-PIE, PIE, a shared
 * library, stripped), a fake /proc with maps files, a kallsyms fixture with
 * modules, perf maps, and corrupt inputs of every kind. Expected addresses
 * come from nm, not from the code under test.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "symbolize.h"
#include "symbolize_internal.h"

static char dir[64];
static bool have_cc;

static const char prog_src[] =
	"#include <stdio.h>\n"
	"__attribute__((noinline)) int inner_fn(int x) { return x * 3 + 1; }\n"
	"__attribute__((noinline)) int outer_fn(int x) { int s = 0;"
	" for (int i = 0; i < x; i++) s += inner_fn(i); return s; }\n"
	"static __attribute__((noinline)) int local_fn(int x) { return x ^ 5; }\n"
	"int main(int c, char **v) { printf(\"%d\\n\", outer_fn(c) + local_fn(c)); return 0; }\n";

/* Prints where spin_here is, then waits in it until killed. */
static const char spin_src[] =
	"#include <stdio.h>\n#include <unistd.h>\n"
	"__attribute__((noinline)) void spin_here(void) { for (;;) pause(); }\n"
	"int main(void) { printf(\"%p %d\\n\", (void *)&spin_here, getpid());"
	" fflush(stdout); spin_here(); }\n";

static const char lib_src[] =
	"__attribute__((noinline)) int lib_first(int x) { return x * 7; }\n"
	"__attribute__((noinline)) int lib_second(int x) { return lib_first(x) + 2; }\n";

static void writef(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void writes(const char *path, const char *s)
{
	writef(path, s, strlen(s));
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A symbol's value as nm reports it. */
static uint64_t nm_addr(const char *file, const char *sym, bool dynamic)
{
	char cmd[512], line[512];
	uint64_t v = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm %s --defined-only %s", dynamic ? "-D" : "", file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char name[256], type;
		unsigned long long a;

		if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 && !strcmp(name, sym))
			v = a;
	}
	pclose(p);
	if (!v)
		fail_msg("nm found no %s in %s", sym, file);
	return v;
}

/* The executable PT_LOAD segment: what the kernel maps r-xp. */
static void exec_segment(const char *file, uint64_t *vaddr, uint64_t *off, uint64_t *filesz)
{
	int fd = open(file, O_RDONLY);
	size_t n;
	Elf *e;

	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	assert_int_equal(elf_getphdrnum(e, &n), 0);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		assert_non_null(gelf_getphdr(e, (int)i, &ph));
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			*vaddr = ph.p_vaddr;
			*off = ph.p_offset;
			*filesz = ph.p_filesz;
		}
	}
	elf_end(e);
	close(fd);
}

/* The maps line the kernel would write for file's code mapped at base. */
static void maps_line(char *buf, size_t len, const char *file, uint64_t base, uint64_t inode)
{
	uint64_t v = 0, o = 0, sz = 0;

	exec_segment(file, &v, &o, &sz);
	snprintf(buf, len, "%llx-%llx r-xp %08llx 08:01 %llu %s\n",
		 (unsigned long long)(base + (v & ~0xfffull)),
		 (unsigned long long)(base + ((v + sz + 0xfff) & ~0xfffull)),
		 (unsigned long long)(o & ~0xfffull), (unsigned long long)inode, file);
}

/* A fake /proc/PID: maps text and root -> "/" (or a directory). */
static void fake_proc(uint32_t pid, const char *maps, const char *root)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/proc/%u", dir, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/%u/maps", dir, pid);
	writes(p, maps);
	snprintf(p, sizeof(p), "%s/proc/%u/root", dir, pid);
	if (root && symlink(root, p))
		fail_msg("symlink %s: %s", p, strerror(errno));
}

static struct symbolizer *new_sym(size_t max_files)
{
	char proc[128], ksyms[128];
	struct symbolizer_options o = {
		.proc_root = proc, .kallsyms_path = ksyms, .cache_max_files = max_files};
	struct symbolizer *s;

	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(ksyms, sizeof(ksyms), "%s/kallsyms", dir);
	s = symbolizer_new(&o);
	assert_non_null(s);
	return s;
}

static void expect_user(struct symbolizer *s, uint32_t pid, uint64_t addr, const char *fn,
			uint64_t off)
{
	struct sym_frame f;

	symbolize_user(s, pid, addr, &f);
	if (strcmp(f.function, fn) || (fn[0] != '[' && f.sym_offset != off))
		fail_msg("pid %u addr %#llx: got %s+%llu, want %s+%llu", pid,
			 (unsigned long long)addr, f.function, (unsigned long long)f.sym_offset, fn,
			 (unsigned long long)off);
	assert_int_equal(f.addr, addr);
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	strcpy(dir, "/tmp/kprof-sym-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(p, sizeof(p), "%s/proc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/prog.c", dir);
	writes(p, prog_src);
	snprintf(p, sizeof(p), "%s/lib.c", dir);
	writes(p, lib_src);
	snprintf(p, sizeof(p), "%s/spin.c", dir);
	writes(p, spin_src);
	have_cc = !sh("cd %s && cc -O1 -g -no-pie -fno-pie prog.c -o nopie 2>/dev/null && "
		      "cc -O1 -g -pie -fPIE prog.c -o pie && "
		      "cc -O1 -shared -fPIC lib.c -o libt.so && cc -O1 spin.c -o spin && "
		      "cp pie pie.stripped && strip --strip-all pie.stripped && "
		      "cp libt.so libt.stripped.so && strip --strip-all libt.stripped.so",
		      dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

static void test_elf_files(void **state)
{
	char f_nopie[128], f_pie[128], f_lib[128], f_strip[128], f_libstrip[128];
	char maps[4096], l1[512], l2[512], l3[512], l4[512], l5[512];
	const uint64_t pie_base = 0x555555554000ull, lib_base = 0x7f0000000000ull;
	const uint64_t strip_base = 0x560000000000ull, libstrip_base = 0x7f1000000000ull;
	struct symbolizer *s;
	struct sym_frame f;

	(void)state;
	if (!have_cc)
		skip();
	snprintf(f_nopie, sizeof(f_nopie), "%s/nopie", dir);
	snprintf(f_pie, sizeof(f_pie), "%s/pie", dir);
	snprintf(f_lib, sizeof(f_lib), "%s/libt.so", dir);
	snprintf(f_strip, sizeof(f_strip), "%s/pie.stripped", dir);
	snprintf(f_libstrip, sizeof(f_libstrip), "%s/libt.stripped.so", dir);
	maps_line(l1, sizeof(l1), f_nopie, 0, 0);
	maps_line(l2, sizeof(l2), f_pie, pie_base, 0);
	maps_line(l3, sizeof(l3), f_lib, lib_base, 0);
	maps_line(l4, sizeof(l4), f_strip, strip_base, 0);
	maps_line(l5, sizeof(l5), f_libstrip, libstrip_base, 0);
	/* Junk and non-executable lines around the real ones. */
	snprintf(maps, sizeof(maps),
		 "garbage\n%s00400000-00401000 r--p 00000000 08:01 0 %s\n%s%s\n-\n%s%s"
		 "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0 [vdso]\n",
		 l1, f_nopie, l2, l3, l4, l5);
	fake_proc(1000, maps, "/");
	s = new_sym(0);

	expect_user(s, 1000, nm_addr(f_nopie, "inner_fn", false) + 2, "inner_fn", 2);
	expect_user(s, 1000, nm_addr(f_nopie, "outer_fn", false), "outer_fn", 0);
	expect_user(s, 1000, nm_addr(f_nopie, "local_fn", false) + 1, "local_fn", 1);
	expect_user(s, 1000, pie_base + nm_addr(f_pie, "inner_fn", false) + 4, "inner_fn", 4);
	expect_user(s, 1000, pie_base + nm_addr(f_pie, "main", false) + 1, "main", 1);
	expect_user(s, 1000, lib_base + nm_addr(f_lib, "lib_second", false) + 3, "lib_second", 3);
	expect_user(s, 1000, lib_base + nm_addr(f_lib, "lib_first", false), "lib_first", 0);
	/* Stripped: the library keeps .dynsym, the executable has nothing. */
	expect_user(s, 1000, libstrip_base + nm_addr(f_lib, "lib_first", false) + 1, "lib_first",
		    1);
	expect_user(s, 1000, strip_base + nm_addr(f_pie, "inner_fn", false), "[unknown]", 0);
	/* Outside any mapping, in [vdso], in a non-executable mapping. */
	expect_user(s, 1000, 0x1000, "[unknown]", 0);
	expect_user(s, 1000, 0x7ffff7fc1010ull, "[unknown]", 0);

	/* Mapping and file filled in for pprof. */
	symbolize_user(s, 1000, lib_base + nm_addr(f_lib, "lib_first", false), &f);
	assert_string_equal(f.file, f_lib);
	assert_non_null(f.mapping);
	assert_string_equal(f.mapping->path, f_lib);
	assert_int_equal(strlen(f.mapping->build_id), 40); /* Debian's gcc adds one */
	assert_true(f.mapping->start <= f.addr && f.addr < f.mapping->limit);
	symbolize_user(s, 1000, 0x7ffff7fc1010ull, &f);
	assert_string_equal(f.file, "[vdso]");
	symbolizer_free(s);
}

/* The test binary itself, through the real /proc: PIE and libc. */
static void test_live_process(void **state)
{
	struct symbolizer *s = symbolizer_new(NULL);
	struct sym_frame f;

	(void)state;
	assert_non_null(s);
	symbolize_user(s, (uint32_t)getpid(), (uint64_t)(uintptr_t)&test_live_process + 5, &f);
	assert_string_equal(f.function, "test_live_process");
	assert_int_equal(f.sym_offset, 5);
	symbolize_user(s, (uint32_t)getpid(), (uint64_t)(uintptr_t)&getpid, &f);
	assert_non_null(strstr(f.function, "getpid"));
	assert_non_null(strstr(f.file, "libc"));
	/* Of the aliases at one address, the name people know. */
	symbolize_user(s, (uint32_t)getpid(), (uint64_t)(uintptr_t)&printf, &f);
	assert_string_equal(f.function, "printf");

	/* The vDSO, from our own copy of it (valgrind hides it). */
	if (getauxval(AT_SYSINFO_EHDR)) {
		void *h = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
		void *fn = h ? dlsym(h, "__vdso_clock_gettime") : NULL;

		assert_non_null(fn);
		symbolize_user(s, (uint32_t)getpid(), (uint64_t)(uintptr_t)fn + 1, &f);
		assert_non_null(strstr(f.function, "clock_gettime"));
		assert_int_equal(f.sym_offset, 1);
		assert_string_equal(f.file, "[vdso]");
	}

	/* Released strings are handed out anew, the same. */
	symbolizer_release_strings(s);
	symbolize_user(s, (uint32_t)getpid(), (uint64_t)(uintptr_t)&test_live_process, &f);
	assert_string_equal(f.function, "test_live_process");
	symbolizer_free(s);
}

/* A running program whose file was replaced since (an upgrade): the maps
 * say "(deleted)", the kernel's map_files link still has the old file. */
static void test_replaced_binary(void **state)
{
	char cmd[256], path[128];
	unsigned long long addr = 0;
	struct symbolizer *s;
	struct sym_frame f;
	int pid = 0;
	FILE *p;

	(void)state;
	if (!have_cc)
		skip();
	if (geteuid() != 0) {
		print_message("skipped: /proc/PID/map_files needs root\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/spin", dir);
	snprintf(cmd, sizeof(cmd), "%s & wait", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%llx %d", &addr, &pid), 2);
	assert_int_equal(unlink(path), 0);
	writes(path, "not an ELF file any more\n");
	s = symbolizer_new(NULL);
	assert_non_null(s);
	symbolize_user(s, (uint32_t)pid, addr + 2, &f);
	kill(pid, SIGKILL);
	pclose(p);
	assert_string_equal(f.function, "spin_here");
	assert_int_equal(f.sym_offset, 2);
	symbolizer_free(s);
}

static void test_cache_shared_and_bounded(void **state)
{
	char f_pie[128], f_lib[128], maps[2048], l1[512], l2[512];
	const uint64_t pie_base = 0x555555554000ull, lib_base = 0x7f0000000000ull;
	struct symbolizer_stats st;
	struct symbolizer *s;
	uint64_t inner, first;

	(void)state;
	if (!have_cc)
		skip();
	snprintf(f_pie, sizeof(f_pie), "%s/pie", dir);
	snprintf(f_lib, sizeof(f_lib), "%s/libt.so", dir);
	maps_line(l1, sizeof(l1), f_pie, pie_base, 0);
	maps_line(l2, sizeof(l2), f_lib, lib_base, 0);
	snprintf(maps, sizeof(maps), "%s%s", l1, l2);
	inner = pie_base + nm_addr(f_pie, "inner_fn", false);
	first = lib_base + nm_addr(f_lib, "lib_first", false);
	for (uint32_t pid = 20000; pid < 21000; pid++)
		fake_proc(pid, maps, "/");

	/* A thousand processes of one binary and one library: two parses. */
	s = new_sym(0);
	for (uint32_t pid = 20000; pid < 21000; pid++) {
		expect_user(s, pid, inner, "inner_fn", 0);
		expect_user(s, pid, first, "lib_first", 0);
	}
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.elf_parses, 2);
	assert_int_equal(st.maps_reads, 1000);
	assert_int_equal(st.cache_files, 2);

	/* Forgetting processes keeps the files. */
	symbolizer_forget_processes(s);
	expect_user(s, 20000, inner, "inner_fn", 0);
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.elf_parses, 2);
	assert_int_equal(st.maps_reads, 1001);
	symbolizer_free(s);

	/* One file allowed: the two evict each other, answers stay right. */
	s = new_sym(1);
	for (int i = 0; i < 5; i++) {
		expect_user(s, 20000, inner, "inner_fn", 0);
		expect_user(s, 20000, first, "lib_first", 0);
	}
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.cache_files, 1);
	assert_int_equal(st.elf_evictions, 9);
	assert_true(st.elf_parses == 10);
	symbolizer_free(s);

	/* Byte bound: a tiny budget keeps one file at a time. */
	{
		char proc[128];
		struct symbolizer_options o = {.proc_root = proc, .cache_max_bytes = 1};

		snprintf(proc, sizeof(proc), "%s/proc", dir);
		s = symbolizer_new(&o);
		assert_non_null(s);
		expect_user(s, 20001, inner, "inner_fn", 0);
		expect_user(s, 20001, first, "lib_first", 0);
		symbolizer_get_stats(s, &st);
		assert_int_equal(st.cache_files, 1);
		assert_int_equal(st.elf_evictions, 1);
		symbolizer_free(s);
	}
}

/* A container: its root is a directory; paths resolve inside it only. */
static void test_container_root(void **state)
{
	char root[256], p[512], maps[2048], l1[512], l2[512], f_lib[128];
	const uint64_t lib_base = 0x7f0000000000ull, evil_base = 0x7f2000000000ull;
	struct symbolizer_stats st;
	struct symbolizer *s;
	char *line;

	(void)state;
	if (!have_cc)
		skip();
	snprintf(f_lib, sizeof(f_lib), "%s/libt.so", dir);
	snprintf(root, sizeof(root), "%s/ctr", dir);
	assert_int_equal(sh("mkdir -p %s/usr/lib && cp %s %s/usr/lib/libc1.so && "
			    "ln -s %s %s/usr/lib/escape.so",
			    root, f_lib, root, f_lib, root),
			 0);
	/* The maps name the container's paths, not the host's. */
	maps_line(l1, sizeof(l1), f_lib, lib_base, 0);
	maps_line(l2, sizeof(l2), f_lib, evil_base, 0);
	line = strstr(l1, f_lib);
	snprintf(line, sizeof(l1) - (size_t)(line - l1), "/usr/lib/libc1.so\n");
	line = strstr(l2, f_lib);
	snprintf(line, sizeof(l2) - (size_t)(line - l2), "/usr/lib/escape.so\n");
	snprintf(maps, sizeof(maps), "%s%s", l1, l2);
	fake_proc(3000, maps, root);
	s = new_sym(0);
	expect_user(s, 3000, lib_base + nm_addr(f_lib, "lib_second", false), "lib_second", 0);
	/* An absolute symlink inside the container must not reach the host. */
	expect_user(s, 3000, evil_base + nm_addr(f_lib, "lib_second", false), "[unknown]", 0);
	/* The host's copy of the same library (other inode, same build id and
	 * size) is not parsed again. */
	snprintf(maps, sizeof(maps), "%s", l1);
	maps_line(l1, sizeof(l1), f_lib, lib_base, 0);
	fake_proc(3001, l1, "/");
	expect_user(s, 3001, lib_base + nm_addr(f_lib, "lib_first", false), "lib_first", 0);
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.elf_parses, 1);
	assert_int_equal(st.cache_files, 1);
	symbolizer_free(s);
	(void)p;
}

/* A stripped binary with its debug file under /usr/lib/debug/.build-id. */
static void test_debug_file(void **state)
{
	char f_pie[128], root[128], maps[512], line[512], *path;
	const uint64_t base = 0x555555554000ull;
	struct symbolizer_stats st;
	struct symbolizer *s;

	(void)state;
	if (!have_cc)
		skip();
	snprintf(f_pie, sizeof(f_pie), "%s/pie", dir);
	snprintf(root, sizeof(root), "%s/ctr-dbg", dir);
	assert_int_equal(sh("set -e; id=$(readelf -n %s | sed -n 's/.*Build ID: //p'); "
			    "d=%s/usr/lib/debug/.build-id/$(echo $id | cut -c1-2); mkdir -p $d "
			    "%s/bin; objcopy --only-keep-debug %s $d/$(echo $id | cut -c3-).debug; "
			    "cp %s %s/bin/app; strip --strip-all %s/bin/app",
			    f_pie, root, root, f_pie, f_pie, root, root),
			 0);
	maps_line(line, sizeof(line), f_pie, base, 0);
	path = strstr(line, f_pie);
	snprintf(path, sizeof(line) - (size_t)(path - line), "/bin/app\n");
	snprintf(maps, sizeof(maps), "%s", line);
	fake_proc(8000, maps, root);
	s = new_sym(0);
	expect_user(s, 8000, base + nm_addr(f_pie, "inner_fn", false) + 1, "inner_fn", 1);
	expect_user(s, 8000, base + nm_addr(f_pie, "local_fn", false), "local_fn", 0);
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.debug_files, 1);
	assert_int_equal(st.elf_parses, 1);
	symbolizer_free(s);
}

static void test_gone_process(void **state)
{
	char maps[512];
	struct symbolizer *s;
	struct sym_frame f;

	(void)state;
	s = new_sym(0);
	/* No /proc/PID at all. */
	expect_user(s, 999999, 0x401000, "[unknown]", 0);
	/* Maps still there, the file is gone. */
	snprintf(maps, sizeof(maps), "00400000-00500000 r-xp 00000000 08:01 0 %s/no-such-file\n",
		 dir);
	fake_proc(4000, maps, "/");
	symbolize_user(s, 4000, 0x401000, &f);
	assert_string_equal(f.function, "[unknown]");
	assert_non_null(strstr(f.file, "no-such-file"));
	/* No kallsyms at all: frames are [unknown], the mapping is there. */
	symbolizer_free(s);
	{
		struct symbolizer_options o = {.kallsyms_path = "/nonexistent/kallsyms"};

		s = symbolizer_new(&o);
		assert_non_null(s);
		symbolize_kernel(s, 0xffffffff81000000ull, &f);
		assert_string_equal(f.function, "[unknown]");
		assert_non_null(f.mapping);
		assert_string_equal(f.mapping->path, "[kernel.kallsyms]");
		symbolizer_free(s);
	}
}

static const char kallsyms_fixture[] = "0000000000000000 A fixed_percpu_data\n"
				       "ffffffff81000000 T _stext\n"
				       "ffffffff81000100 T do_one\n"
				       "ffffffff81000200 t helper_two\n"
				       "ffffffff81000300 D some_data\n"
				       "ffffffff81000400 W weak_three\n"
				       "junk line here\n"
				       "zzzz T bad_addr\n"
				       "ffffffff81000500 T\n"
				       "ffffffff81000600 T last_core\n"
				       "ffffffffc0001000 t mod_fn_a\t[mymod]\n"
				       "ffffffffc0001100 T mod_fn_b\t[mymod]\n"
				       "ffffffffc0002000 t other_fn\t[othermod]\n"
				       "ffffffffc0002100 t broken_mod\t[nobracket\n"
				       "ffffffffc0003000 t bpf_prog_1234_handler\t[bpf]\n";

static void expect_kernel(struct symbolizer *s, uint64_t addr, const char *fn, const char *file,
			  uint64_t off)
{
	struct sym_frame f;

	symbolize_kernel(s, addr, &f);
	if (strcmp(f.function, fn) || strcmp(f.file, file) || f.sym_offset != off)
		fail_msg("%#llx: got %s+%llu in %s, want %s+%llu in %s", (unsigned long long)addr,
			 f.function, (unsigned long long)f.sym_offset, f.file, fn,
			 (unsigned long long)off, file);
}

static void test_kallsyms(void **state)
{
	char p[256];
	struct symbolizer *s;
	struct sym_frame f;

	(void)state;
	snprintf(p, sizeof(p), "%s/kallsyms", dir);
	writes(p, kallsyms_fixture);
	s = new_sym(0);
	expect_kernel(s, 0xffffffff81000105ull, "do_one", "[kernel.kallsyms]", 5);
	expect_kernel(s, 0xffffffff81000200ull, "helper_two", "[kernel.kallsyms]", 0);
	/* Data symbols are not code: helper_two runs on to weak_three. */
	expect_kernel(s, 0xffffffff81000310ull, "helper_two", "[kernel.kallsyms]", 0x110);
	expect_kernel(s, 0xffffffff81000410ull, "weak_three", "[kernel.kallsyms]", 0x10);
	expect_kernel(s, 0xffffffff81000610ull, "last_core", "[kernel.kallsyms]", 0x10);
	expect_kernel(s, 0xffffffffc0001010ull, "mod_fn_a", "[mymod]", 0x10);
	expect_kernel(s, 0xffffffffc0001200ull, "mod_fn_b", "[mymod]", 0x100);
	expect_kernel(s, 0xffffffffc0002004ull, "other_fn", "[othermod]", 4);
	expect_kernel(s, 0xffffffffc0003001ull, "bpf_prog_1234_handler", "[bpf]", 1);
	/* Below everything, and in the gap between the kernel and modules. */
	expect_kernel(s, 0xffffffff80000000ull, "[unknown]", "[kernel.kallsyms]", 0);
	expect_kernel(s, 0xffffffffa0000000ull, "[unknown]", "[kernel.kallsyms]", 0);
	symbolize_kernel(s, 0xffffffff81000100ull, &f);
	assert_non_null(f.mapping);
	assert_string_equal(f.mapping->path, "[kernel.kallsyms]");
	symbolizer_free(s);

	/* A module loaded later: seen once kallsyms is old enough to reread. */
	{
		char ksyms[128];
		struct symbolizer_options o = {.kallsyms_path = ksyms, .kallsyms_max_age_s = 1};

		snprintf(ksyms, sizeof(ksyms), "%s/kallsyms", dir);
		s = symbolizer_new(&o);
		assert_non_null(s);
		expect_kernel(s, 0xffffffffc0100000ull, "[unknown]", "[kernel.kallsyms]", 0);
		writes(p, "ffffffffc0100000 t late_fn\t[latemod]\n");
		symbolizer_release_strings(s); /* too young: kept */
		expect_kernel(s, 0xffffffffc0100000ull, "[unknown]", "[kernel.kallsyms]", 0);
		sleep(1);
		symbolizer_release_strings(s);
		expect_kernel(s, 0xffffffffc0100004ull, "late_fn", "[latemod]", 4);
		symbolizer_free(s);
		writes(p, kallsyms_fixture);
	}
}

/* The real /proc/kallsyms, when this user may see addresses. */
static void test_real_kallsyms(void **state)
{
	FILE *k = fopen("/proc/kallsyms", "r");
	unsigned long long a = 0;
	char line[512], name[256], type;
	struct symbolizer *s;
	struct sym_frame f;

	(void)state;
	if (!k)
		skip();
	while (fgets(line, sizeof(line), k))
		if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 && a &&
		    !strcmp(name, "schedule") && (type == 'T' || type == 't'))
			break;
		else
			a = 0;
	fclose(k);
	if (!a) {
		print_message("skipped: /proc/kallsyms shows no addresses to this user\n");
		skip();
	}
	s = symbolizer_new(NULL);
	assert_non_null(s);
	symbolize_kernel(s, a + 4, &f);
	assert_string_equal(f.function, "schedule");
	assert_int_equal(f.sym_offset, 4);
	symbolizer_free(s);
}

static void test_perf_map(void **state)
{
	char p[256];
	struct symbolizer *s;
	struct sym_frame f;

	(void)state;
	fake_proc(5000,
		  "7f0000000000-7f0000100000 rwxp 00000000 00:00 0 \n"
		  "7f0000200000-7f0000300000 r-xp 00000000 00:00 0 [anon:jit]\n",
		  NULL);
	snprintf(p, sizeof(p), "%s/proc/5000/root", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/5000/root/tmp", dir);
	mkdir(p, 0755);
	/* The process's own pid in its namespace is 7. */
	snprintf(p, sizeof(p), "%s/proc/5000/status", dir);
	writes(p, "Name:\tjava\nNSpid:\t5000\t7\n");
	snprintf(p, sizeof(p), "%s/proc/5000/root/tmp/perf-7.map", dir);
	writes(p, "7f0000001000 100 LInterpreter;\n"
		  "junk\n"
		  "0x7f0000002000 0x80 Lcom/example/Hot;::run\n"
		  "7f0000003000 zz bad size\n"
		  "7f0000003000 0 zero size\n"
		  "7f0000004000 40 old_name\n"
		  "7f0000004000 40 new_name\n"
		  "ffffffffffffffff 10 wraps\n"
		  "7f0000200000 1000 node::Builtin LazyCompile:*foo bar.js:3\r\n"
		  "7f0000005000 10");
	s = new_sym(0);
	expect_user(s, 5000, 0x7f0000001010ull, "LInterpreter;", 0x10);
	expect_user(s, 5000, 0x7f0000002000ull, "Lcom/example/Hot;::run", 0);
	expect_user(s, 5000, 0x7f0000002080ull, "[unknown]", 0);
	expect_user(s, 5000, 0x7f0000003000ull, "[unknown]", 0);
	expect_user(s, 5000, 0x7f0000004001ull, "new_name", 1);
	expect_user(s, 5000, 0x7f0000200010ull, "node::Builtin LazyCompile:*foo bar.js:3", 0x10);
	symbolize_user(s, 5000, 0x7f0000001010ull, &f);
	assert_string_equal(f.file, "[jit]");
	assert_non_null(f.mapping);
	symbolizer_free(s);
}

/* ---- untrusted input ---- */

static void parse_elf_buf(const void *buf, size_t len)
{
	struct elf_syms es;
	uint64_t v;

	elf_syms_from_mem(buf, len, &es);
	for (unsigned int i = 0; i < es.nseg; i++)
		if (elf_offset_to_vaddr(&es, es.seg[i].offset, &v))
			symtab_find(&es.syms, v);
	symtab_find(&es.syms, 0x401000);
	elf_syms_free(&es);
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_corrupt_elf(void **state)
{
	char path[128], bad[128], maps[512];
	unsigned char *img, *copy;
	struct symbolizer *s;
	size_t len;

	(void)state;
	if (!have_cc)
		skip();
	snprintf(path, sizeof(path), "%s/nopie", dir);
	img = slurp(path, &len);
	copy = malloc(len);
	assert_non_null(copy);

	/* Every truncation, in steps. */
	for (size_t n = 0; n < len; n += n < 256 ? 1 : 61)
		parse_elf_buf(img, n);

	/* Random bytes, and random bytes after a valid ELF header. */
	srand(42);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < len; i++)
			copy[i] = (unsigned char)rand();
		if (round & 1)
			memcpy(copy, img, 64);
		parse_elf_buf(copy, len);
	}

	/* Absurd header fields: section/program header offsets, counts, sizes. */
	{
		Elf64_Ehdr *eh = (Elf64_Ehdr *)copy;
		const struct {
			size_t off, size;
			uint64_t val;
		} pokes[] = {
			{offsetof(Elf64_Ehdr, e_shoff), 8, UINT64_MAX - 10},
			{offsetof(Elf64_Ehdr, e_shoff), 8, len - 1},
			{offsetof(Elf64_Ehdr, e_shnum), 2, 0xffff},
			{offsetof(Elf64_Ehdr, e_shstrndx), 2, 0xfffe},
			{offsetof(Elf64_Ehdr, e_phoff), 8, UINT64_MAX - 10},
			{offsetof(Elf64_Ehdr, e_phnum), 2, 0xffff},
			{offsetof(Elf64_Ehdr, e_shentsize), 2, 1},
			{offsetof(Elf64_Ehdr, e_phentsize), 2, 3},
		};

		for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
			memcpy(copy, img, len);
			memcpy((char *)copy + pokes[i].off, &pokes[i].val, pokes[i].size);
			parse_elf_buf(copy, len);
		}
		/* Every section header: huge size, huge offset, bad link. */
		memcpy(copy, img, len);
		for (int shn = 0; shn < eh->e_shnum; shn++) {
			for (int what = 0; what < 4; what++) {
				Elf64_Shdr *sh;

				memcpy(copy, img, len);
				sh = (Elf64_Shdr *)(copy + eh->e_shoff) + shn;
				if ((unsigned char *)(sh + 1) > copy + len)
					break;
				if (what == 0)
					sh->sh_size = UINT64_MAX / 2;
				else if (what == 1)
					sh->sh_offset = UINT64_MAX - 100;
				else if (what == 2)
					sh->sh_link = 0xffffff;
				else
					sh->sh_size = len * 4, sh->sh_entsize = 0;
				parse_elf_buf(copy, len);
			}
		}
	}

	/* A huge sparse file whose .symtab claims 96 MiB: skipped, not read. */
	{
		Elf64_Ehdr *eh = (Elf64_Ehdr *)copy;
		Elf64_Shdr *sh = (Elf64_Shdr *)(copy + eh->e_shoff);
		struct rusage before, after;
		char huge[128];
		int fd;

		memcpy(copy, img, len);
		for (int i = 0; i < eh->e_shnum; i++)
			if (sh[i].sh_type == SHT_SYMTAB) {
				sh[i].sh_offset = 1 << 20;
				sh[i].sh_size = 24u * (4u << 20); /* whole entries */
			}
		snprintf(huge, sizeof(huge), "%s/huge.elf", dir);
		writef(huge, copy, len);
		assert_int_equal(truncate(huge, 256u << 20), 0);
		fd = open(huge, O_RDONLY);
		assert_true(fd >= 0);
		getrusage(RUSAGE_SELF, &before);
		{
			struct elf_syms es;

			assert_int_equal(elf_syms_from_fd(fd, &es), 0);
			/* .dynsym of a non-PIE executable: no inner_fn. */
			for (size_t i = 0; i < es.syms.n; i++)
				assert_string_not_equal(symtab_name(&es.syms, &es.syms.e[i]),
							"inner_fn");
			elf_syms_free(&es);
		}
		getrusage(RUSAGE_SELF, &after);
		close(fd);
		/* ru_maxrss is in KiB. */
		assert_true(after.ru_maxrss - before.ru_maxrss < 16 * 1024);
		unlink(huge);
	}

	/* Through the symbolizer: a corrupt file in a mapping is [unknown]. */
	snprintf(bad, sizeof(bad), "%s/bad.elf", dir);
	writef(bad, img, len / 3);
	snprintf(maps, sizeof(maps), "00400000-00500000 r-xp 00000000 08:01 0 %s\n", bad);
	fake_proc(6000, maps, "/");
	s = new_sym(0);
	expect_user(s, 6000, 0x401000, "[unknown]", 0);
	symbolizer_free(s);
	free(copy);
	free(img);
}

static void test_corrupt_maps(void **state)
{
	size_t big = 200000, n;
	char *m = malloc(big + 512), *huge;
	struct symbolizer *s;

	(void)state;
	assert_non_null(m);
	/* A huge line (path) between junk and one good anonymous line. */
	huge = m + sprintf(m, "zz-yy r-xp\n\n-- -- -- --\n"
			      "1000-0800 r-xp 00000000 00:00 0 \n"
			      "fffffffffffffffff-1 r-xp 0 0:0 0\n"
			      "2000-3000 r-xp 0 0:0 99999999999999999999999 /x\n"
			      "4000-5000 r-xp 00000000 00:00 0 /");
	memset(huge, 'a', big);
	n = (size_t)(huge - m) + big;
	n += (size_t)sprintf(m + n, "\n7f0000000000-7f0000001000 r-xp 00000000 00:00 0 \n");
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/proc/7000", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/proc/7000/maps", dir);
		writef(p, m, n);
		/* The perf map: huge lines and binary junk only. */
		snprintf(p, sizeof(p), "%s/proc/7000/root", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/proc/7000/root/tmp", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/proc/7000/root/tmp/perf-7000.map", dir);
		memset(m, 'f', big);
		memcpy(m + big - 20, "\n\x01\xff\x00 10 x\n", 11);
		writef(p, m, big);
	}
	s = new_sym(0);
	expect_user(s, 7000, 0x7f0000000010ull, "[unknown]", 0);
	expect_user(s, 7000, 0x4010, "[unknown]", 0);
	expect_user(s, 7000, 0x1100, "[unknown]", 0);
	symbolizer_free(s);

	/* The parsers directly: the good line after the huge one is kept. */
	{
		struct line_reader lr;
		struct maps mp;

		n = (size_t)sprintf(m, "1000-2000 r-xp 0 0:0 0 /a\n");
		memset(m + n, 'x', 100000);
		n += 100000;
		n += (size_t)sprintf(
			m + n, "\n3000-4000 r-xp 10 0:0 5 /b (deleted)\n5000-6000 rw-p 0 0:0 0 /c");
		assert_int_equal(lr_init_mem(&lr, m, n, SYM_MAX_LINE), 0);
		assert_int_equal(maps_parse(&lr, &mp), 0);
		assert_int_equal(lr.overlong, 1);
		assert_int_equal(mp.n, 2);
		assert_string_equal(maps_path(&mp, &mp.m[1]), "/b");
		assert_true(mp.m[1].deleted);
		assert_int_equal(mp.m[1].offset, 0x10);
		assert_ptr_equal(maps_find(&mp, 0x3fff), &mp.m[1]);
		assert_null(maps_find(&mp, 0x4000));
		maps_free(&mp);
		lr_free(&lr);
	}
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_files),
		cmocka_unit_test(test_live_process),
		cmocka_unit_test(test_replaced_binary),
		cmocka_unit_test(test_cache_shared_and_bounded),
		cmocka_unit_test(test_container_root),
		cmocka_unit_test(test_debug_file),
		cmocka_unit_test(test_gone_process),
		cmocka_unit_test(test_kallsyms),
		cmocka_unit_test(test_real_kallsyms),
		cmocka_unit_test(test_perf_map),
		cmocka_unit_test(test_corrupt_elf),
		cmocka_unit_test(test_corrupt_maps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
