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

/* [mail] ppap_max_candidates, ppap_max_candidate_bytes, ppap_max_text_bytes:
 * the limits given to passcand_init are the ones extraction honours; a
 * zeroed struct (and a value over a ceiling) runs under the ceilings */
static void test_limits(void **state)
{
	char buf[4096];
	struct passcand pc;
	size_t off = 0;

	(void)state;
	for (int i = 0; i < 20; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "PW: pw%02d\n", i);
	passcand_init(&pc, &(struct passcand_limits){ 3, PASSCAND_LEN_MAX, PASSCAND_SCAN_MAX });
	passcand_extract(&pc, buf, off);
	assert_int_equal(pc.n, 3);
	assert_string_equal(pc.v[2], "pw02");
	/* a second text adds nothing once the limit is reached */
	passcand_extract(&pc, "Password: another", 17);
	assert_int_equal(pc.n, 3);
	/* cleared: the candidates go, the limits stay */
	passcand_clear(&pc);
	assert_int_equal(pc.n, 0);
	assert_int_equal(pc.lim.max, 3);
	passcand_extract(&pc, buf, off);
	assert_int_equal(pc.n, 3);
	passcand_clear(&pc);
	/* over the ceiling: the ceiling */
	passcand_init(&pc, &(struct passcand_limits){ PASSCAND_MAX + 5, 0, 0 });
	passcand_extract(&pc, buf, off);
	assert_int_equal(pc.n, PASSCAND_MAX);
	passcand_clear(&pc);

	/* bytes of one candidate: 6 is kept, 7 is none (never cut to 6) */
	passcand_init(&pc, &(struct passcand_limits){ 0, 6, 0 });
	passcand_extract(&pc, "PW: abcdef\nPW: abcdefg\n", 24);
	assert_int_equal(pc.n, 1);
	assert_string_equal(pc.v[0], "abcdef");
	passcand_clear(&pc);
	/* ... the half-width form of a full-width value counts by its own bytes */
	passcand_init(&pc, &(struct passcand_limits){ 0, 3, 0 });
	passcand_extract(&pc, "PW: \xef\xbc\xa1\xef\xbc\xa2", 10); /* ＡＢ: 6 bytes */
	assert_int_equal(pc.n, 0);
	passcand_clear(&pc);

	/* bytes of text looked at */
	{
		static const char t[] = "PW: early\nxxxxxxxxxxxxxxxx\nPW: late\n";

		passcand_init(&pc, &(struct passcand_limits){ 0, 0, 20 });
		passcand_extract(&pc, t, sizeof(t) - 1);
		assert_int_equal(pc.n, 1);
		assert_string_equal(pc.v[0], "early");
		passcand_clear(&pc);
		passcand_init(&pc, NULL);
		passcand_extract(&pc, t, sizeof(t) - 1);
		assert_int_equal(pc.n, 2);
		assert_string_equal(pc.v[1], "late");
		passcand_clear(&pc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_not_passwords),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
