/*
 * mkpdf - write a test PDF with Japanese and ASCII text and some shapes.
 *   mkpdf OUT.pdf [--pages N] [--text "..."] [--photo]
 * --photo adds a 1200x1600 photo-like raster image to every page, as a
 * scanned document has (the usual municipal PDF).
 * Each page says "ページ i / N"; the default text includes
 * "議事録 第1回 会議 令和6年" so tests can look for it.
 */
#include <cairo-pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *out = NULL, *text = "議事録 第1回 会議 令和6年 (Minutes of meeting No.1)";
	long pages = 1;
	int photo = 0;
	cairo_surface_t *img = NULL;
	cairo_surface_t *s;
	cairo_t *cr;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pages") == 0 && i + 1 < argc)
			pages = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--photo") == 0)
			photo = 1;
		else if (strcmp(argv[i], "--text") == 0 && i + 1 < argc)
			text = argv[++i];
		else if (out == NULL)
			out = argv[i];
	}
	if (out == NULL || pages < 1 || pages > 100000) {
		fprintf(stderr, "usage: mkpdf OUT.pdf [--pages N] [--text TEXT]\n");
		return 2;
	}
	s = cairo_pdf_surface_create(out, 595, 842); /* A4 */
	cr = cairo_create(s);
	if (photo) {
		unsigned char *px;
		int stride;
		unsigned seed = 12345;

		img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1200, 1600);
		px = cairo_image_surface_get_data(img);
		stride = cairo_image_surface_get_stride(img);
		for (int y = 0; y < 1600; y++)
			for (int x = 0; x < 1200; x++) {
				unsigned char *q = px + y * stride + x * 4;

				seed = seed * 1103515245u + 12345u;
				q[0] = (unsigned char)((x / 5 + (seed >> 28)) & 0xff);
				q[1] = (unsigned char)((y / 7 + (seed >> 26)) & 0xff);
				q[2] = (unsigned char)(((x + y) / 9) & 0xff);
			}
		cairo_surface_mark_dirty(img);
	}
	for (long p = 1; p <= pages; p++) {
		char line[128];

		if (img != NULL) {
			cairo_save(cr);
			cairo_scale(cr, 595.0 / 1200, 842.0 / 1600);
			cairo_set_source_surface(cr, img, 0, 0);
			cairo_paint(cr);
			cairo_restore(cr);
		}

		cairo_set_source_rgb(cr, 0.1, 0.3, 0.7);
		cairo_rectangle(cr, 50, 50, 495, 40);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.9, 0.5, 0.1);
		cairo_arc(cr, 300, 600, 80 + (double)(p % 40), 0, 6.283);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_select_font_face(cr, "IPAGothic", CAIRO_FONT_SLANT_NORMAL,
				       CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(cr, 18);
		cairo_move_to(cr, 60, 140);
		cairo_show_text(cr, text);
		for (int l = 0; l < 20; l++) {
			snprintf(line, sizeof(line), "%d. 本文の行です。The quick brown fox %ld-%d", l + 1, p, l);
			cairo_set_font_size(cr, 11);
			cairo_move_to(cr, 60, 180 + 14.0 * l);
			cairo_show_text(cr, line);
		}
		snprintf(line, sizeof(line), "ページ %ld / %ld", p, pages);
		cairo_move_to(cr, 260, 800);
		cairo_show_text(cr, line);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	if (img != NULL)
		cairo_surface_destroy(img);
	cairo_surface_finish(s);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "mkpdf: %s\n", cairo_status_to_string(cairo_surface_status(s)));
		return 1;
	}
	cairo_surface_destroy(s);
	return 0;
}
