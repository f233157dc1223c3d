/* ocr.c - Tesseract OCR of PDF pages into text-layer runs (see ocr.h) */
#include "ocr.h"
#include "textlayer.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#include <time.h>

#define OCR_RUN_MAX 1024        /* code points per run (then a new one) */
#define OCR_UPRIGHT 1.5         /* a line this much taller than wide stands upright */

enum { OCR_HORIZONTAL = 0, OCR_VERTICAL = 1 };

struct ocr_engine {
	const struct filter_limits *lim;
	TessBaseAPI *api[2];      /* lim->ocr_languages; OCR_VERTICAL_LANG */
	int failed[2];
	cairo_surface_t *surface; /* the page at ocr_dpi, reused while the size holds */
	unsigned char *gray;
	size_t gray_cap;
};

struct ocr_run {
	uint32_t cp[OCR_RUN_MAX + 1];
	size_t n;
	int left, top, right, bottom; /* pixels */
};

static int64_t ocr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ocr_engine *ocr_engine_new(const struct filter_limits *lim)
{
	struct ocr_engine *e = calloc(1, sizeof(*e));

	if (e != NULL)
		e->lim = lim;
	return e;
}

void ocr_engine_free(struct ocr_engine *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (e->api[i] != NULL) {
			TessBaseAPIEnd(e->api[i]);
			TessBaseAPIDelete(e->api[i]);
		}
	if (e->surface != NULL)
		cairo_surface_destroy(e->surface);
	free(e->gray);
	free(e);
}

/* the engine for one direction, initialised on first use */
static TessBaseAPI *ocr_api(struct ocr_engine *e, int which)
{
	const char *langs = which == OCR_VERTICAL ? OCR_VERTICAL_LANG : e->lim->ocr_languages;

	if (e->api[which] != NULL || e->failed[which])
		return e->api[which];
	if (langs[0] == '\0' ||
	    (which == OCR_HORIZONTAL && strnlen(langs, FILTER_OCR_LANG_MAX) == FILTER_OCR_LANG_MAX)) {
		e->failed[which] = 1;
		return NULL;
	}
	e->api[which] = TessBaseAPICreate();
	if (e->api[which] == NULL || TessBaseAPIInit3(e->api[which], NULL, langs) != 0) {
		if (e->api[which] != NULL)
			TessBaseAPIDelete(e->api[which]);
		e->api[which] = NULL;
		e->failed[which] = 1;
	}
	return e->api[which];
}

/* The page as 8-bit gray at about lim->ocr_dpi; 0 or -1. */
static int ocr_render(struct ocr_engine *e, PopplerPage *page, double w_pt, double h_pt,
		      double *dpi, int *wpx, int *hpx)
{
	double px;
	int w, h, stride;
	cairo_t *cr;
	unsigned char *data;

	*dpi = e->lim->ocr_dpi;
	px = (w_pt * *dpi / 72.0) * (h_pt * *dpi / 72.0);
	if (px > (double)OCR_PAGE_PIXELS_MAX)
		*dpi *= sqrt((double)OCR_PAGE_PIXELS_MAX / px);
	w = (int)ceil(w_pt * *dpi / 72.0);
	h = (int)ceil(h_pt * *dpi / 72.0);
	if (w < 1 || h < 1)
		return -1;
	if (e->surface != NULL && (cairo_image_surface_get_width(e->surface) != w ||
				   cairo_image_surface_get_height(e->surface) != h)) {
		cairo_surface_destroy(e->surface);
		e->surface = NULL;
	}
	if (e->surface == NULL)
		e->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(e->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(e->surface);
		e->surface = NULL;
		return -1;
	}
	if ((size_t)w * (size_t)h > e->gray_cap) {
		free(e->gray);
		e->gray_cap = (size_t)w * (size_t)h;
		e->gray = malloc(e->gray_cap);
		if (e->gray == NULL) {
			e->gray_cap = 0;
			return -1;
		}
	}
	cr = cairo_create(e->surface);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, *dpi / 72.0, *dpi / 72.0);
	poppler_page_render(page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(e->surface);
	data = cairo_image_surface_get_data(e->surface);
	stride = cairo_image_surface_get_stride(e->surface);
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
		unsigned char *out = e->gray + (size_t)y * (size_t)w;

		for (int x = 0; x < w; x++) {
			uint32_t v = row[x];

			out[x] = (unsigned char)((((v >> 16) & 255) * 77 + ((v >> 8) & 255) * 150 +
						  (v & 255) * 29) >> 8);
		}
	}
	*wpx = w;
	*hpx = h;
	return 0;
}

/* Do most of the page's text lines stand upright? (layout analysis only) */
static int ocr_upright(TessBaseAPI *api)
{
	TessPageIterator *it = TessBaseAPIAnalyseLayout(api);
	double upright = 0, flat = 0;

	if (it == NULL)
		return 0;
	do {
		int l, t, r, b;
		double w, h;

		if (!TessPageIteratorBoundingBox(it, RIL_TEXTLINE, &l, &t, &r, &b))
			continue;
		w = r - l;
		h = b - t;
		if (h > OCR_UPRIGHT * w)
			upright += w * h;
		else if (w > OCR_UPRIGHT * h)
			flat += w * h;
	} while (TessPageIteratorNext(it, RIL_TEXTLINE));
	TessPageIteratorDelete(it);
	return upright > OCR_VERTICAL_SHARE * (upright + flat) && upright > 0;
}

struct ocr_out {
	struct pdfw_text *layer;
	GString *text;
	double scale, h_pt;      /* points per pixel, page height */
	struct ocr_run run;
	int line_vertical;
	int line_l, line_t, line_r, line_b;
	size_t chars;
};

/* finish the current run; reach > 0: a space follows, up to pixel x reach */
static void ocr_emit(struct ocr_out *o, int reach)
{
	struct ocr_run *r = &o->run;
	double s = o->scale;

	if (r->n == 0)
		return;
	if (o->line_vertical) {
		/* the column as one run, read top to bottom */
		if (o->layer != NULL)
			pdfw_text_add_vertical(o->layer, r->cp, r->n, o->line_l * s,
					       o->h_pt - o->line_b * s, (o->line_r - o->line_l) * s,
					       (o->line_b - o->line_t) * s);
	} else {
		int right = r->right;

		if (reach > right) {
			r->cp[r->n++] = ' ';
			right = reach;
		}
		if (o->layer != NULL)
			pdfw_text_add(o->layer, r->cp, r->n, r->left * s, o->h_pt - o->line_b * s,
				      (right - r->left) * s, (o->line_b - o->line_t) * s);
	}
	r->n = 0;
}

static void ocr_symbol(struct ocr_out *o, const char *sym, int l, int t, int r, int b,
		       int word_start)
{
	struct ocr_run *run = &o->run;
	uint32_t first;

	if (sym == NULL || !g_utf8_validate(sym, -1, NULL) || sym[0] == '\0')
		return;
	first = g_utf8_get_char(sym);
	if (word_start && run->n > 0) {
		uint32_t last = run->cp[run->n - 1];
		int join = textlayer_is_cjk(last) && textlayer_is_cjk(first);

		if (o->text != NULL && !join)
			g_string_append_c(o->text, ' ');
		if (o->line_vertical) {
			if (!join && run->n < OCR_RUN_MAX)
				run->cp[run->n++] = ' ';
		} else if (!join) {
			ocr_emit(o, l);
		}
	}
	if (o->text != NULL)
		g_string_append(o->text, sym);
	for (const char *p = sym; *p != '\0'; p = g_utf8_next_char(p)) {
		if (run->n >= OCR_RUN_MAX)
			ocr_emit(o, 0);
		if (run->n == 0) {
			run->left = l;
			run->top = t;
		}
		run->cp[run->n++] = g_utf8_get_char(p);
		o->chars++;
	}
	run->right = r > run->right || run->n == 1 ? r : run->right;
	run->bottom = b;
}

/* walk the recognised symbols into runs and text */
static void ocr_collect(TessBaseAPI *api, int vertical_engine, struct ocr_out *o)
{
	TessResultIterator *ri = TessBaseAPIGetIterator(api);
	TessPageIterator *pi;

	if (ri == NULL)
		return;
	pi = TessResultIteratorGetPageIterator(ri);
	do {
		int l, t, r, b, word_start;
		char *sym;

		if (TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE)) {
			ocr_emit(o, 0);
			if (o->text != NULL && o->text->len > 0 &&
			    o->text->str[o->text->len - 1] != '\n')
				g_string_append_c(o->text, '\n');
			if (!TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &o->line_l, &o->line_t,
							 &o->line_r, &o->line_b))
				continue;
			o->line_vertical = vertical_engine ||
					   (o->line_b - o->line_t) > OCR_UPRIGHT * (o->line_r - o->line_l);
		}
		word_start = TessPageIteratorIsAtBeginningOf(pi, RIL_WORD);
		if (!TessPageIteratorBoundingBox(pi, RIL_SYMBOL, &l, &t, &r, &b))
			continue;
		sym = TessResultIteratorGetUTF8Text(ri, RIL_SYMBOL);
		ocr_symbol(o, sym, l, t, r, b, word_start);
		TessDeleteText(sym);
	} while (TessResultIteratorNext(ri, RIL_SYMBOL));
	ocr_emit(o, 0);
	if (o->text != NULL && o->text->len > 0 && o->text->str[o->text->len - 1] != '\n')
		g_string_append_c(o->text, '\n');
	TessResultIteratorDelete(ri);
}

int ocr_page(struct ocr_engine *e, PopplerPage *page, double w_pt, double h_pt,
	     struct pdfw_text *layer, GString *text, int *vertical)
{
	TessBaseAPI *api = ocr_api(e, OCR_HORIZONTAL);
	uint32_t timeout = e->lim->ocr_page_timeout_ms;
	int64_t start = ocr_now_ms(), left;
	struct ocr_out *o;
	ETEXT_DESC *monitor;
	double dpi;
	int w, h, vert = 0, rc, result;
	size_t text_len = text != NULL ? text->len : 0;

	if (vertical != NULL)
		*vertical = 0;
	if (api == NULL || timeout == 0 || ocr_render(e, page, w_pt, h_pt, &dpi, &w, &h) != 0)
		return OCR_FAILED;
	TessBaseAPISetPageSegMode(api, PSM_AUTO);
	TessBaseAPISetImage(api, e->gray, w, h, 1, w);
	TessBaseAPISetSourceResolution(api, (int)lround(dpi));
	if (strstr(e->lim->ocr_languages, "jpn") != NULL && ocr_upright(api) &&
	    ocr_api(e, OCR_VERTICAL) != NULL) {
		vert = 1;
		TessBaseAPIClear(api);
		api = e->api[OCR_VERTICAL];
		TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK_VERT_TEXT);
		TessBaseAPISetImage(api, e->gray, w, h, 1, w);
		TessBaseAPISetSourceResolution(api, (int)lround(dpi));
	}
	if (vertical != NULL)
		*vertical = vert;
	left = (int64_t)timeout - (ocr_now_ms() - start);
	monitor = TessMonitorCreate();
	o = calloc(1, sizeof(*o));
	if (monitor == NULL || o == NULL) {
		TessMonitorDelete(monitor);
		free(o);
		TessBaseAPIClear(api);
		return OCR_FAILED;
	}
	TessMonitorSetDeadlineMSecs(monitor, left > 1 ? (int)left : 1);
	rc = left > 0 ? TessBaseAPIRecognize(api, monitor) : -1;
	TessMonitorDelete(monitor);
	if (ocr_now_ms() - start >= (int64_t)timeout) {
		result = OCR_TIMEOUT;  /* whatever was recognised is dropped */
	} else if (rc != 0) {
		result = OCR_FAILED;
	} else {
		o->layer = layer;
		o->text = text;
		o->scale = 72.0 / dpi;
		o->h_pt = h_pt;
		ocr_collect(api, vert, o);
		result = o->chars > 0 ? OCR_OK : OCR_EMPTY;
	}
	if (result != OCR_OK) {
		if (layer != NULL)
			pdfw_text_clear(layer);
		if (text != NULL)
			g_string_truncate(text, text_len);
	}
	free(o);
	TessBaseAPIClear(api);
	return result;
}
