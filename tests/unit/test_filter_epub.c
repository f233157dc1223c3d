/* test_filter_epub.c - EPUB laid out by MuPDF (epub-pdf) into a PDF that
 * pdf-image and pdf-text take on: the book's text is there, its scripts
 * neither ran nor show, nothing outside the book was opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <poppler.h>
#include <stdio.h>
#include <sys/inotify.h>

#include "filter.h"
#include "testutil.h"

#define EPUB_BUF (4 << 20)

static const char container[] =
	"<?xml version='1.0'?><container version='1.0' "
	"xmlns='urn:oasis:names:tc:opendocument:xmlns:container'><rootfiles>"
	"<rootfile full-path='OEBPS/content.opf' media-type='application/oebps-package+xml'/>"
	"</rootfiles></container>";

static void zip_add(struct archive *a, const char *name, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

/* an EPUB 2 book, stored (no compression): "mimetype" first, then the container, the
 * package and the chapters c1.xhtml..cN.xhtml */
static GByteArray *make_epub(const char *const *chapters, size_t n)
{
	struct archive *a = archive_write_new();
	unsigned char *buf = malloc(EPUB_BUF);
	size_t used = 0;
	GString *opf = g_string_new("<?xml version='1.0'?><package xmlns='http://www.idpf.org/"
				    "2007/opf' version='2.0' unique-identifier='id'><metadata "
				    "xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:identifier "
				    "id='id'>mugai-test</dc:identifier><dc:title>t</dc:title>"
				    "<dc:language>ja</dc:language></metadata><manifest>");
	GByteArray *out;

	for (size_t i = 0; i < n; i++)
		g_string_append_printf(opf, "<item id='c%zu' href='c%zu.xhtml' media-type="
				       "'application/xhtml+xml'/>", i + 1, i + 1);
	g_string_append(opf, "</manifest><spine>");
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(opf, "<itemref idref='c%zu'/>", i + 1);
	g_string_append(opf, "</spine></package>");
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_option(a, "zip", "compression", "store"),
			 ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, EPUB_BUF, &used), ARCHIVE_OK);
	zip_add(a, "mimetype", "application/epub+zip", 20);
	zip_add(a, "META-INF/container.xml", container, sizeof(container) - 1);
	zip_add(a, "OEBPS/content.opf", opf->str, opf->len);
	for (size_t i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "OEBPS/c%zu.xhtml", i + 1);
		zip_add(a, name, chapters[i], strlen(chapters[i]));
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	out = g_byte_array_new();
	g_byte_array_append(out, buf, (guint)used);
	free(buf);
	g_string_free(opf, TRUE);
	return out;
}

/* every page's text of the PDF name in dfd */
static char *pdf_text(int dfd, const char *name, int *pages)
{
	size_t len;
	char *raw = tu_read_at(dfd, name, &len);
	GBytes *b;
	PopplerDocument *doc;
	GString *s = g_string_new(NULL);

	assert_non_null(raw);
	b = g_bytes_new_take(raw, len);
	doc = poppler_document_new_from_bytes(b, NULL, NULL);
	assert_non_null(doc);
	*pages = poppler_document_get_n_pages(doc);
	for (int i = 0; i < *pages; i++) {
		PopplerPage *p = poppler_document_get_page(doc, i);
		char *t = poppler_page_get_text(p);

		g_string_append(s, t);
		g_free(t);
		g_object_unref(p);
	}
	g_object_unref(doc);
	g_bytes_unref(b);
	return g_string_free(s, FALSE);
}

static int watch_opens(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, dir, IN_OPEN) >= 0);
	return fd;
}

static int opens_seen(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len = read(fd, buf, sizeof(buf));

	close(fd);
	return len > 0 ? (int)len : 0;
}

static void test_book_text_no_scripts(void **state)
{
	char *outside = tu_tmpdir(NULL);
	char *c1 = g_strdup_printf(
		"<?xml version='1.0' encoding='utf-8'?>"
		"<html xmlns='http://www.w3.org/1999/xhtml'><head><title>t</title>"
		"<link rel='stylesheet' href='file://%s/book.css'/>"
		"<link rel='stylesheet' href='http://127.0.0.1:9/book.css'/>"
		"<script>document.write('SCRIPT-RAN')</script></head>"
		"<body onload=\"document.write('ONLOAD-RAN')\"><h1>第一章 無害化のテスト</h1>"
		"<p>Municipal notice, chapter one.</p>"
		"<script>var x = 'SCRIPT-SOURCE';</script>"
		"<noscript>no-js fallback</noscript>"
		"<img src='file://%s/secret.png'/><img src='file:///etc/passwd'/>"
		"<img src='http://127.0.0.1:9/tracker.png'/>"
		"<iframe src='file://%s/secret.html'></iframe></body></html>",
		outside, outside, outside);
	static const char c2[] =
		"<?xml version='1.0' encoding='utf-8'?>"
		"<html xmlns='http://www.w3.org/1999/xhtml'><head><title>2</title></head>"
		"<body><h1>Chapter Two</h1><p>住民の皆様へ</p></body></html>";
	const char *chapters[] = { c1, c2 };
	GByteArray *epub;
	struct filter_limits lim;
	struct filter_result res;
	char *dir, *dir2, *text, *path;
	int dfd, dfd2, pages, w, mid;

	(void)state;
	path = g_build_filename(outside, "secret.png", NULL);
	assert_true(g_file_set_contents(path, "not read", -1, NULL));
	g_free(path);
	path = g_build_filename(outside, "book.css", NULL);
	assert_true(g_file_set_contents(path, "h1 { display: none }", -1, NULL));
	g_free(path);
	epub = make_epub(chapters, 2);
	tu_limits(&lim);
	w = watch_opens(outside);
	assert_int_equal(tu_run("epub-pdf", epub->data, epub->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(opens_seen(w), 0);
	assert_int_equal(res.status, FILTER_OK);
	text = pdf_text(dfd, "out.pdf", &pages);
	assert_true(pages >= 2); /* each chapter starts a page */
	assert_non_null(strstr(text, "無害化のテスト"));
	assert_non_null(strstr(text, "Chapter Two"));
	assert_non_null(strstr(text, "住民の皆様へ"));
	assert_null(strstr(text, "SCRIPT"));
	assert_null(strstr(text, "ONLOAD"));
	g_free(text);

	/* the chain the policy runs: pdf-text reads MuPDF's PDF */
	mid = openat(dfd, "out.pdf", O_RDONLY | O_CLOEXEC);
	assert_true(mid >= 0);
	memset(&res, 0, sizeof(res));
	dir2 = tu_tmpdir(&dfd2);
	assert_int_equal(filter_lookup("pdf-text")->run(mid, dfd2, &lim, &res), 0);
	assert_int_equal(res.status, FILTER_OK);
	text = tu_read_at(dfd2, "out.txt", NULL);
	assert_non_null(strstr(text, "無害化のテスト"));
	assert_non_null(strstr(text, "住民の皆様へ"));
	assert_null(strstr(text, "SCRIPT"));
	g_free(text);
	close(dfd2);
	tu_rmrf(dir2);

	/* and pdf-image makes the image PDF: no text layer left */
	lseek(mid, 0, SEEK_SET);
	memset(&res, 0, sizeof(res));
	dir2 = tu_tmpdir(&dfd2);
	assert_int_equal(filter_lookup("pdf-image")->run(mid, dfd2, &lim, &res), 0);
	assert_int_equal(res.status, FILTER_OK);
	text = pdf_text(dfd2, "out.pdf", &pages);
	assert_true(pages >= 2);
	assert_string_equal(g_strstrip(text), "");
	g_free(text);
	close(mid);
	close(dfd2);
	tu_rmrf(dir2);

	close(dfd);
	tu_rmrf(dir);
	tu_rmrf(outside);
	g_free(c1);
	g_byte_array_unref(epub);
}

static void test_page_limit_and_output_cap(void **state)
{
	GString *c = g_string_new("<?xml version='1.0' encoding='utf-8'?><html xmlns="
				  "'http://www.w3.org/1999/xhtml'><head><title>l</title></head><body>");
	const char *chapters[1];
	GByteArray *epub;
	struct filter_limits lim;
	struct filter_result res;
	char *dir;
	int dfd;

	(void)state;
	for (int i = 0; i < 400; i++)
		g_string_append_printf(c, "<p>Paragraph %d of a long book.</p>", i);
	g_string_append(c, "</body></html>");
	chapters[0] = c->str;
	epub = make_epub(chapters, 1);
	tu_limits(&lim);
	lim.max_pages = 3;
	assert_int_equal(tu_run("epub-pdf", epub->data, epub->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "too-many-pages"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);

	tu_limits(&lim);
	lim.max_output_bytes = 4096;
	assert_int_equal(tu_run("epub-pdf", epub->data, epub->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "output-too-large"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	g_byte_array_unref(epub);
	g_string_free(c, TRUE);
}

/* the zip directory is held to the archive limits before MuPDF inflates */
static void test_zip_limits(void **state)
{
	static const char c[] = "<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>"
				"<head><title>z</title></head><body><p>small book</p></body></html>";
	const char *chapters[] = { c };
	GByteArray *epub = make_epub(chapters, 1);
	struct filter_limits lim;
	struct {
		uint32_t members;
		uint64_t member, total;
		const char *reason;
	} rows[] = {
		{ 3, 16 << 20, 64 << 20, "epub-too-many-entries" },
		{ 100, 100, 64 << 20, "epub-entry-too-large" },
		{ 100, 16 << 20, 300, "epub-too-large" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct filter_result res;
		char *dir;
		int dfd;

		tu_limits(&lim);
		lim.max_members = rows[i].members;
		lim.max_member_bytes = rows[i].member;
		lim.max_total_bytes = rows[i].total;
		assert_int_equal(tu_run("epub-pdf", epub->data, epub->len, &lim, &res, &dir, &dfd),
				 0);
		assert_int_equal(res.status, FILTER_BLOCKED);
		if (strstr(res.reason, rows[i].reason) == NULL)
			fail_msg("reason '%s', expected %s", res.reason, rows[i].reason);
		assert_int_equal(tu_count(dfd), 0);
		close(dfd);
		tu_rmrf(dir);
	}
	g_byte_array_unref(epub);
}

static void test_corrupt(void **state)
{
	static const char junk[] = "PK\x03\x04 this is not a book";
	struct archive *a = archive_write_new();
	unsigned char *buf = malloc(65536);
	size_t used = 0;
	struct filter_limits lim;
	struct filter_result res;
	char *dir;
	int dfd;

	(void)state;
	tu_limits(&lim);
	assert_int_equal(tu_run("epub-pdf", junk, sizeof(junk) - 1, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "corrupt-epub"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);

	/* a zip with the EPUB mimetype and nothing else */
	archive_write_set_format_zip(a);
	archive_write_set_format_option(a, "zip", "compression", "store");
	archive_write_open_memory(a, buf, 65536, &used);
	zip_add(a, "mimetype", "application/epub+zip", 20);
	archive_write_close(a);
	archive_write_free(a);
	assert_int_equal(tu_run("epub-pdf", buf, used, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "corrupt-epub"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_book_text_no_scripts),
		cmocka_unit_test(test_page_limit_and_output_cap),
		cmocka_unit_test(test_zip_limits),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
