/* test_filter_html_mail.c - html-text's mail form (lim.html_mail), which
 * mugaid asks for on the HTML body of a mail and whose output mime-repack
 * takes as that body's text without parsing any HTML itself */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gmime/gmime.h>
#include <jansson.h>

#include "defang.h"
#include "filter.h"
#include "testutil.h"

/* html-text on data, mail form or not: out.txt or NULL, the status */
static char *html_text(const char *data, int mail, int *status)
{
	struct filter_limits lim;
	struct filter_result res;
	char *dir = NULL, *out;
	int dfd = -1;

	tu_limits(&lim);
	lim.html_mail = (uint32_t)mail;
	assert_int_equal(tu_run("html-text", data, strlen(data), &lim, &res, &dir, &dfd), 0);
	*status = res.status;
	out = tu_read_at(dfd, "out.txt", NULL);
	close(dfd);
	tu_rmrf(dir);
	return out;
}

static const char page[] =
	"<html><head><meta charset=\"Shift_JIS\"><title>件名</title>"
	"<style>p{color:red}</style><script>alert(1)</script></head><body>"
	"<p>予算 ① <a href=\"https://evil.example/x\">ここ</a> "
	"<a href=\"javascript:alert(2)\">js</a> <a href=\"data:text/html,x\">d</a> "
	"www.example.jp <a href=\"HTTP://Up.Example/\">up</a></p></body></html>";

/* links shown as defanged text after their text, active ones not at all */
static void test_mail_form(void **state)
{
	int st;
	char *out;

	(void)state;
	out = html_text(page, 1, &st);
	assert_int_equal(st, FILTER_OK);
	assert_non_null(out);
	assert_non_null(strstr(out, "ここ <hxxps://evil.example/x>"));
	assert_non_null(strstr(out, "up <hxxp://Up.Example/>"));
	assert_non_null(strstr(out, "www[.]example.jp"));
	assert_null(strstr(out, "http"));
	assert_null(strstr(out, "javascript"));
	assert_null(strstr(out, "data:"));
	assert_null(strstr(out, "alert"));
	assert_null(strstr(out, "color"));
	/* the UTF-8 mime-unpack made of the body, not read again as the
	 * <meta>'s Shift_JIS */
	assert_non_null(strstr(out, "予算 ①"));
	assert_non_null(strstr(out, "件名"));
	g_free(out);
}

/* the same page for a file (not the mail form): no link target at all */
static void test_file_form(void **state)
{
	int st;
	char *out;

	(void)state;
	out = html_text("<html><body><p>see <a href=\"https://evil.example/x\">ここ</a>"
			"</p></body></html>", 0, &st);
	assert_int_equal(st, FILTER_OK);
	assert_non_null(strstr(out, "see ここ"));
	assert_null(strstr(out, "evil"));
	g_free(out);
}

/* a body that is not UTF-8 after all: decoded as the text filter would
 * (Shift_JIS here); one in no known encoding fails, nothing written */
static void test_mail_form_not_utf8(void **state)
{
	int st;
	char *out;

	(void)state;
	out = html_text("<p>\x97\x5c\x8e\x5a \x82\xa0 <a href='http://x.example/'>x</a></p>", 1,
			&st);
	assert_int_equal(st, FILTER_OK);
	assert_non_null(strstr(out, "予算 あ x <hxxp://x.example/>"));
	g_free(out);
	out = html_text("<p>\xff\xfe\x00\x81\xff\x80\xfc\xfd</p>", 1, &st);
	assert_int_equal(st, FILTER_FAILED);
	assert_null(out);
}

static void test_defang(void **state)
{
	GString *s = g_string_new("a http://x HTTPS://y ftp://z www.w hxxp://done www[.]done");

	(void)state;
	defang_urls(s);
	assert_string_equal(s->str, "a hxxp://x hxxps://y fxp://z www[.]w hxxp://done www[.]done");
	defang_urls(s); /* once more: as it is */
	assert_string_equal(s->str, "a hxxp://x hxxps://y fxp://z www[.]w hxxp://done www[.]done");
	g_string_assign(s, "nothing to do");
	defang_urls(s);
	assert_string_equal(s->str, "nothing to do");
	g_string_free(s, TRUE);
}

/* the decoded text of the single part of a message */
static char *body_text(const char *eml, size_t len)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(eml, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *o;
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;
	char *s;

	assert_non_null(m);
	o = g_mime_message_get_mime_part(m);
	assert_true(GMIME_IS_TEXT_PART(o));
	assert_string_equal(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o)),
			    "text/plain");
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	s = g_strndup((const char *)ba->data, ba->len);
	g_object_unref(mem);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
	return s;
}

/* mime-repack on an HTML body's artefact: taken as text (its tags stay
 * text: no HTML parser in mime-repack), its URLs defanged once more (the
 * body may have been read as plain text), html=text in the stamp */
static void test_repack_takes_text(void **state)
{
	static const char art[] = "<b>bold</b> see http://evil.example/ www.example.jp\n";
	const struct filter_ops *ops = filter_lookup("mime-repack");
	struct filter_limits lim;
	struct filter_result res;
	json_t *plan;
	char *dir, *s, *eml, *text;
	size_t len;
	int dfd, fd, in;

	(void)state;
	dir = tu_tmpdir(&dfd);
	fd = openat(dfd, "a000001", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, art, sizeof(art) - 1), (ssize_t)(sizeof(art) - 1));
	close(fd);
	plan = json_pack("{s:i, s:s, s:{s:s}, s:[], s:{s:s, s:s, s:s, s:[{s:s, s:s, s:s, "
			 "s:s}]}}",
			 "version", 1, "job", "J1", "options", "html", "text", "headers",
			 "body", "kind", "leaf", "role", "body", "type", "text/html",
			 "artefacts", "file", "a000001", "name", "body", "type", "text/plain",
			 "charset", "UTF-8");
	assert_non_null(plan);
	s = json_dumps(plan, 0);
	json_decref(plan);
	in = tu_memfd(s, strlen(s));
	free(s);
	tu_limits(&lim);
	memset(&res, 0, sizeof(res));
	assert_int_equal(ops->run(in, dfd, &lim, &res), 0);
	close(in);
	assert_int_equal(res.status, FILTER_OK);
	eml = tu_read_at(dfd, "out.eml", &len);
	assert_non_null(eml);
	assert_non_null(strstr(eml, "html=text"));
	text = body_text(eml, len);
	assert_string_equal(text, "<b>bold</b> see hxxp://evil.example/ www[.]example.jp\r\n");
	g_free(text);
	g_free(eml);
	close(dfd);
	tu_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_form),
		cmocka_unit_test(test_file_form),
		cmocka_unit_test(test_mail_form_not_utf8),
		cmocka_unit_test(test_defang),
		cmocka_unit_test(test_repack_takes_text),
	};

	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
