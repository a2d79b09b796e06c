// SPDX-License-Identifier: MIT
/* `kprof record` flag parsing: good flags parsed, bad ones one clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"

static enum cli_result parse(struct kprof_config *cfg, struct kprof_error *err, ...)
{
	char *argv[32] = {"record"};
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	config_defaults(cfg);
	memset(err, 0, sizeof(*err));
	return cli_parse_record(argc, argv, cfg, err);
}

static void test_good_flags(void **state)
{
	struct kprof_config cfg;
	struct kprof_error err;
	char self[16];

	(void)state;
	snprintf(self, sizeof(self), "%d", getpid());
	assert_int_equal(parse(&cfg, &err, NULL), CLI_OK);
	assert_true(cfg.duration_ns == 10000000000ULL);
	assert_int_equal(cfg.ncollectors, 0);
	assert_int_equal(parse(&cfg, &err, "-d", "2m", "--collectors", "syscall", "--pid", self,
			       "--pid", self, "--comm", "bash", "--top", "5", "--json", "-v", NULL),
			 CLI_OK);
	assert_true(cfg.duration_ns == 120000000000ULL);
	assert_int_equal(cfg.ncollectors, 1);
	assert_string_equal(cfg.collectors[0], "syscall");
	assert_int_equal(cfg.npids, 1); /* the same pid twice is one pid */
	assert_int_equal(cfg.pids[0], getpid());
	assert_true(cfg.has_comm);
	assert_string_equal(cfg.comm, "bash");
	assert_int_equal(cfg.top, 5);
	assert_true(cfg.json && cfg.verbose);
	assert_int_equal(parse(&cfg, &err, "--duration=500ms", "-csyscall,syscall", NULL), CLI_OK);
	assert_int_equal(cfg.ncollectors, 1);
	assert_true(cfg.duration_ns == 500000000ULL);
	/* --cgroup.grace: 5m by default, 1s at least. */
	assert_int_equal(parse(&cfg, &err, NULL), CLI_OK);
	assert_true(cfg.cgroup_grace_ns == 300000000000ULL);
	assert_int_equal(parse(&cfg, &err, "--cgroup.grace", "2s", NULL), CLI_OK);
	assert_true(cfg.cgroup_grace_ns == 2000000000ULL);
	assert_int_equal(parse(&cfg, &err, "--cgroup.grace=1s", NULL), CLI_OK);
	assert_true(cfg.cgroup_grace_ns == 1000000000ULL);
}

static void expect_error(const char *flag, const char *value, const char *needle)
{
	struct kprof_config cfg;
	struct kprof_error err;

	if (parse(&cfg, &err, flag, value, NULL) != CLI_ERROR)
		fail_msg("%s %s accepted", flag, value ? value : "");
	if (!strstr(err.msg, needle))
		fail_msg("%s %s: '%s' lacks '%s'", flag, value ? value : "", err.msg, needle);
	assert_null(strchr(err.msg, '\n'));
}

static void test_bad_flags(void **state)
{
	(void)state;
	expect_error("--bogus", NULL, "unknown option");
	expect_error("-d", "ten", "bad --duration");
	expect_error("-d", "-1s", "bad --duration");
	expect_error("-d", "0s", "bad --duration");
	expect_error("--collectors", "nosuch", "unknown collector 'nosuch'");
	expect_error("--collectors", "syscall,", "empty collector name");
	expect_error("--collectors", "", "bad collector list");
	expect_error("--pid", "abc", "bad --pid");
	expect_error("--pid", "0", "bad --pid");
	/* pid_max is at most 4194304: this one cannot exist. */
	expect_error("--pid", "4194304", "no process with pid 4194304");
	expect_error("--comm", "a-name-longer-than-15", "bad --comm");
	expect_error("--top", "0", "bad --top");
	expect_error("--cgroup.grace", "999ms", "bad --cgroup.grace '999ms'");
	expect_error("--cgroup.grace", "soon", "bad --cgroup.grace 'soon'");
	expect_error("stray", NULL, "unexpected argument 'stray'");
	expect_error("-d", NULL, "needs a value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_flags),
		cmocka_unit_test(test_bad_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
