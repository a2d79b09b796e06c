// SPDX-License-Identifier: MIT
/*
 * The stack sinks on synthetic, symbolized profiles: exact folded output,
 * well-formed SVG with the right frames, pprof decoded back by
 * `go tool pprof` (skipped, saying so, where Go is not installed), and the
 * small parsers and writers under them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cpu_online.h"
#include "model_stack.h"
#include "pb_writer.h"
#include "stack_sink.h"

/* Synthetic symbols: user addresses 0x1000.., kernel 0xffffffff81000000.. */
static const char *fake_name(const struct stack_location *l)
{
	static const char *const user[] = {"main", "outer", "hot_loop", "waiter", "a;b", "x<&>\"y"};
	static const char *const kern[] = {"entry_SYSCALL_64", "do_syscall_64", "schedule"};

	if (l->kind == LOC_USER && l->addr >= 0x1000 && l->addr < 0x1000 + 6 * 0x100)
		return user[(l->addr - 0x1000) / 0x100];
	if (l->kind == LOC_KERNEL && l->addr >= 0xffffffff81000000ULL &&
	    l->addr < 0xffffffff81000000ULL + 3 * 0x100)
		return kern[(l->addr - 0xffffffff81000000ULL) / 0x100];
	return NULL;
}

static struct sym_mapping exe = {0x1000, 0x2000, 0, "/usr/bin/app", "abcd"};

static void fake_symbolize(struct stack_profile *p)
{
	stack_profile_symbolize(p, NULL);
	for (size_t i = 0; i < p->nlocs; i++) {
		const char *n = fake_name(&p->locs[i]);

		if (n) {
			p->locs[i].frame.function = n;
			p->locs[i].frame.file = p->locs[i].kind == LOC_USER ? "/usr/bin/app" : "";
			if (p->locs[i].kind == LOC_USER)
				p->locs[i].frame.mapping = &exe;
		}
	}
}

#define U(n) (0x1000 + (n)*0x100)
#define K(n) (0xffffffff81000000ULL + (n)*0x100)

/* app (pid 10 and 11): 90 samples main>outer>hot_loop, 10 of them in the kernel too. */
static struct stack_profile *cpu_profile(void)
{
	struct stack_profile *p = stack_profile_new(STACK_CPU, "cpu");
	uint64_t hot[] = {U(2), U(1), U(0)}, kern[] = {K(1), K(0)}, wait[] = {U(3), U(0)};

	assert_non_null(p);
	p->period_ns = 10101010;
	p->duration_ns = 1000000000;
	assert_int_equal(stack_profile_add(p, 10, "app", NULL, 0, hot, 3, 50, 50 * p->period_ns),
			 0);
	assert_int_equal(stack_profile_add(p, 11, "app", NULL, 0, hot, 3, 30, 30 * p->period_ns),
			 0);
	assert_int_equal(stack_profile_add(p, 10, "app", kern, 2, hot, 3, 10, 10 * p->period_ns),
			 0);
	assert_int_equal(stack_profile_add(p, 10, "app", NULL, 0, wait, 2, 5, 5 * p->period_ns), 0);
	/* A kernel thread: no user stack. A lost user stack. */
	assert_int_equal(
		stack_profile_add(p, 2, "kworker/0:1", kern, 2, NULL, 0, 4, 4 * p->period_ns), 0);
	assert_int_equal(stack_profile_add(p, 12, "app", NULL, 0, NULL, 1, 1, p->period_ns), 0);
	fake_symbolize(p);
	return p;
}

static char *capture(int (*fn)(const struct stack_profile *, FILE *), const struct stack_profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(p, f), 0);
	fclose(f);
	return buf;
}

static void test_folded_exact(void **state)
{
	struct stack_profile *p = cpu_profile();
	char *out = capture(stack_write_folded, p);

	(void)state;
	/* Root first, kernel frames after user frames with _[k], pids merged, sorted. */
	assert_string_equal(out,
			    "app;[lost stack] 1\n"
			    "app;main;outer;hot_loop 80\n"
			    "app;main;outer;hot_loop;entry_SYSCALL_64_[k];do_syscall_64_[k] 10\n"
			    "app;main;waiter 5\n"
			    "kworker/0:1;entry_SYSCALL_64_[k];do_syscall_64_[k] 4\n");
	assert_int_equal(stack_profile_total_count(p), 100);
	/* User addresses per process (pid 10: 4, pid 11: 3), 2 kernel, 1 lost: each once. */
	assert_int_equal(p->nlocs, 10);
	free(out);
	stack_profile_free(p);
}

static void test_folded_offcpu_microseconds_and_escaping(void **state)
{
	struct stack_profile *p = stack_profile_new(STACK_OFFCPU, "offcpu");
	uint64_t odd[] = {U(4), U(5), U(0)}, sched[] = {K(2)};
	char *out;

	(void)state;
	assert_int_equal(stack_profile_add(p, 1, "a;pp", sched, 1, odd, 3, 3, 2500000), 0);
	/* Less than 1 us in total: nothing to draw, no line. */
	assert_int_equal(stack_profile_add(p, 2, "tiny", NULL, 0, odd, 1, 1, 999), 0);
	fake_symbolize(p);
	out = capture(stack_write_folded, p);
	assert_string_equal(out, "a:pp;main;x<&>\"y;a:b;schedule_[k] 2500\n");
	free(out);
	stack_profile_free(p);
}

/*
 * A leaf __traceiter_* kernel frame (a tracepoint with more than one probe)
 * is dropped when the profile is symbolized: the same stack either way.
 */
static void test_traceiter_leaf_dropped(void **state)
{
	struct stack_profile *p = stack_profile_new(STACK_OFFCPU, "offcpu");
	uint64_t with[] = {K(9), K(8), K(2)}, without[] = {K(8), K(2)}, user[] = {U(0)};
	char *out;

	(void)state;
	assert_int_equal(stack_profile_add(p, 1, "app", with, 3, user, 1, 2, 3000), 0);
	assert_int_equal(stack_profile_add(p, 1, "app", without, 2, user, 1, 1, 2000), 0);
	for (size_t i = 0; i < p->nlocs; i++) {
		struct stack_location *l = &p->locs[i];

		l->frame.function = l->addr == K(9)   ? "__traceiter_sched_switch"
				    : l->addr == K(8) ? "__schedule"
				    : l->addr == K(2) ? "schedule"
						      : "main";
	}
	stack_profile_symbolize(p, NULL);
	assert_int_equal(p->samples[0].nkern, 2);
	assert_int_equal(p->samples[0].nuser, 1);
	out = capture(stack_write_folded, p);
	assert_string_equal(out, "app;main;schedule_[k];__schedule_[k] 5\n");
	free(out);
	stack_profile_free(p);
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_svg_well_formed_with_frames(void **state)
{
	char path[] = "/tmp/kprof-test-XXXXXX.svg", cmd[2048];
	struct stack_profile *p = cpu_profile();
	FILE *f;
	int fd;

	(void)state;
	/* A name XML must escape reaches the SVG too. */
	uint64_t odd[] = {U(5), U(0)};
	assert_int_equal(stack_profile_add(p, 10, "app", NULL, 0, odd, 2, 3, 0), 0);
	fake_symbolize(p);
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(stack_write_svg(p, "CPU <test> & more", f), 0);
	fclose(f);
	if (run("command -v python3 >/dev/null")) {
		unlink(path);
		stack_profile_free(p);
		skip();
	}
	/* Parsed by a real XML parser; frames found by their tooltip titles. */
	snprintf(cmd, sizeof(cmd),
		 "python3 - '%s' <<'EOF'\n"
		 "import sys, xml.etree.ElementTree as ET\n"
		 "ns = {'s': 'http://www.w3.org/2000/svg'}\n"
		 "root = ET.parse(sys.argv[1]).getroot()\n"
		 "titles = [t.text for t in root.iter('{http://www.w3.org/2000/svg}title')]\n"
		 "assert 'hot_loop (90 samples, 87.38%%)' in titles, titles\n"
		 "assert 'all (103 samples, 100.00%%)' in titles, titles\n"
		 "assert 'x<&>\"y (3 samples, 2.91%%)' in titles, titles\n"
		 "assert 'do_syscall_64_[k] (14 samples, 13.59%%)' not in titles\n"
		 "assert any(t.startswith('do_syscall_64_[k] (10 samples') for t in titles), "
		 "titles\n"
		 "assert root.find('s:script', ns) is not None\n"
		 "assert root.find('.//{http://www.w3.org/1999/xhtml}input') is not None\n"
		 "assert 'http' not in root.find('s:script', ns).text\n"
		 "EOF",
		 path);
	assert_int_equal(run(cmd), 0);
	/*
	 * In a browser, as a person would use it: click "waiter" (5%) and it
	 * fills the width while unrelated frames hide; hover shows its line;
	 * search finds its share. Headless Chromium, where installed.
	 */
	if (run("command -v chromium >/dev/null")) {
		print_message("browser part skipped: chromium missing (Debian package chromium)\n");
	} else {
		snprintf(cmd, sizeof(cmd),
			 "set -e; d=$(mktemp -d); cp '%s' $d/cpu.svg; cp "
			 "tests/integration/svg_browser.js $d/; "
			 "echo '<html><body><object id=\"o\" data=\"cpu.svg\" "
			 "type=\"image/svg+xml\" "
			 "width=\"1200\" height=\"200\"></object><script "
			 "src=\"svg_browser.js\"></script>"
			 "</body></html>' >$d/view.html; "
			 "timeout 120 chromium --headless=new --no-sandbox --disable-gpu "
			 "--allow-file-access-from-files --virtual-time-budget=5000 --dump-dom "
			 "\"file://$d/view.html?frame=waiter\" 2>/dev/null | "
			 "sed -n 's/.*<title>\\(.*\\)<\\/title>.*/\\1/p' | sed 's/&quot;/\"/g' "
			 ">$d/seen.json; "
			 "python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s); "
			 "assert abs(s[\"before\"] - 1180 * 5 / 103) < 1 and abs(s[\"after\"] - "
			 "1180) < 1, s; "
			 "assert s[\"hidden\"] > 0 and s[\"details\"] == \"waiter (5 samples, "
			 "4.85%%)\", s; "
			 "assert s[\"matched\"] == \"Matched: 4.85%%\", s' $d/seen.json; rm -rf $d",
			 path);
		assert_int_equal(run(cmd), 0);
	}
	unlink(path);
	stack_profile_free(p);
}

static void test_svg_empty_profile(void **state)
{
	struct stack_profile *p = stack_profile_new(STACK_CPU, "cpu");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(stack_write_svg(p, "empty", f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "</svg>"));
	free(buf);
	stack_profile_free(p);
}

static void test_pprof_read_back_by_go(void **state)
{
	char path[] = "/tmp/kprof-test-XXXXXX.pb.gz", cmd[1024];
	struct stack_profile *p = cpu_profile();
	FILE *f;
	int fd;

	(void)state;
	p->lost = 7;
	fd = mkstemps(path, 6);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(stack_write_pprof(p, f), 0);
	fclose(f);
	stack_profile_free(p);
	if (run("go version >/dev/null 2>&1")) {
		unlink(path);
		print_message("skipped: `go tool pprof` unavailable (Debian package golang-go)\n");
		skip();
	}
	/* -top by cpu time: hot_loop first, flat 80 x 10101010 ns of 100; by samples: 80. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; export HOME=${TMPDIR:-/tmp}; out=$(go tool pprof -symbolize=none -top "
		 "'%s' 2>&1); "
		 "echo \"$out\" | sed -n '1,12p'; "
		 "echo \"$out\" | grep -q 'Type: cpu'; "
		 "echo \"$out\" | grep -q '7 samples lost'; "
		 "echo \"$out\" | grep -A1 'flat  flat%%' | tail -1 | grep -qE '808\\.08ms "
		 "+80\\.00%% .*hot_loop$'; "
		 "raw=$(go tool pprof -symbolize=none -raw '%s' 2>&1); "
		 "echo \"$raw\" | grep -q 'samples/count cpu/nanoseconds\\[dflt\\]'; "
		 "echo \"$raw\" | grep -q 'Period: 10101010'; "
		 "echo \"$raw\" | grep -qE '^ +50 +505050500: '; "
		 "echo \"$raw\" | grep -q 'comm:\\[kworker/0:1\\]'; "
		 "echo \"$raw\" | grep -q '/usr/bin/app'; "
		 "echo \"$raw\" | grep -q 'kernel.kallsyms'; "
		 "top=$(go tool pprof -symbolize=none -sample_index=samples -top '%s' 2>&1); "
		 "echo \"$top\" | grep -A1 'flat  flat%%' | tail -1 | grep -qE '^ +80 +80\\.00%% "
		 ".*hot_loop$'",
		 path, path, path);
	assert_int_equal(run(cmd), 0);
	unlink(path);
}

static void test_pprof_offcpu_types(void **state)
{
	char path[] = "/tmp/kprof-test-XXXXXX.pb.gz", cmd[512];
	struct stack_profile *p = stack_profile_new(STACK_OFFCPU, "offcpu");
	uint64_t w[] = {U(3), U(0)}, sched[] = {K(2)};
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(stack_profile_add(p, 5, "db", sched, 1, w, 2, 20, 200000000), 0);
	fake_symbolize(p);
	fd = mkstemps(path, 6);
	f = fdopen(fd, "w");
	assert_int_equal(stack_write_pprof(p, f), 0);
	fclose(f);
	stack_profile_free(p);
	if (run("go version >/dev/null 2>&1")) {
		unlink(path);
		print_message("skipped: `go tool pprof` unavailable (Debian package golang-go)\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd),
		 "export HOME=${TMPDIR:-/tmp}; go tool pprof -symbolize=none -raw '%s' 2>&1 | "
		 "grep -q 'samples/count offcpu/nanoseconds\\[dflt\\]' && "
		 "go tool pprof -symbolize=none -top '%s' 2>&1 | grep -qE '200ms +100%%.*schedule'",
		 path, path);
	assert_int_equal(run(cmd), 0);
	unlink(path);
}

static void test_pb_varints(void **state)
{
	struct pb_buf b = {0};
	uint64_t v[] = {1, 300};

	(void)state;
	pb_uint(&b, 1, 150);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "\x08\x96\x01", 3);
	pb_reset(&b);
	pb_string(&b, 2, "testing");
	assert_memory_equal(b.data, "\x12\x07testing", 9);
	pb_reset(&b);
	pb_packed(&b, 4, v, 2);
	assert_memory_equal(b.data, "\x22\x03\x01\xac\x02", 5);
	pb_reset(&b);
	pb_varint(&b, UINT64_MAX);
	assert_int_equal(b.len, 10);
	pb_free(&b);
}

static void test_cpu_list(void **state)
{
	int cpus[8];

	(void)state;
	assert_int_equal(cpu_list_parse("0-3,6\n", cpus, 8), 5);
	assert_int_equal(cpus[4], 6);
	assert_int_equal(cpu_list_parse("0\n", cpus, 8), 1);
	assert_int_equal(cpu_list_parse("0-9", cpus, 8), -E2BIG);
	assert_int_equal(cpu_list_parse("3-1", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("a", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("-1", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("1-", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("0-99999999999999999999", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("", cpus, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_exact),
		cmocka_unit_test(test_folded_offcpu_microseconds_and_escaping),
		cmocka_unit_test(test_traceiter_leaf_dropped),
		cmocka_unit_test(test_svg_well_formed_with_frames),
		cmocka_unit_test(test_svg_empty_profile),
		cmocka_unit_test(test_pprof_read_back_by_go),
		cmocka_unit_test(test_pprof_offcpu_types),
		cmocka_unit_test(test_pb_varints),
		cmocka_unit_test(test_cpu_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
