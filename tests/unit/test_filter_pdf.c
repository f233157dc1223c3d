/* test_filter_pdf.c - pdf-image and pdf-text, in process, on PDFs made here */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo-pdf.h>
#include <poppler.h>

#include "filter.h"
#include "testutil.h"

/* a PDF of n pages (w x h points) with Japanese text, in memory */
static cairo_status_t collect(void *closure, const unsigned char *data, unsigned int len)
{
	g_byte_array_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static GByteArray *make_pdf(int pages, double w, double h)
{
	GByteArray *b = g_byte_array_new();
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(collect, b, w, h);
	cairo_t *cr = cairo_create(s);

	for (int p = 1; p <= pages; p++) {
		char line[64];

		cairo_select_font_face(cr, "IPAGothic", CAIRO_FONT_SLANT_NORMAL,
				       CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(cr, 14);
		cairo_move_to(cr, 20, 40);
		snprintf(line, sizeof(line), "議事録 ページ%d", p);
		cairo_show_text(cr, line);
		cairo_rectangle(cr, 20, 60, 80, 40);
		cairo_fill(cr);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return b;
}

/* the hostile PDF of samples/generate.py, shortened */
static const char hostile[] =
	"%PDF-1.7\n"
	"1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /EmbeddedFiles 7 0 R >> "
	"/AcroForm << /Fields [] >> /AA << /WC 5 0 R >> >> endobj\n"
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R "
	"/Annots [6 0 R] /AA << /O 5 0 R >> >> endobj\n"
	"4 0 obj << /Length 26 >>\nstream\n0 0 1 rg 10 10 200 100 re f\nendstream endobj\n"
	"5 0 obj << /S /JavaScript /JS (app.alert('hostile-js');) >> endobj\n"
	"6 0 obj << /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /Launch /F (cmd.exe) >> "
	"/URI (http://evil.example/) >> endobj\n"
	"7 0 obj << /Names [(x.exe) 8 0 R] >> endobj\n"
	"8 0 obj << /Type /Filespec /F (x.exe) /EF << /F 9 0 R >> >> endobj\n"
	"9 0 obj << /Type /EmbeddedFile /Length 7 >>\nstream\npayload\nendstream endobj\n"
	"trailer << /Root 1 0 R >>\n%%EOF\n";

static void test_hostile_to_image(void **state)
{
	struct filter_limits lim;
	struct filter_result res;
	char *dir, *out;
	size_t len;
	int dfd;
	static const char *const gone[] = { "/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch",
					    "/URI", "/EmbeddedFile", "/AcroForm", "/Annots",
					    "hostile-js", "payload", NULL };
	PopplerDocument *doc;
	GBytes *bytes;

	(void)state;
	for (int fmt = FILTER_IMG_JPEG; fmt <= FILTER_IMG_FLATE; fmt++) {
		tu_limits(&lim);
		lim.image_format = (uint32_t)fmt;
		assert_int_equal(tu_run("pdf-image", hostile, sizeof(hostile) - 1, &lim, &res, &dir,
					&dfd), 0);
		assert_int_equal(res.status, FILTER_OK);
		out = tu_read_at(dfd, "out.pdf", &len);
		assert_non_null(out);
		for (size_t i = 0; gone[i] != NULL; i++)
			if (memmem(out, len, gone[i], strlen(gone[i])) != NULL)
				fail_msg("%s survived", gone[i]);
		bytes = g_bytes_new(out, len);
		doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
		assert_non_null(doc);
		assert_int_equal(poppler_document_get_n_pages(doc), 1);
		g_object_unref(doc);
		g_bytes_unref(bytes);
		g_free(out);
		close(dfd);
		tu_rmrf(dir);
	}
}

static void test_text_and_threads(void **state)
{
	struct filter_limits lim;
	struct filter_result res;
	GByteArray *pdf = make_pdf(5, 300, 400);
	char *dir, *out;
	int dfd, ff = 0;
	PopplerDocument *doc;
	GBytes *bytes;
	size_t len;

	(void)state;
	tu_limits(&lim);
	assert_int_equal(tu_run("pdf-text", pdf->data, pdf->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_OK);
	out = tu_read_at(dfd, "out.txt", NULL);
	assert_non_null(strstr(out, "議事録 ページ1"));
	assert_non_null(strstr(out, "議事録 ページ5"));
	for (char *p = out; *p; p++)
		ff += *p == '\f';
	assert_int_equal(ff, 4);
	g_free(out);
	close(dfd);
	tu_rmrf(dir);

	for (uint32_t t = 1; t <= 3; t++) {
		lim.threads = t;
		assert_int_equal(tu_run("pdf-image", pdf->data, pdf->len, &lim, &res, &dir, &dfd), 0);
		assert_int_equal(res.status, FILTER_OK);
		out = tu_read_at(dfd, "out.pdf", &len);
		bytes = g_bytes_new(out, len);
		doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
		assert_int_equal(poppler_document_get_n_pages(doc), 5);
		/* the image PDF has no text left */
		for (int i = 0; i < 5; i++) {
			PopplerPage *pg = poppler_document_get_page(doc, i);
			char *txt = poppler_page_get_text(pg);

			assert_true(txt == NULL || txt[strspn(txt, " \n\f")] == '\0');
			g_free(txt);
			g_object_unref(pg);
		}
		g_object_unref(doc);
		g_bytes_unref(bytes);
		g_free(out);
		close(dfd);
		tu_rmrf(dir);
	}
	g_byte_array_unref(pdf);
}

static void test_limits_and_garbage(void **state)
{
	struct filter_limits lim;
	struct filter_result res;
	GByteArray *pdf = make_pdf(3, 200, 200), *huge = make_pdf(1, 14400, 200);
	char *dir;
	int dfd;
	unsigned char rnd[2048];

	(void)state;
	tu_limits(&lim);
	lim.max_pages = 2;
	tu_run("pdf-image", pdf->data, pdf->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "pdf-too-many-pages"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);

	tu_limits(&lim);
	tu_run("pdf-image", huge->data, huge->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "pdf-page-too-large"));
	close(dfd);
	tu_rmrf(dir);

	tu_run("pdf-image", pdf->data, pdf->len / 2, &lim, &res, &dir, &dfd);
	assert_true(res.status == FILTER_FAILED || res.status == FILTER_OK);
	if (res.status == FILTER_FAILED)
		assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);

	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(i * 2654435761u >> 13);
	tu_run("pdf-text", rnd, sizeof(rnd), &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "pdf-unreadable"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	tu_run("pdf-image", "", 0, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_FAILED);
	close(dfd);
	tu_rmrf(dir);
	g_byte_array_unref(pdf);
	g_byte_array_unref(huge);
}

static void test_encrypted(void **state)
{
	struct filter_limits lim;
	struct filter_result res;
	GByteArray *pdf = make_pdf(1, 200, 200);
	int dfd, pfd;
	char *dir, *tmp = tu_tmpdir(&pfd), *in = g_build_filename(tmp, "in.pdf", NULL);
	char *enc = g_build_filename(tmp, "enc.pdf", NULL), *cmd, *data;
	size_t len;

	(void)state;
	assert_true(g_file_set_contents(in, (const char *)pdf->data, pdf->len, NULL));
	cmd = g_strdup_printf("qpdf --encrypt himitsu owner 256 -- '%s' '%s'", in, enc);
	if (system(cmd) != 0) {
		g_free(cmd);
		skip();
	}
	g_free(cmd);
	assert_true(g_file_get_contents(enc, &data, &len, NULL));
	tu_limits(&lim);
	tu_run("pdf-image", data, len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_HELD);
	assert_string_equal(res.reason, "encrypted");
	close(dfd);
	tu_rmrf(dir);
	strcpy(lim.password, "wrong");
	tu_run("pdf-text", data, len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_HELD);
	assert_string_equal(res.reason, "wrong-password");
	close(dfd);
	tu_rmrf(dir);
	strcpy(lim.password, "himitsu");
	tu_run("pdf-text", data, len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_OK);
	close(dfd);
	tu_rmrf(dir);
	g_free(data);
	g_free(in);
	g_free(enc);
	close(pfd);
	tu_rmrf(tmp);
	g_byte_array_unref(pdf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_to_image),
		cmocka_unit_test(test_text_and_threads),
		cmocka_unit_test(test_limits_and_garbage),
		cmocka_unit_test(test_encrypted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
