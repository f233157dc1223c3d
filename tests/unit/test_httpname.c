/* test_httpname.c - mugaid's pure request helpers: a long name fitted at a
 * UTF-8 character boundary with its extension kept, an artefact's
 * Content-Disposition (src/daemon/httpparse.c), and the password-try
 * count of a job (src/daemon/tries.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon.h"
#include "httpparse.h"

#include <string.h>

static void test_fit_short(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(httpparse_name_fit("会議.txt", out, sizeof(out)), 0);
	assert_string_equal(out, "会議.txt");
	assert_int_equal(httpparse_name_fit("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* "A" + 95 kanji + "_2.txt": 102 characters, 292 bytes; a cut at 255
 * bytes falls inside a kanji */
static void test_fit_long_japanese(void **state)
{
	GString *in = g_string_new("A");
	char out[256];

	(void)state;
	for (int i = 0; i < 95; i++)
		g_string_append(in, "議");
	g_string_append(in, "_2.txt");
	assert_int_equal(in->len, 292);
	assert_int_equal(httpparse_name_fit(in->str, out, sizeof(out)), 0);
	assert_true(strlen(out) < sizeof(out));
	assert_true(g_utf8_validate(out, -1, NULL));
	assert_true(g_str_has_suffix(out, ".txt"));
	/* the stem is a prefix of the name's, whole characters only */
	assert_int_equal(strncmp(out, in->str, strlen(out) - 4), 0);
	assert_int_equal((strlen(out) - 4 - 1) % 3, 0);
	/* as long as it can be: no more than one character short */
	assert_true(strlen(out) > sizeof(out) - 1 - 3);
	g_string_free(in, TRUE);
}

static void test_fit_no_extension(void **state)
{
	char in[600], out[64];

	(void)state;
	/* 200 two-byte characters, no dot: cut at a boundary */
	in[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(in, "\xc3\xa9");
	assert_int_equal(httpparse_name_fit(in, out, sizeof(out)), 0);
	assert_true(g_utf8_validate(out, -1, NULL));
	assert_int_equal(strlen(out), 62);
	/* a dot far from the end is no extension */
	memset(in, 'a', 300);
	in[10] = '.';
	in[300] = '\0';
	assert_int_equal(httpparse_name_fit(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 63);
	assert_int_equal(strncmp(out, in, 63), 0);
}

static void test_fit_not_utf8(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(httpparse_name_fit("\x89\xef\x8b\x63.txt", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(httpparse_name_fit("abc\xe8\xad", out, sizeof(out)), -1);
}

static void test_attachment(void **state)
{
	char *v;

	(void)state;
	v = httpparse_attachment("dir/議事録 \"v2\".txt");
	assert_string_equal(v, "attachment; filename=\"_________ _v2_.txt\"; "
			       "filename*=UTF-8''%E8%AD%B0%E4%BA%8B%E9%8C%B2%20%22v2%22.txt");
	g_free(v);
	v = httpparse_attachment("memo.txt");
	assert_string_equal(v, "attachment; filename=\"memo.txt\"; filename*=UTF-8''memo.txt");
	g_free(v);
	v = httpparse_attachment("a\\b;c\r\n.txt");
	assert_null(strchr(v, '\r'));
	assert_null(strchr(v, '\n'));
	assert_null(strchr(v, '\\'));
	g_free(v);
}

static void test_tries(void **state)
{
	struct tries_count c;
	int first;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.window = 1000;
	/* 3 a minute, 5 in all */
	for (int i = 0; i < 3; i++)
		assert_int_equal(tries_step(&c, 1000 + i, 3, 5, &first), TRIES_OK);
	assert_int_equal(tries_step(&c, 1010, 3, 5, &first), TRIES_RATE);
	assert_true(first);
	assert_int_equal(tries_step(&c, 1059, 3, 5, &first), TRIES_RATE);
	assert_false(first);
	/* a new minute */
	assert_int_equal(tries_step(&c, 1060, 3, 5, &first), TRIES_OK);
	assert_int_equal(tries_step(&c, 1061, 3, 5, &first), TRIES_OK);
	assert_int_equal(c.total, 5);
	/* all used: locked, whatever the minute */
	assert_int_equal(tries_step(&c, 1062, 3, 5, &first), TRIES_LOCKED);
	assert_true(first);
	assert_int_equal(tries_step(&c, 5000, 3, 5, &first), TRIES_LOCKED);
	assert_false(first);
	/* the clock set back starts a new window, the total stays */
	memset(&c, 0, sizeof(c));
	c.window = 2000;
	assert_int_equal(tries_step(&c, 2000, 1, 5, &first), TRIES_OK);
	assert_int_equal(tries_step(&c, 2001, 1, 5, &first), TRIES_RATE);
	assert_int_equal(tries_step(&c, 1500, 1, 5, &first), TRIES_OK);
	assert_int_equal(c.total, 2);
}

static void test_tries_table(void **state)
{
	struct tries t;
	int first;

	(void)state;
	tries_init(&t, 1, 2);
	assert_int_equal(tries_take(&t, "a", 100, &first), TRIES_OK);
	assert_int_equal(tries_take(&t, "a", 100, &first), TRIES_RATE);
	assert_int_equal(tries_take(&t, "b", 100, &first), TRIES_OK);
	assert_int_equal(tries_reset(&t, "a"), 1);
	assert_int_equal(tries_reset(&t, "a"), 0);
	assert_int_equal(tries_take(&t, "a", 100, &first), TRIES_OK);
	g_hash_table_destroy(t.jobs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_short),
		cmocka_unit_test(test_fit_long_japanese),
		cmocka_unit_test(test_fit_no_extension),
		cmocka_unit_test(test_fit_not_utf8),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_tries),
		cmocka_unit_test(test_tries_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
