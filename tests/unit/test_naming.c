/* test_naming.c - the names released files get (src/core/naming.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/naming.h"

#include <glib.h>
#include <stdio.h>
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

/* a zip's members in a mail: the folders kept in the one name */
static void test_flatten(void **state)
{
	char out[NAMING_BUF], rel[1024], want[NAMING_BUF];
	char f100[101], f150[151];

	static const char *const cases[][2] = {
		{ "資料/2024/見積_docx.pdf", "資料_2024_見積_docx.pdf" },
		{ "見積.pdf", "見積.pdf" },
		{ "a//b/", "a_b" },
		{ "", "file" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		naming_flatten(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	/* too long: the outermost folders go, "…_" in their place, the name whole */
	memset(f100, 'f', 100);
	f100[100] = '\0';
	memset(f150, 'g', 150);
	f150[150] = '\0';
	snprintf(rel, sizeof(rel), "%s/%s/x/memo.txt", f100, f150);
	naming_flatten(rel, out, sizeof(out));
	snprintf(want, sizeof(want), "\xe2\x80\xa6_%s_x_memo.txt", f150);
	assert_string_equal(out, want);
	assert_true(strlen(out) <= NAMING_MAX);
	snprintf(rel, sizeof(rel), "%s/%s/%s.txt", f100, f100, f150);
	naming_flatten(rel, out, sizeof(out));
	snprintf(want, sizeof(want), "\xe2\x80\xa6_%s.txt", f150);
	assert_string_equal(out, want);
	/* exactly NAMING_MAX: kept whole */
	snprintf(rel, sizeof(rel), "%s/%.*s", f100, NAMING_MAX - 101, f150);
	naming_flatten(rel, out, sizeof(out));
	assert_int_equal(strlen(out), NAMING_MAX);
	assert_non_null(strchr(out, '_'));
	assert_int_equal(strncmp(out, f100, 100), 0);
}

static void test_numbered(void **state)
{
	char out[NAMING_BUF], big[NAMING_BUF];

	(void)state;
	naming_numbered("見積.pdf", 2, out, sizeof(out));
	assert_string_equal(out, "見積 (2).pdf");
	naming_numbered("README", 12, out, sizeof(out));
	assert_string_equal(out, "README (12)");
	naming_numbered(".profile", 3, out, sizeof(out));
	assert_string_equal(out, ".profile (3)");
	/* no room: the stem is cut at a character boundary, number and type stay */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 3 < sizeof(big) - 8; i += 3)
		memcpy(big + i, "\xe8\xb3\x87", 3); /* 資 */
	strcat(big, ".pdf");
	naming_numbered(big, 7, out, 40);
	assert_true(g_str_has_suffix(out, " (7).pdf"));
	assert_true(strlen(out) < 40);
	assert_true(g_utf8_validate(out, -1, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_change_keeps_the_original_extension),
		cmocka_unit_test(test_same_type_keeps_the_name),
		cmocka_unit_test(test_no_extension),
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_archive_dir),
		cmocka_unit_test(test_flatten),
		cmocka_unit_test(test_numbered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
