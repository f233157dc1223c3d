/*
 * test_textcheck.c - textcheck_clean (src/util/textcheck.c), the check
 * mugaid makes of a text mime-unpack converted, against what the text
 * filter's textenc_clean leaves: everything it leaves passes, each thing it
 * removes fails, and so does every byte sequence that is no shortest-form
 * UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/textcheck.h"
#include "textenc.h"
#include "testutil.h"

#include <glib.h>
#include <string.h>

static int clean(const char *s)
{
	return textcheck_clean(s, strlen(s));
}

static void test_accepts_text(void **state)
{
	(void)state;
	assert_true(clean(""));
	assert_true(clean("会議の議事録\n\tタブ ①～\xf0\x9f\x98\x80\n"));
	assert_true(textcheck_clean("a\nb", 3));
}

static void test_refuses_what_clean_removes(void **state)
{
	static const char *const bad[] = {
		"\r",                   /* CR: the filter makes LF */
		"\x1b[2J",              /* ESC */
		"\x7f",                 /* DEL */
		"\xc2\x85",             /* C1: NEL */
		"\xe2\x80\xae",         /* RLO */
		"\xe2\x80\xaa",         /* LRE */
		"\xe2\x81\xa6",         /* LRI */
		"\xe2\x81\xa9",         /* PDI */
		"\xef\xbb\xbf",         /* BOM */
		"\xe2\x80\x8e",         /* LRM */
		"\xe2\x80\x8f",         /* RLM */
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *s = g_strdup_printf("ok %s ok", bad[i]);

		assert_false(clean(s));
		g_free(s);
	}
	assert_false(textcheck_clean("a\0b", 3)); /* NUL */
}

static void test_refuses_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"\x80",                 /* a continuation alone */
		"\xc0\xaf",             /* overlong '/' */
		"\xe0\x80\xaf",         /* overlong, 3 bytes */
		"\xf0\x80\x80\xaf",     /* overlong, 4 bytes */
		"\xed\xa0\x80",         /* a surrogate */
		"\xf4\x90\x80\x80",     /* above U+10FFFF */
		"\xf8\x88\x80\x80\x80", /* 5 bytes */
		"\xe3\x81",             /* cut short */
		"\xe3\x41\x81",         /* no continuation */
		"\xff",
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_false(clean(bad[i]));
}

/* whatever the bytes, what textenc_clean leaves passes the check: random
 * bytes, random bytes among valid characters, and every code point */
static void test_clean_output_passes(void **state)
{
	GRand *rnd = g_rand_new_with_seed(12345);
	char buf[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)g_rand_int_range(rnd, 0, (gint32)sizeof(buf) - 1);

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(round % 2 ? g_rand_int_range(rnd, 0, 256) :
					"\xe3\x81\x82\r\n\x1b\xe2\x80\xae\xc2\x85" "a\xef\xbb\xbf"
					[g_rand_int_range(rnd, 0, 16)]);
		len = textenc_clean(buf, len);
		assert_true(textcheck_clean(buf, len));
	}
	for (gunichar c = 1; c < 0x110000; c++) {
		char u[8];
		gint n;

		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		n = g_unichar_to_utf8(c, u);
		assert_int_equal(textcheck_clean(u, (size_t)textenc_clean(u, (size_t)n)), 1);
	}
	g_rand_free(rnd);
}

/* the file form reads in blocks: a character cut by a block's end is
 * read whole, a bad one anywhere (at the very end, cut short) fails */
static void test_file(void **state)
{
	GString *t = g_string_new(NULL);
	int fd;

	(void)state;
	while (t->len < 3 * TEXTCHECK_BLOCK)
		g_string_append(t, "a会議①\n"); /* 1 + 3 + 3 + 1 bytes: cut at every offset */
	fd = tu_memfd(t->str, t->len);
	assert_true(textcheck_clean_fd(fd));
	close(fd);
	for (size_t off = TEXTCHECK_BLOCK - 3; off <= TEXTCHECK_BLOCK + 1; off++) {
		GString *u = g_string_new_len(t->str, (gssize)t->len);

		u->str[off] = '\x1b';
		fd = tu_memfd(u->str, u->len);
		assert_false(textcheck_clean_fd(fd));
		close(fd);
		g_string_free(u, TRUE);
	}
	/* whatever the bytes, the file form says what the buffer form says */
	{
		GRand *rnd = g_rand_new_with_seed(7);
		static const char *const pieces[] = { "a", "会", "①", "\xf0\x9f\x98\x80", "\n",
						      "\xe4", "\x80", "\x1b", "\xc2\x85" };

		for (int round = 0; round < 200; round++) {
			GString *u = g_string_new(NULL);
			int bad = g_rand_int_range(rnd, 0, 4) == 0;

			while (u->len < (gsize)g_rand_int_range(rnd, 1, 3 * TEXTCHECK_BLOCK))
				g_string_append(u, pieces[g_rand_int_range(rnd, 0, bad ? 9 : 5)]);
			fd = tu_memfd(u->str, u->len);
			assert_int_equal(textcheck_clean_fd(fd), textcheck_clean(u->str, u->len));
			close(fd);
			g_string_free(u, TRUE);
		}
		g_rand_free(rnd);
	}
	g_string_append(t, "\xe4\xbc"); /* cut short at the end */
	fd = tu_memfd(t->str, t->len);
	assert_false(textcheck_clean_fd(fd));
	close(fd);
	g_string_free(t, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_text),
		cmocka_unit_test(test_refuses_what_clean_removes),
		cmocka_unit_test(test_refuses_bad_utf8),
		cmocka_unit_test(test_clean_output_passes),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
