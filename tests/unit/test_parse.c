// SPDX-License-Identifier: MIT
/* Durations, numbers and the syscall-name table: what users and kernels feed kprof. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "parse.h"
#include "syscall_names.h"

static void test_durations(void **state)
{
	static const struct {
		const char *in;
		uint64_t ns;
	} good[] = {
		{"10s", 10000000000ULL}, {"10", 10000000000ULL},       {"1.5s", 1500000000ULL},
		{"250ms", 250000000ULL}, {"2m30s", 150000000000ULL},   {"1h", 3600000000000ULL},
		{"100us", 100000ULL},	 {"100\xc2\xb5s", 100000ULL},  {"5ns", 5ULL},
		{"0.5", 500000000ULL},	 {"1h1m1s", 3661000000000ULL},
	};
	static const char *const bad[] = {
		"",	  "s",	   "-5s",  "10x",
		"1.5.3s", "0x10s", "inf",  "nan",
		"1e3s",	  "10 s",  " 10s", "10s ",
		"ms",	  "1hh",   "\xff", "99999999999999999999999999999h",
	};
	uint64_t ns;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse_duration(good[i].in, &ns))
			fail_msg("'%s' rejected", good[i].in);
		if (ns != good[i].ns)
			fail_msg("'%s' -> %llu", good[i].in, (unsigned long long)ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!parse_duration(bad[i], &ns))
			fail_msg("'%s' accepted as %llu ns", bad[i], (unsigned long long)ns);
	assert_int_equal(parse_duration("0s", &ns), -ERANGE);
	assert_int_equal(parse_duration("367d", &ns), -EINVAL);
	assert_int_equal(parse_duration("9000h", &ns), -ERANGE);
	assert_int_equal(parse_duration(NULL, &ns), -EINVAL);
}

static void test_ints(void **state)
{
	long v;

	(void)state;
	assert_int_equal(parse_int("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int("0", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_int("101", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_int("99999999999999999999999", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_int("12abc", 1, 100, &v), -EINVAL);
	assert_int_equal(parse_int("", 1, 100, &v), -EINVAL);
	assert_int_equal(parse_int("abc", 1, 100, &v), -EINVAL);
}

static void test_format_duration(void **state)
{
	char buf[16];

	(void)state;
	format_duration(2.05e-3, buf, sizeof(buf));
	assert_string_equal(buf, "2.05ms");
	format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	format_duration(1.5e-9, buf, sizeof(buf));
	assert_string_equal(buf, "1.50ns");
	format_duration(12.5, buf, sizeof(buf));
	assert_string_equal(buf, "12.5s");
	format_duration(150e-6, buf, sizeof(buf));
	assert_string_equal(buf, "150us");
}

static void test_syscall_names(void **state)
{
	char buf[24];

	(void)state;
	/* Spot checks against arch/x86/entry/syscalls/syscall_64.tbl. */
	assert_string_equal(syscall_name(0, buf, sizeof(buf)), "read");
	assert_string_equal(syscall_name(1, buf, sizeof(buf)), "write");
	assert_string_equal(syscall_name(35, buf, sizeof(buf)), "nanosleep");
	assert_string_equal(syscall_name(39, buf, sizeof(buf)), "getpid");
	assert_string_equal(syscall_name(110, buf, sizeof(buf)), "getppid");
	assert_string_equal(syscall_name(202, buf, sizeof(buf)), "futex");
	assert_string_equal(syscall_name(257, buf, sizeof(buf)), "openat");
	assert_string_equal(syscall_name(435, buf, sizeof(buf)), "clone3");
	assert_string_equal(syscall_name(462, buf, sizeof(buf)), "mseal");
	/* Gaps and out-of-range numbers get a stable made-up name. */
	assert_string_equal(syscall_name(336, buf, sizeof(buf)), "syscall_336");
	assert_string_equal(syscall_name(-1, buf, sizeof(buf)), "syscall_-1");
	assert_string_equal(syscall_name(100000, buf, sizeof(buf)), "syscall_100000");
	/* Every named entry is a plausible identifier. */
	for (int i = 0; i < SYSCALL_NAMES_X86_64_LEN; i++) {
		const char *n = syscall_names_x86_64[i];

		if (!n)
			continue;
		assert_true(strlen(n) > 1 && strlen(n) < 24);
		assert_int_equal(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_syscall_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
