/* test_passcand.c - password candidates from the text of a PPAP mail */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mugai/passcand.h"

static void expect(const char *text, const char *const *want)
{
	struct passcand pc;
	unsigned n = 0;

	memset(&pc, 0, sizeof(pc));
	passcand_extract(&pc, text, strlen(text));
	while (want[n] != NULL)
		n++;
	if (pc.n != n)
		fprintf(stderr, "text: %s: %u candidates, want %u\n", text, pc.n, n);
	assert_int_equal(pc.n, n);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(pc.v[i], want[i]);
	passcand_clear(&pc);
	assert_int_equal(pc.n, 0);
}

#define EXPECT(text, ...) do { \
		static const char *const w_[] = { __VA_ARGS__, NULL }; \
		expect(text, w_); \
	} while (0)
#define NONE(text) do { \
		static const char *const w_[] = { NULL }; \
		expect(text, w_); \
	} while (0)

static void test_forms(void **state)
{
	(void)state;
	EXPECT("パスワード: abc123", "abc123");
	EXPECT("パスワード：Xy9-!z", "Xy9-!z");          /* full-width colon */
	EXPECT("PW：k3y", "k3y");
	EXPECT("pw=k3y", "k3y");
	EXPECT("Password: S3cret#", "S3cret#");
	EXPECT("password : S3cret#\r\n", "S3cret#");
	EXPECT("ＰＷ：　secret", "secret");               /* full-width letters and space */
	EXPECT("パスワードは 7hGq2 です。", "7hGq2");
	EXPECT("【パスワード】「7hGq2」", "7hGq2");
	EXPECT("解凍パスワード：『a b』\nパスワード: q", "q"); /* a space: a sentence */
	EXPECT("ﾊﾟｽﾜｰﾄﾞ:Zz1", "Zz1");
	/* the label alone on its line, the password on the next */
	EXPECT("先ほどのファイルの\r\nパスワード\r\n\r\n  9fK2mQ\r\nよろしくお願いします", "9fK2mQ");
	/* full-width value: as written, and in half-width */
	EXPECT("パスワード：ＡＢＣ１２３", "ＡＢＣ１２３", "ABC123");
	/* several, in order, without duplicates */
	EXPECT("PW: one\nPassword: two\nパスワード: one", "one", "two");
}

static void test_not_passwords(void **state)
{
	(void)state;
	NONE("パスワード付きのファイルをお送りします。");
	NONE("パスワードは別途お送りします");              /* a sentence after は */
	NONE("This file is password protected.");
	NONE("bypass: xyz");                               /* no word boundary */
	NONE("パスワード:");
	NONE("パスワード：別途送付");
	NONE("");
}

static void test_bounds(void **state)
{
	char buf[4096], long_pw[PASSCAND_LEN_MAX + 10];
	struct passcand pc;
	size_t off = 0;

	(void)state;
	/* at most PASSCAND_MAX */
	for (int i = 0; i < 20; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "PW: pw%02d\n", i);
	memset(&pc, 0, sizeof(pc));
	passcand_extract(&pc, buf, off);
	assert_int_equal(pc.n, PASSCAND_MAX);
	assert_string_equal(pc.v[PASSCAND_MAX - 1], "pw07");
	/* a candidate longer than PASSCAND_LEN_MAX is none */
	memset(long_pw, 'a', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	snprintf(buf, sizeof(buf), "PW: %s", long_pw);
	memset(&pc, 0, sizeof(pc));
	passcand_extract(&pc, buf, strlen(buf));
	assert_int_equal(pc.n, 0);
	/* invalid UTF-8 and NUL bytes do not make it read past len */
	memset(&pc, 0, sizeof(pc));
	passcand_extract(&pc, "PW: a\xff\xfe\0PW: b", 13);
	assert_true(pc.n <= 2);
	/* text that is not NUL-terminated is read only up to its length */
	{
		static const char t[] = "パスワード：\xe3\x80\x80x9\xe3\x80\x80";
		char *exact = malloc(sizeof(t) - 1);

		memcpy(exact, t, sizeof(t) - 1);
		memset(&pc, 0, sizeof(pc));
		passcand_extract(&pc, exact, sizeof(t) - 1);
		assert_int_equal(pc.n, 1);
		assert_string_equal(pc.v[0], "x9");
		free(exact);
	}
	/* only the first PASSCAND_SCAN_MAX bytes are looked at */
	{
		size_t big = PASSCAND_SCAN_MAX + 64;
		char *t = malloc(big + 1);

		memset(t, 'x', big);
		memcpy(t + PASSCAND_SCAN_MAX + 8, "\nPW: late\n", 10);
		t[big] = '\0';
		memset(&pc, 0, sizeof(pc));
		passcand_extract(&pc, t, big);
		assert_int_equal(pc.n, 0);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_not_passwords),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
