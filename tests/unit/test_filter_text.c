/* test_filter_text.c - the text and html-text filters, in process */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "filter.h"
#include "testutil.h"

static const char *const jp = "議事録 第1回\r\n令和6年度 予算\r\n";
static const char *const jp_clean = "議事録 第1回\n令和6年度 予算\n";

static char *run_text(const char *filter, const void *data, size_t len, int *status,
		      char *reason)
{
	struct filter_limits lim;
	struct filter_result res;
	char *dir = NULL, *out;
	int dfd = -1;

	tu_limits(&lim);
	assert_int_equal(tu_run(filter, data, len, &lim, &res, &dir, &dfd), 0);
	*status = res.status;
	if (reason != NULL)
		strcpy(reason, res.reason);
	out = tu_read_at(dfd, "out.txt", NULL);
	if (res.status != FILTER_OK)
		assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	return out;
}

static void check_encoding(const char *enc, const char *bom, size_t bomlen)
{
	gsize n = 0;
	char *conv = g_convert(jp, -1, enc, "UTF-8", NULL, &n, NULL);
	GString *in = g_string_new_len(bom, (gssize)bomlen);
	char *out;
	int st;

	assert_non_null(conv);
	g_string_append_len(in, conv, (gssize)n);
	out = run_text("text", in->str, in->len, &st, NULL);
	assert_int_equal(st, FILTER_OK);
	if (strcmp(out, jp_clean) != 0)
		fail_msg("%s: got '%s'", enc, out);
	g_free(out);
	g_free(conv);
	g_string_free(in, TRUE);
}

static void test_encodings(void **state)
{
	(void)state;
	check_encoding("UTF-8", "", 0);
	check_encoding("UTF-8", "\xef\xbb\xbf", 3);
	check_encoding("UTF-16LE", "\xff\xfe", 2);
	check_encoding("UTF-16BE", "\xfe\xff", 2);
	check_encoding("CP932", "", 0);
	check_encoding("EUC-JP", "", 0);
	check_encoding("ISO-2022-JP", "", 0);
}

static void test_controls_removed(void **state)
{
	static const char in[] = "a\x01" "b\x1b[31mc\x7f" "d\te\n\xe2\x80\xae" "fdp.exe\xc2\x85g\n";
	int st;
	char *out = run_text("text", in, sizeof(in) - 1, &st, NULL);

	(void)state;
	assert_int_equal(st, FILTER_OK);
	assert_string_equal(out, "ab[31mcd\te\nfdp.exeg\n");
	g_free(out);
}

static void test_binary_and_limits(void **state)
{
	unsigned char bin[4096];
	char reason[FILTER_REASON_MAX], *big;
	int st;
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7919 % 251);
	out = run_text("text", bin, sizeof(bin), &st, reason);
	assert_null(out);
	assert_int_equal(st, FILTER_FAILED);
	assert_non_null(strstr(reason, "text-undecodable"));
	big = g_strnfill((2 << 20), 'a');
	out = run_text("text", big, 2 << 20, &st, reason);
	assert_null(out);
	assert_int_equal(st, FILTER_BLOCKED);
	assert_non_null(strstr(reason, "text-too-large"));
	g_free(big);
}

static void test_html(void **state)
{
	static const char page[] =
		"<html><head><title>お知らせ</title><script>alert('x')</script>"
		"<style>p{color:red}</style></head><body><h1>受付時間</h1><p>平日 <a "
		"href='http://evil.example/'>詳細</a></p><iframe src='http://evil.example/'>"
		"frame text</iframe><table><tr><td>a</td><td>b</td></tr></table>"
		"<noscript>ns</noscript><svg><script>x()</script></svg></body></html>";
	static const unsigned char sjis[] = "<html><body><p>\x93\xfa\x96\x7b\x8c\xea</p></body></html>";
	int st;
	char *out = run_text("html-text", page, sizeof(page) - 1, &st, NULL);
	GString *deep;

	(void)state;
	assert_int_equal(st, FILTER_OK);
	assert_non_null(strstr(out, "お知らせ"));
	assert_non_null(strstr(out, "受付時間"));
	assert_non_null(strstr(out, "平日 詳細"));
	assert_non_null(strstr(out, "a\tb"));
	assert_null(strstr(out, "alert"));
	assert_null(strstr(out, "color"));
	assert_null(strstr(out, "evil.example"));
	assert_null(strstr(out, "frame text"));
	assert_null(strstr(out, "x()"));
	g_free(out);
	out = run_text("html-text", sjis, sizeof(sjis) - 1, &st, NULL);
	assert_int_equal(st, FILTER_OK);
	assert_non_null(strstr(out, "日本語"));
	g_free(out);
	/* 100000 nested elements: bounded by libxml2's depth limit, no crash */
	deep = g_string_new("<html><body>");
	for (int i = 0; i < 100000; i++)
		g_string_append(deep, "<div>");
	g_string_append(deep, "deep</body></html>");
	out = run_text("html-text", deep->str, deep->len, &st, NULL);
	assert_true(st == FILTER_OK || st == FILTER_FAILED);
	g_free(out);
	g_string_free(deep, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_controls_removed),
		cmocka_unit_test(test_binary_and_limits),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
