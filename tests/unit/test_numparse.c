/* test_numparse.c - decimal numbers read whole, in range, cursor moved only
 * on success (src/core/numparse.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/numparse.h"

static void test_whole(void **state)
{
	static const char *const bad[] = {
		"", "5x", "x5", "-1", "+1", " 5", "5 ", "0x10", "1e3", "8080abc", "5\n", NULL,
	};
	uint64_t n = 77;

	(void)state;
	assert_int_equal(numparse_whole("0", &n, 10), 0);
	assert_int_equal(n, 0);
	assert_int_equal(numparse_whole("0042", &n, 100), 0);
	assert_int_equal(n, 42);
	assert_int_equal(numparse_whole("65535", &n, 65535), 0);
	assert_int_equal(n, 65535);
	for (size_t i = 0; bad[i] != NULL; i++) {
		n = 77;
		if (numparse_whole(bad[i], &n, UINT64_MAX) == 0)
			fail_msg("'%s' accepted as %llu", bad[i], (unsigned long long)n);
		assert_int_equal(n, 77); /* untouched */
	}
	assert_int_equal(numparse_whole(NULL, &n, 1), -1);
}

static void test_range(void **state)
{
	uint64_t n = 0;

	(void)state;
	assert_int_equal(numparse_whole("65536", &n, 65535), -1);
	assert_int_equal(numparse_whole("257", &n, 256), -1);
	assert_int_equal(numparse_whole("9", &n, 8), -1);
	assert_int_equal(numparse_whole("18446744073709551615", &n, UINT64_MAX), 0);
	assert_true(n == UINT64_MAX);
	/* one past 2^64 - 1, and far past: refused, never wrapped */
	assert_int_equal(numparse_whole("18446744073709551616", &n, UINT64_MAX), -1);
	assert_int_equal(numparse_whole("99999999999999999999", &n, UINT64_MAX), -1);
	assert_int_equal(numparse_whole("5", &n, 0), -1);
	assert_int_equal(numparse_whole("0", &n, 0), 0);
}

static void test_cursor(void **state)
{
	const char *s = "120x", *p = s;
	uint64_t n = 0;

	(void)state;
	assert_int_equal(numparse_number(&p, &n, 1000), 0);
	assert_int_equal(n, 120);
	assert_ptr_equal(p, s + 3);
	/* no digit, or over max: the cursor stays */
	assert_int_equal(numparse_number(&p, &n, 1000), -1);
	assert_ptr_equal(p, s + 3);
	p = s;
	assert_int_equal(numparse_number(&p, &n, 100), -1);
	assert_ptr_equal(p, s);
	assert_int_equal(n, 120);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
