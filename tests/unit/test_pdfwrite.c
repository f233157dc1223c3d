/* test_pdfwrite.c - the image PDF writer: its text layer read back by poppler */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdfwrite.h"

/* a 2x2 gray image, deflated */
static const unsigned char gray_z[] = { 0x78, 0x9c, 0x63, 0xf8, 0xff, 0x9f, 0x01, 0x00, 0x04, 0xff, 0x01, 0xff };

static struct pdfw_image test_image(void)
{
	return (struct pdfw_image){ PDFW_IMG_FLATE, 2, 2, 1, gray_z, sizeof(gray_z) };
}

static GBytes *read_back(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc((size_t)len);

	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)len, 0), len);
	return g_bytes_new_take(buf, (size_t)len);
}

static PopplerDocument *open_doc(GBytes *b)
{
	GError *err = NULL;
	PopplerDocument *doc = poppler_document_new_from_bytes(b, NULL, &err);

	if (doc == NULL)
		fail_msg("poppler: %s", err->message);
	return doc;
}

static void assert_page_text(PopplerDocument *doc, int i, const char *want)
{
	PopplerPage *page = poppler_document_get_page(doc, i);
	char *text = poppler_page_get_text(page);

	assert_string_equal(text, want);
	g_free(text);
	g_object_unref(page);
}

/* page i of the PDF written to fd, with its text and character boxes */
struct readback {
	GBytes *bytes;
	PopplerDocument *doc;
	PopplerPage *page;
	char *text;
	PopplerRectangle *rects;
	guint n_rects;
};

static void read_page(int fd, int i, struct readback *r)
{
	memset(r, 0, sizeof(*r));
	r->bytes = read_back(fd);
	r->doc = open_doc(r->bytes);
	r->page = poppler_document_get_page(r->doc, i);
	assert_non_null(r->page);
	r->text = poppler_page_get_text(r->page);
	assert_true(poppler_page_get_text_layout(r->page, &r->rects, &r->n_rects) ||
		    r->text[0] == '\0');
}

static void readback_free(struct readback *r)
{
	g_free(r->rects);
	g_free(r->text);
	if (r->page != NULL)
		g_object_unref(r->page);
	if (r->doc != NULL)
		g_object_unref(r->doc);
	if (r->bytes != NULL)
		g_bytes_unref(r->bytes);
	memset(r, 0, sizeof(*r));
}

static size_t utf32(const char *s, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (const char *p = s; *p != '\0' && n < max; p = g_utf8_next_char(p))
		out[n++] = g_utf8_get_char(p);
	return n;
}

/* add the UTF-8 string s as one run; it must be accepted */
static void add_run(struct pdfw_text *t, const char *s, double x, double y, double w, double h,
		    int vertical)
{
	uint32_t cp[64];
	size_t n = utf32(s, cp, 64);

	if (vertical)
		assert_int_equal(pdfw_text_add_vertical(t, cp, n, x, y, w, h), 0);
	else
		assert_int_equal(pdfw_text_add(t, cp, n, x, y, w, h), 0);
}

static int tmpfd(void)
{
	char path[] = "/tmp/test_pdfwrite.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* a writer over a temporary file, an empty text layer and a tiny image */
struct fixture {
	int fd;
	struct pdfw *w;
	struct pdfw_image img;
	struct pdfw_text t;
	struct readback r;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->fd = tmpfd();
	f->w = pdfw_open(f->fd, 1 << 20);
	assert_non_null(f->w);
	f->img = test_image();
	pdfw_text_init(&f->t);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	readback_free(&f->r);
	pdfw_text_free(&f->t);
	close(f->fd);
	free(f);
	return 0;
}

/* Text, including a character beyond the BMP, comes back from poppler with
 * the boxes it was placed in. */
static void test_text_round_trip(void **state)
{
	struct fixture *f = *state;
	struct readback *r = &f->r;

	add_run(&f->t, "議事録𠮷野家", 72, 700, 6 * 12, 12, 0);
	add_run(&f->t, "Hello", 72, 600, 40, 20, 0);
	assert_int_equal(pdfw_page(f->w, 612, 792, &f->img, &f->t), PDFW_OK);
	assert_int_equal(pdfw_page(f->w, 300, 400, &f->img, NULL), PDFW_OK);
	assert_int_equal(pdfw_close(f->w), PDFW_OK);

	read_page(f->fd, 0, r);
	assert_int_equal(poppler_document_get_n_pages(r->doc), 2);
	assert_non_null(strstr(r->text, "議事録𠮷野家"));
	assert_non_null(strstr(r->text, "Hello"));
	assert_true(r->n_rects >= 11);
	/* first character: x 72..84, top-down y 792-712 .. 792-700 */
	assert_true(fabs(r->rects[0].x1 - 72) < 0.5 && fabs(r->rects[0].x2 - 84) < 0.5);
	assert_true(fabs(r->rects[0].y1 - 80) < 0.5 && fabs(r->rects[0].y2 - 92) < 0.5);
	/* the last character of "Hello" ends at 112 */
	assert_true(fabs(r->rects[r->n_rects - 1].x2 - 112) < 0.5);
	assert_true(fabs(r->rects[r->n_rects - 1].y1 - 172) < 0.5);
	assert_page_text(r->doc, 1, "");
}

/* Bad geometry, control characters, lone surrogates and non-characters are
 * dropped; caps hold. */
static void test_hostile_runs(void **state)
{
	struct pdfw_text t;
	uint32_t good[] = { 'a', 0xD800, 0x0007, 0xFFFE, 0x110000, 'b' };
	uint32_t bad[] = { 0xDC00, 0x1F, 0xFFFF };
	static uint32_t many[PDFW_PAGE_MAX_CHARS + 1];
	int fd = tmpfd();
	struct pdfw *w = pdfw_open(fd, 1 << 20);
	struct pdfw_image img = test_image();
	PopplerDocument *doc;
	GBytes *b;

	(void)state;
	pdfw_text_init(&t);
	assert_int_equal(pdfw_text_add(&t, good, 6, 10, 10, 10, 10), 0);
	assert_int_equal(t.n_cp, 2);
	assert_int_equal(pdfw_text_add(&t, bad, 3, 10, 30, 10, 10), -1);
	assert_int_equal(pdfw_text_add(&t, good, 6, NAN, 10, 10, 10), -1);
	assert_int_equal(pdfw_text_add(&t, good, 6, 10, INFINITY, 10, 10), -1);
	assert_int_equal(pdfw_text_add(&t, good, 6, 10, 10, -5, 10), -1);
	assert_int_equal(pdfw_text_add(&t, good, 6, 10, 10, 10, 0), -1);
	assert_int_equal(pdfw_text_add(&t, good, 6, 1e9, 10, 10, 10), -1);
	assert_int_equal(pdfw_text_add(&t, good, 0, 10, 10, 10, 10), -1);
	for (size_t i = 0; i < PDFW_PAGE_MAX_CHARS + 1; i++)
		many[i] = 'x';
	assert_int_equal(pdfw_text_add(&t, many, PDFW_PAGE_MAX_CHARS + 1, 10, 50, 10, 10), -1);
	assert_int_equal(t.dropped, 8);
	/* a hand-made run pointing outside the text is skipped by the writer */
	t.runs[0].len = 1000;
	assert_int_equal(pdfw_page(w, 100, 100, &img, &t), PDFW_OK);
	t.runs[0].len = 2;
	assert_int_equal(pdfw_page(w, 100, 100, &img, &t), PDFW_OK);
	/* a bad page is refused, and the writer stays failed */
	assert_int_equal(pdfw_page(w, NAN, 100, &img, NULL), PDFW_ERR_INVALID);
	assert_int_equal(pdfw_page(w, 100, 100, &img, NULL), PDFW_ERR_INVALID);
	assert_int_equal(pdfw_close(w), PDFW_ERR_INVALID);
	pdfw_text_free(&t);
	close(fd);

	/* the good run alone, in a document that is finished */
	fd = tmpfd();
	w = pdfw_open(fd, 1 << 20);
	pdfw_text_init(&t);
	assert_int_equal(pdfw_text_add(&t, good, 6, 10, 10, 10, 10), 0);
	assert_int_equal(pdfw_page(w, 100, 100, &img, &t), PDFW_OK);
	assert_int_equal(pdfw_close(w), PDFW_OK);
	pdfw_text_free(&t);
	b = read_back(fd);
	doc = open_doc(b);
	assert_page_text(doc, 0, "ab");
	g_object_unref(doc);
	g_bytes_unref(b);
	close(fd);
}

/* Vertical runs (columns read top to bottom) come back column by column,
 * right to left. */
static void test_vertical_columns(void **state)
{
	struct fixture *f = *state;
	struct readback *r = &f->r;

	/* the right column first in reading order, but added second */
	add_run(&f->t, "二列目です", 200, 400, 20, 100, 1);
	add_run(&f->t, "一列目です", 300, 400, 20, 100, 1);
	assert_int_equal(pdfw_page(f->w, 612, 792, &f->img, &f->t), PDFW_OK);
	assert_int_equal(pdfw_close(f->w), PDFW_OK);
	read_page(f->fd, 0, r);
	assert_non_null(strstr(r->text, "一列目です"));
	assert_non_null(strstr(r->text, "二列目です"));
	assert_true(strstr(r->text, "一列目") < strstr(r->text, "二列目"));
	/* the first character of the right column: x 300..320, y from the top
	 * 792-500 .. 792-480 */
	assert_true(fabs(r->rects[0].x1 - 300) < 0.5 && fabs(r->rects[0].x2 - 320) < 0.5);
	assert_true(fabs(r->rects[0].y1 - 292) < 0.5 && fabs(r->rects[0].y2 - 312) < 0.5);
}

/* Over max_bytes: an error, never a silently short file. */
static void test_output_cap(void **state)
{
	int fd = tmpfd();
	struct pdfw *w = pdfw_open(fd, 400);
	struct pdfw_image img = test_image();
	int rc = PDFW_OK;

	(void)state;
	assert_non_null(w);
	for (int i = 0; i < 10 && rc == PDFW_OK; i++)
		rc = pdfw_page(w, 100, 100, &img, NULL);
	if (rc == PDFW_OK)
		rc = pdfw_close(w);
	else
		pdfw_abort(w);
	assert_int_equal(rc, PDFW_ERR_TOO_LARGE);
	assert_true(lseek(fd, 0, SEEK_END) <= 400);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_round_trip, fixture_setup, fixture_teardown),
		cmocka_unit_test(test_hostile_runs),
		cmocka_unit_test_setup_teardown(test_vertical_columns, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_output_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
