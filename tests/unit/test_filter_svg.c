/* test_filter_svg.c - SVG drawn by librsvg into a PNG with none of its
 * active parts: scripts, event handlers, foreignObject, external references
 * (files, URLs, XInclude, CSS imports) are neither loaded nor drawn.
 *
 * "Nothing is read" is checked twice: by the pixels (a green picture in a
 * file the drawing points at must not appear) and by inotify (no open of
 * that file at all).  Positive controls show both checks can see a load:
 * an embedded data: image is drawn, and librsvg given a base URL does open
 * and draw the same file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdio.h>
#include <sys/inotify.h>

#include "filter.h"
#include "testutil.h"

#define GREEN 0x00ff00u
#define WHITE 0xffffffu

/* a 4x4 green PNG at path, and its bytes in base64 */
static char *make_green_png(const char *path)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 4, 4);
	cairo_t *cr = cairo_create(s);
	gchar *raw;
	gsize len;
	char *b64;

	cairo_set_source_rgb(cr, 0, 1, 0);
	cairo_paint(cr);
	cairo_destroy(cr);
	assert_int_equal(cairo_surface_write_to_png(s, path), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
	assert_true(g_file_get_contents(path, &raw, &len, NULL));
	b64 = g_base64_encode((const guchar *)raw, len);
	g_free(raw);
	return b64;
}

struct fixture {
	char *dir;     /* holds green.png, other.svg, evil.css, secret.txt */
	char *b64;     /* green.png, base64 */
	char *svg;     /* the hostile drawing */
};

static char *fx_path(const struct fixture *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	char *green, *other, *css, *secret;

	f->dir = tu_tmpdir(NULL);
	green = fx_path(f, "green.png");
	other = fx_path(f, "other.svg");
	css = fx_path(f, "evil.css");
	secret = fx_path(f, "secret.txt");
	f->b64 = make_green_png(green);
	assert_true(g_file_set_contents(other, "<svg xmlns='http://www.w3.org/2000/svg'>"
		    "<rect id='g' x='20' y='20' width='20' height='20' fill='#00ff00'/></svg>",
		    -1, NULL));
	assert_true(g_file_set_contents(css, "rect.bg { fill: #00ff00 }", -1, NULL));
	assert_true(g_file_set_contents(secret, "XXXXXXXXXXXXXXXX", -1, NULL));
	/* 60x60, white background; each 20x20 cell tries one way in */
	f->svg = g_strdup_printf(
		"<?xml version='1.0'?>\n"
		"<?xml-stylesheet type='text/css' href='file://%s/evil.css'?>\n"
		"<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"
		" xmlns:xi='http://www.w3.org/2001/XInclude' width='60' height='60'"
		" xml:base='file://%s/' onload='alert(1)'>\n"
		"<style>@import url(file://%s/evil.css);</style>\n"
		"<script>document.documentElement.setAttribute('fill','green')</script>\n"
		"<rect class='bg' width='60' height='60' fill='#ffffff' onclick='steal()'/>\n"
		"<image x='0' y='0' width='20' height='20' href='file://%s/green.png'/>\n"
		"<image x='20' y='0' width='20' height='20' xlink:href='%s/green.png'/>\n"
		"<image x='40' y='0' width='20' height='20' href='green.png'/>\n"
		"<image x='0' y='20' width='20' height='20' href='data:image/png;base64,%s'/>\n"
		"<use href='file://%s/other.svg#g'/>\n"
		"<foreignObject x='40' y='20' width='20' height='20'>"
		"<div xmlns='http://www.w3.org/1999/xhtml' style='background:#00ff00;width:20px;"
		"height:20px'>x</div><svg><rect width='20' height='20' fill='#00ff00'/></svg>"
		"</foreignObject>\n"
		"<image x='0' y='40' width='20' height='20' href='file:///etc/passwd'/>\n"
		"<image x='20' y='40' width='20' height='20' href='http://127.0.0.1:9/green.png'/>\n"
		"<rect x='40' y='40' width='20' height='20' fill='url(file://%s/other.svg#g) #ffffff'/>\n"
		"<text x='0' y='58' font-size='18' fill='#000000'>"
		"<xi:include href='file://%s/secret.txt' parse='text'/></text>\n"
		"</svg>\n",
		f->dir, f->dir, f->dir, f->dir, f->dir, f->b64, f->dir, f->dir, f->dir);
	g_free(green);
	g_free(other);
	g_free(css);
	g_free(secret);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tu_rmrf(f->dir);
	g_free(f->b64);
	g_free(f->svg);
	g_free(f);
	return 0;
}

/* an inotify watch for opens in dir */
static int watch_opens(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, dir, IN_OPEN) >= 0);
	return fd;
}

/* number of files opened in the watched directory since watch_opens */
static int opens_seen(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int n = 0;
	ssize_t len;

	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len;
		     p += sizeof(struct inotify_event) + ((struct inotify_event *)(void *)p)->len)
			n++;
	close(fd);
	return n;
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
	const unsigned char *d = cairo_image_surface_get_data(s);

	return *(const uint32_t *)(const void *)(d + (size_t)y *
						 (size_t)cairo_image_surface_get_stride(s) +
						 (size_t)x * 4) & 0xffffff;
}

/* darkest channel value in the band y0..y1 (255: nothing drawn there) */
static int darkest(cairo_surface_t *s, int y0, int y1)
{
	int min = 255;

	for (int y = y0; y < y1; y++)
		for (int x = 0; x < cairo_image_surface_get_width(s); x++) {
			uint32_t p = pixel(s, x, y);

			for (int c = 0; c < 3; c++)
				if ((int)((p >> (8 * c)) & 0xff) < min)
					min = (int)((p >> (8 * c)) & 0xff);
		}
	return min;
}

/* out.png of dfd as a cairo surface */
static cairo_surface_t *load_out(int dfd)
{
	char path[] = "/tmp/mugai-svg-XXXXXX";
	size_t len;
	char *raw = tu_read_at(dfd, "out.png", &len);
	int fd = mkstemp(path);
	cairo_surface_t *s;

	assert_non_null(raw);
	assert_memory_equal(raw, "\x89PNG", 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, raw, len), (ssize_t)len);
	close(fd);
	s = cairo_image_surface_create_from_png(path);
	unlink(path);
	g_free(raw);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	return s;
}

/* what a drawing that loaded nothing looks like: every cell white except
 * the embedded data: image, no text */
static void assert_nothing_loaded(cairo_surface_t *s)
{
	assert_int_equal(cairo_image_surface_get_width(s), 60);
	assert_int_equal(cairo_image_surface_get_height(s), 60);
	assert_int_equal(pixel(s, 10, 10), WHITE);  /* file:// URL */
	assert_int_equal(pixel(s, 30, 10), WHITE);  /* absolute path */
	assert_int_equal(pixel(s, 50, 10), WHITE);  /* relative to xml:base */
	assert_int_equal(pixel(s, 10, 30), GREEN);  /* data: URL: drawn */
	assert_int_equal(pixel(s, 30, 30), WHITE);  /* <use> of another file */
	assert_int_equal(pixel(s, 50, 30), WHITE);  /* foreignObject */
	assert_int_equal(pixel(s, 5, 5), WHITE);    /* no CSS import recoloured it */
	assert_int_equal(darkest(s, 40, 60), 255);  /* no XInclude'd text */
}

static void test_hostile_drawing_loads_nothing(void **state)
{
	struct fixture *f = *state;
	struct filter_limits lim;
	struct filter_result res;
	cairo_surface_t *s;
	char *dir;
	int dfd, w = watch_opens(f->dir);

	tu_limits(&lim);
	assert_int_equal(tu_run("svg", f->svg, strlen(f->svg), &lim, &res, &dir, &dfd), 0);
	assert_int_equal(opens_seen(w), 0);
	assert_int_equal(res.status, FILTER_OK);
	/* script, foreignObject, xi:include; onload, onclick; 7 references
	 * (5 image hrefs, use, xml:base); the @import and a fill with an
	 * external url(); the xml-stylesheet PI */
	assert_non_null(strstr(res.reason, "removed: 3 element(s), 2 event handler(s), "
			       "7 reference(s), 2 style(s), 1 other"));
	s = load_out(dfd);
	assert_nothing_loaded(s);
	cairo_surface_destroy(s);
	assert_int_equal(tu_count(dfd), 1);
	close(dfd);
	tu_rmrf(dir);
}

/* librsvg alone (the second layer, without our cleaner) and with no base
 * loads nothing either; given a base URL it does open and draw the files,
 * so the pixel and inotify checks above can see a load */
static void test_librsvg_without_base(void **state)
{
	struct fixture *f = *state;
	cairo_surface_t *s;
	cairo_t *cr;
	RsvgRectangle vp = { 0, 0, 60, 60 };
	GError *err = NULL;
	char *base;

	for (int with_base = 0; with_base < 2; with_base++) {
		GInputStream *in = g_memory_input_stream_new_from_data(f->svg,
								       (gssize)strlen(f->svg),
								       NULL);
		GFile *bf = NULL;
		RsvgHandle *h;
		int w = watch_opens(f->dir);

		base = g_strdup_printf("%s/drawing.svg", f->dir);
		if (with_base)
			bf = g_file_new_for_path(base);
		h = rsvg_handle_new_from_stream_sync(in, bf, RSVG_HANDLE_FLAGS_NONE, NULL, &err);
		assert_non_null(h);
		s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 60, 60);
		cr = cairo_create(s);
		assert_true(rsvg_handle_render_document(h, cr, &vp, &err));
		cairo_destroy(cr);
		cairo_surface_flush(s);
		if (!with_base) {
			assert_int_equal(opens_seen(w), 0);
			assert_nothing_loaded(s);
		} else {
			assert_true(opens_seen(w) > 0);
			assert_int_equal(pixel(s, 10, 10), GREEN);
			assert_true(darkest(s, 40, 60) < 128); /* the included text */
		}
		cairo_surface_destroy(s);
		g_object_unref(h);
		g_object_unref(in);
		if (bf != NULL)
			g_object_unref(bf);
		g_free(base);
	}
}

static void test_plain_drawing(void **state)
{
	static const char doc[] =
		"<?xml version='1.0' standalone='no'?>\n"
		"<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' "
		"'http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd'>\n"
		"<!-- made by hand -->\n"
		"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 30 20'>"
		"<defs><linearGradient id='g'><stop offset='0' stop-color='#ff0000'/>"
		"<stop offset='1' stop-color='#ff0000'/></linearGradient></defs>"
		"<rect width='15' height='20' style='fill:url(#g)'/>"
		"<rect x='15' width='15' height='20' fill='#0000ff'/></svg>";
	struct filter_limits lim;
	struct filter_result res;
	cairo_surface_t *s;
	char *dir;
	int dfd;

	(void)state;
	tu_limits(&lim);
	assert_int_equal(tu_run("svg", doc, sizeof(doc) - 1, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_OK);
	s = load_out(dfd);
	/* the size from the viewBox; url(#id) inside the drawing is kept */
	assert_int_equal(cairo_image_surface_get_width(s), 30);
	assert_int_equal(cairo_image_surface_get_height(s), 20);
	assert_int_equal(pixel(s, 5, 10), 0xff0000);
	assert_int_equal(pixel(s, 25, 10), 0x0000ff);
	cairo_surface_destroy(s);
	close(dfd);
	tu_rmrf(dir);
}

static void expect_refused(const char *doc, const struct filter_limits *lim, int status,
			   const char *reason)
{
	struct filter_result res;
	char *dir;
	int dfd;

	assert_int_equal(tu_run("svg", doc, strlen(doc), lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, status);
	if (strncmp(res.reason, reason, strlen(reason)) != 0)
		fail_msg("reason '%s', expected '%s...'", res.reason, reason);
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct filter_limits lim;
	char *xxe = g_strdup_printf("<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY s SYSTEM "
				    "'file://%s/secret.txt'>]><svg xmlns='http://www.w3.org/"
				    "2000/svg'><text>&s;</text></svg>", f->dir);
	static const char laughs[] =
		"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'hahahahahahaha'>"
		"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>"
		"<!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;'><!ENTITY e '&d;&d;&d;&d;&d;&d;&d;&d;'>]>"
		"<svg xmlns='http://www.w3.org/2000/svg'><text>&e;&e;&e;&e;&e;</text></svg>";
	static const char pe[] =
		"<!DOCTYPE svg [<!ENTITY % p SYSTEM 'http://127.0.0.1:9/x.dtd'> %p;]>"
		"<svg xmlns='http://www.w3.org/2000/svg'/>";
	static const char huge[] = "<svg xmlns='http://www.w3.org/2000/svg' width='60000' "
				   "height='10'/>";
	static const char pixels[] = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 "
				     "9000 9000'/>";
	static const char broken[] = "<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>";
	static const char html[] = "<html><body><svg/></body></html>";
	static const char nons[] = "<svg width='10' height='10'/>";

	tu_limits(&lim);
	expect_refused(xxe, &lim, FILTER_BLOCKED, "svg-dtd");
	expect_refused(laughs, &lim, FILTER_BLOCKED, "svg-dtd");
	expect_refused(pe, &lim, FILTER_BLOCKED, "svg-dtd");
	expect_refused(huge, &lim, FILTER_BLOCKED, "image-too-large");
	expect_refused(pixels, &lim, FILTER_BLOCKED, "image-too-large");
	expect_refused(broken, &lim, FILTER_FAILED, "svg-undecodable");
	expect_refused(html, &lim, FILTER_FAILED, "svg-undecodable");
	expect_refused(nons, &lim, FILTER_FAILED, "svg-undecodable");
	lim.max_text_bytes = 100;
	expect_refused(f->svg, &lim, FILTER_BLOCKED, "svg-too-large");
	g_free(xxe);
}

static void test_nested_svg_data_url_removed(void **state)
{
	/* an SVG inside a data: URL would escape the cleaner: not drawn */
	static const char svg[] = "<svg xmlns='http://www.w3.org/2000/svg' width='10' "
				  "height='10'><rect width='10' height='10' fill='#00ff00'/></svg>";
	char *inner = g_base64_encode((const guchar *)svg, sizeof(svg) - 1);
	char *doc = g_strdup_printf("<svg xmlns='http://www.w3.org/2000/svg' width='10' "
				    "height='10'><rect width='10' height='10' fill='#ffffff'/>"
				    "<image width='10' height='10' href='data:image/svg+xml;"
				    "base64,%s'/></svg>", inner);
	struct filter_limits lim;
	struct filter_result res;
	cairo_surface_t *s;
	char *dir;
	int dfd;

	(void)state;
	tu_limits(&lim);
	assert_int_equal(tu_run("svg", doc, strlen(doc), &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_OK);
	s = load_out(dfd);
	assert_int_equal(pixel(s, 5, 5), WHITE);
	cairo_surface_destroy(s);
	close(dfd);
	tu_rmrf(dir);
	g_free(doc);
	g_free(inner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostile_drawing_loads_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_librsvg_without_base, setup, teardown),
		cmocka_unit_test(test_plain_drawing),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test(test_nested_svg_data_url_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
