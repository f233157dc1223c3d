/* test_jobid.c - new job ids are valid and differ; the one validator
 * refuses everything else (src/util/jobid.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mugai/jobid.h"

static void test_new(void **state)
{
	char a[JOBID_LEN + 1], b[JOBID_LEN + 1];

	(void)state;
	assert_int_equal(jobid_new(a), 0);
	assert_int_equal(jobid_new(b), 0);
	assert_int_equal(strlen(a), JOBID_LEN);
	assert_true(jobid_valid(a));
	assert_true(jobid_valid(b));
	assert_string_not_equal(a, b);
}

static void test_valid(void **state)
{
	static const char *const bad[] = {
		"", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
		"0123456789ABCDEF0123456789abcdef", "0123456789abcdef0123456789abcdeg",
		"../23456789abcdef0123456789abcdef", "0123456789abcdef/123456789abcdef",
		"0123456789abcdef 123456789abcdef", NULL,
	};

	(void)state;
	assert_true(jobid_valid("0123456789abcdef0123456789abcdef"));
	for (size_t i = 0; bad[i] != NULL; i++)
		if (jobid_valid(bad[i]))
			fail_msg("'%s' taken for a job id", bad[i]);
	assert_false(jobid_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
