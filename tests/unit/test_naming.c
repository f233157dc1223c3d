/* test_naming.c - the names released files get (src/core/naming.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/naming.h"

#include <string.h>

static const char *out_name(const char *orig, const char *filter, const char *ext)
{
	static char safe[NAMING_MAX + 8], out[NAMING_BUF];

	naming_safe(orig, safe, sizeof(safe));
	naming_output(safe, filter, ext, out, sizeof(out));
	return out;
}

/* issue 14 point 5: two originals that differ by type only */
static void test_type_change_keeps_the_original_extension(void **state)
{
	(void)state;
	assert_string_equal(out_name("notice_ja.docx", "office-pdf", "pdf"), "notice_ja_docx.pdf");
	assert_string_equal(out_name("notice_ja.xlsx", "office-pdf", "pdf"), "notice_ja_xlsx.pdf");
	assert_string_equal(out_name("お知らせ.pptx", "office-pdf", "pdf"), "お知らせ_pptx.pdf");
	assert_string_equal(out_name("page.html", "html-text", "txt"), "page_html.txt");
	assert_string_equal(out_name("scan.pdf", "pdf-text", "txt"), "scan_pdf.txt");
	assert_string_equal(out_name("photo.gif", "image", "png"), "photo_gif.png");
	assert_string_equal(out_name("macro.docm", "ooxml-cdr", "docx"), "macro_docm.docx");
	/* never a second dot that Windows would show as the type */
	assert_null(strchr(strchr(out_name("notice_ja.docx", "office-pdf", "pdf"), '.') + 1, '.'));
	/* the case of the extension as written */
	assert_string_equal(out_name("REPORT.DOCX", "office-pdf", "pdf"), "REPORT_DOCX.pdf");
}

static void test_same_type_keeps_the_name(void **state)
{
	(void)state;
	assert_string_equal(out_name("report.pdf", "pdf-image", "pdf"), "report.pdf");
	assert_string_equal(out_name("Report.PDF", "pdf-image", "pdf"), "Report.PDF");
	assert_string_equal(out_name("photo.jpeg", "image", "jpg"), "photo.jpeg");
	assert_string_equal(out_name("photo.png", "image", "png"), "photo.png");
	assert_string_equal(out_name("memo.txt", "text", "txt"), "memo.txt");
	assert_string_equal(out_name("kazei.csv", "text", "txt"), "kazei.csv");
	assert_string_equal(out_name("notes.md", "text", "txt"), "notes.md");
	assert_string_equal(out_name("plan.docx", "ooxml-cdr", "docx"), "plan.docx");
	/* the text filter's passes are for text; another filter's csv is a change */
	assert_string_equal(out_name("data.csv", "pdf-text", "txt"), "data_csv.txt");
}

static void test_no_extension(void **state)
{
	(void)state;
	assert_string_equal(out_name("README", "text", "txt"), "README.txt");
	assert_string_equal(out_name(".profile", "text", "txt"), ".profile.txt");
	assert_string_equal(out_name("", "text", "txt"), "file.txt");
}

static void test_safe(void **state)
{
	char out[NAMING_MAX + 8], big[600];

	(void)state;
	naming_safe("a/b\\c\x01.txt", out, sizeof(out));
	assert_string_equal(out, "a_b_c_.txt");
	naming_safe("..", out, sizeof(out));
	assert_string_equal(out, "file");
	naming_safe("invoice\xe2\x80\xaetxt.exe", out, sizeof(out)); /* U+202E */
	assert_string_equal(out, "invoice_txt.exe");
	naming_safe("bad\xff.txt", out, sizeof(out));
	assert_non_null(strstr(out, ".txt"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	naming_safe(big, out, sizeof(out));
	assert_int_equal(strlen(out), NAMING_MAX);
	/* a long name still gets its new extension */
	{
		char o2[NAMING_BUF];

		big[NAMING_MAX - 5] = '.';
		naming_safe(big, out, sizeof(out));
		naming_output(out, "office-pdf", "pptx", o2, sizeof(o2));
		assert_int_equal(strlen(o2), NAMING_MAX + 5);
		assert_string_equal(o2 + strlen(o2) - 5, ".pptx");
	}
}

static void test_archive_dir(void **state)
{
	char out[NAMING_MAX + 8];

	(void)state;
	naming_archive_dir("data.tar.gz", out, sizeof(out));
	assert_string_equal(out, "data");
	naming_archive_dir("a.b.zip", out, sizeof(out));
	assert_string_equal(out, "a.b");
	naming_archive_dir(".zip", out, sizeof(out));
	assert_string_equal(out, ".zip");
	naming_archive_dir("x.tar.gz.zip", out, sizeof(out));
	assert_string_equal(out, "x.tar");
	naming_archive_dir("notes.txt", out, sizeof(out));
	assert_string_equal(out, "notes.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_change_keeps_the_original_extension),
		cmocka_unit_test(test_same_type_keeps_the_name),
		cmocka_unit_test(test_no_extension),
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_archive_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
