// SPDX-License-Identifier: MIT
/* --capabilities.keep parsing and formatting (dropping is tested as root in caps_record.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <linux/capability.h>
#include "caps.h"

static void test_names_any_case_with_or_without_prefix(void **state)
{
	struct kprof_error err;
	caps_mask m;
	char buf[128];

	(void)state;
	assert_int_equal(caps_parse_keep("CAP_SYS_PTRACE,syslog,Cap_Dac_Read_Search", &m, &err), 0);
	assert_true(m == ((1ULL << CAP_SYS_PTRACE) | (1ULL << CAP_SYSLOG) |
			  (1ULL << CAP_DAC_READ_SEARCH)));
	caps_format(m, buf, sizeof(buf));
	assert_string_equal(buf, "cap_dac_read_search,cap_sys_ptrace,cap_syslog");
	assert_int_equal(caps_parse_keep("none", &m, &err), 0);
	assert_true(m == 0);
	caps_format(m, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_int_equal(caps_parse_keep("ALL", &m, &err), 0);
	assert_true(m == ~0ULL);
	caps_format(m, buf, sizeof(buf));
	assert_string_equal(buf, "all");
}

static void test_bad_lists(void **state)
{
	static const char *const bad[] = {
		"", "bogus", "12", "cap_sys_ptrace,", ",syslog", "cap_", "sys_ptrace,,syslog"};
	struct kprof_error err;
	char huge[600];
	caps_mask m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(caps_parse_keep(bad[i], &m, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "--capabilities.keep"));
	}
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = 0;
	assert_int_equal(caps_parse_keep(huge, &m, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_any_case_with_or_without_prefix),
		cmocka_unit_test(test_bad_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
