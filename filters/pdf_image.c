/*
 * pdf_image.c - render every page with poppler + cairo and write a new PDF
 * that holds nothing but one image per page (JPEG, or Flate).
 * Nothing of the source object tree survives: no JavaScript, actions,
 * annotations as objects, links, forms, attachments or metadata — only
 * pixels are copied.
 *
 * With lim->threads > 1, worker threads (each with its own PopplerDocument:
 * poppler-glib documents are not shared between threads) render and encode
 * pages while the main thread appends them in page order (filters/pdfwrite.c).  At most
 * PDF_IMAGE_WINDOW pages per thread are in flight, so memory stays bounded
 * whatever the page count.
 */
#include "filter.h"
#include "pdfdoc.h"
#include "pdfwrite.h"
#include "ocr.h"
#include "textlayer.h"

#include <cairo.h>
#include <errno.h>
#include <stdio.h>
#include <jpeglib.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PDF_IMAGE_WINDOW 2                 /* pages in flight per thread */
#define PDF_IMAGE_MAX_THREADS 8
#define PDF_IMAGE_PAGE_PIXELS_MAX (40ULL * 1000 * 1000) /* lower dpi beyond this */
#define PDF_IMAGE_NOTE_PAGES 5                 /* page numbers named in a note */

enum page_text_from { PAGE_TEXT_NONE = 0, PAGE_TEXT_SOURCE, PAGE_TEXT_OCR };

struct page_slot {
	unsigned char *img;        /* encoded page: JPEG file or zlib stream */
	size_t img_len;
	int img_kind;              /* enum pdfw_image_kind */
	int wpx, hpx;
	struct pdfw_text text;     /* its invisible text layer */
	int text_from;             /* enum page_text_from */
	int ocr_result;            /* enum ocr_result, when OCR ran */
	int ocr_vertical;          /* read as vertical text (jpn_vert) */
	double w_pt, h_pt;
	int done;
	int failed;
};

struct render_ctx {
	GBytes *bytes;
	const struct filter_limits *lim;
	int n_pages;
	struct page_slot *slots;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int next_page;     /* next page a worker takes */
	int emitted;       /* pages the writer has consumed */
	int window;
	int abort;
	char error[FILTER_REASON_MAX];
};

static int pdf_image_jpeg(cairo_surface_t *s, int quality, unsigned char **out,
			  unsigned long *out_len)
{
	struct jpeg_compress_struct cinfo;
	struct jpeg_error_mgr jerr;
	unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	JSAMPROW row;

	cinfo.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&cinfo);
	*out = NULL;
	*out_len = 0;
	jpeg_mem_dest(&cinfo, out, out_len);
	cinfo.image_width = (JDIMENSION)cairo_image_surface_get_width(s);
	cinfo.image_height = (JDIMENSION)cairo_image_surface_get_height(s);
	cinfo.input_components = 4;
	/* cairo RGB24 is BGRX in memory on little-endian machines */
	cinfo.in_color_space = G_BYTE_ORDER == G_LITTLE_ENDIAN ? JCS_EXT_BGRX : JCS_EXT_XRGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	cinfo.dct_method = JDCT_ISLOW;
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		row = data + (size_t)cinfo.next_scanline * (size_t)stride;
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	return *out != NULL ? 0 : -1;
}

/* Render page i of doc into slot; *ocr is the thread's OCR engine, made on
 * its first page without usable text. */
static int pdf_image_render(PopplerDocument *doc, int i, const struct filter_limits *lim,
			    struct page_slot *slot, cairo_surface_t **cache,
			    struct ocr_engine **ocr)
{
	PopplerPage *page = poppler_document_get_page(doc, i);
	double dpi = lim->dpi, w, h, px;
	int wpx, hpx;
	cairo_surface_t *s;
	cairo_t *cr;
	int rc;

	if (page == NULL)
		return -1;
	poppler_page_get_size(page, &w, &h);
	px = (w * dpi / 72.0) * (h * dpi / 72.0);
	if (px > (double)PDF_IMAGE_PAGE_PIXELS_MAX)
		dpi *= sqrt((double)PDF_IMAGE_PAGE_PIXELS_MAX / px);
	wpx = (int)ceil(w * dpi / 72.0);
	hpx = (int)ceil(h * dpi / 72.0);
	if (wpx < 1)
		wpx = 1;
	if (hpx < 1)
		hpx = 1;
	if (cache != NULL && *cache != NULL && cairo_image_surface_get_width(*cache) == wpx &&
	    cairo_image_surface_get_height(*cache) == hpx) {
		s = *cache;
		*cache = NULL;
	} else {
		if (cache != NULL && *cache != NULL) {
			cairo_surface_destroy(*cache);
			*cache = NULL;
		}
		s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, wpx, hpx);
	}
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		g_object_unref(page);
		return -1;
	}
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, dpi / 72.0, dpi / 72.0);
	poppler_page_render(page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	/* only what poppler reports as the page's text, placed where it is */
	if (lim->text_layer == FILTER_TEXT_LAYER_AUTO && lim->ocr != FILTER_OCR_ALWAYS &&
	    textlayer_from_page(page, h, &slot->text) == TEXTLAYER_OK)
		slot->text_from = PAGE_TEXT_SOURCE;
	/* a scan, or a broken font map: the text from the pixels */
	slot->ocr_result = -1;
	if (lim->text_layer == FILTER_TEXT_LAYER_AUTO && lim->ocr != FILTER_OCR_OFF &&
	    slot->text_from == PAGE_TEXT_NONE) {
		if (*ocr == NULL)
			*ocr = ocr_engine_new(lim);
		slot->ocr_result = *ocr != NULL ? ocr_page(*ocr, page, w, h, &slot->text, NULL,
								    &slot->ocr_vertical)
						: OCR_FAILED;
		if (slot->ocr_result == OCR_OK)
			slot->text_from = PAGE_TEXT_OCR;
	}
	g_object_unref(page);
	slot->w_pt = w;
	slot->h_pt = h;
	slot->wpx = wpx;
	slot->hpx = hpx;
	if (lim->image_format == FILTER_IMG_JPEG) {
		unsigned long jlen = 0;

		slot->img_kind = PDFW_IMG_JPEG;
		rc = pdf_image_jpeg(s, (int)lim->jpeg_quality, &slot->img, &jlen);
		slot->img_len = jlen;
	} else {
		slot->img_kind = PDFW_IMG_FLATE;
		rc = pdfw_deflate_rgb24(cairo_image_surface_get_data(s), wpx, hpx,
					cairo_image_surface_get_stride(s), &slot->img,
					&slot->img_len);
	}
	/* the thread's page surface is reused while the page size stays the
	 * same (no new mapping and page faults for every page) */
	if (cache != NULL)
		*cache = s;
	else
		cairo_surface_destroy(s);
	return rc;
}

static void *pdf_image_worker(void *arg)
{
	struct render_ctx *rc = arg;
	cairo_surface_t *cache = NULL;
	struct ocr_engine *ocr = NULL;
	GError *err = NULL;
	PopplerDocument *doc = pdfdoc_from_bytes(rc->bytes,
		rc->lim->password[0] ? rc->lim->password : NULL, &err);

	if (doc == NULL) {
		pthread_mutex_lock(&rc->mu);
		rc->abort = 1;
		snprintf(rc->error, sizeof(rc->error), "pdf-unreadable: %s",
			 err ? err->message : "?");
		pthread_cond_broadcast(&rc->cv);
		pthread_mutex_unlock(&rc->mu);
		if (err != NULL)
			g_error_free(err);
		return NULL;
	}
	for (;;) {
		int i, r;

		pthread_mutex_lock(&rc->mu);
		while (!rc->abort && rc->next_page < rc->n_pages &&
		       rc->next_page >= rc->emitted + rc->window)
			pthread_cond_wait(&rc->cv, &rc->mu);
		if (rc->abort || rc->next_page >= rc->n_pages) {
			pthread_mutex_unlock(&rc->mu);
			break;
		}
		i = rc->next_page++;
		pthread_mutex_unlock(&rc->mu);

		r = pdf_image_render(doc, i, rc->lim, &rc->slots[i], &cache, &ocr);

		pthread_mutex_lock(&rc->mu);
		rc->slots[i].done = 1;
		rc->slots[i].failed = r != 0;
		pthread_cond_broadcast(&rc->cv);
		pthread_mutex_unlock(&rc->mu);
	}
	if (cache != NULL)
		cairo_surface_destroy(cache);
	ocr_engine_free(ocr);
	g_object_unref(doc);
	return NULL;
}

static void pdf_image_free_slot(struct page_slot *slot)
{
	free(slot->img);
	slot->img = NULL;
	pdfw_text_free(&slot->text);
}

/* "3, 7, 9 and 2 more": pages named in the report */
static void pdf_image_note_page(GString *s, int *count, int page)
{
	if (*count < PDF_IMAGE_NOTE_PAGES)
		g_string_append_printf(s, "%s%d", *count ? ", " : "", page);
	(*count)++;
	if (*count > PDF_IMAGE_NOTE_PAGES) {
		char *more = strstr(s->str, " and ");

		if (more != NULL)
			g_string_truncate(s, (gsize)(more - s->str));
		g_string_append_printf(s, " and %d more", *count - PDF_IMAGE_NOTE_PAGES);
	}
}

static bool pdf_image_accepts(const char *mime)
{
	return strcmp(mime, "application/pdf") == 0;
}

static int pdf_image_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			 struct filter_result *res)
{
	struct render_ctx rc;
	PopplerDocument *doc = NULL;
	pthread_t tids[PDF_IMAGE_MAX_THREADS];
	int n_threads, started = 0, ok = 1, out_fd = -1, werr = PDFW_OK;
	struct pdfw *pw = NULL;
	int n_from[3] = { 0, 0, 0 }; /* pages per enum page_text_from */
	struct ocr_engine *main_ocr = NULL; /* when no thread could start */
	GString *late = g_string_new(NULL), *broken = g_string_new(NULL);
	int n_late = 0, n_broken = 0, n_vertical = 0;

	memset(&rc, 0, sizeof(rc));
	if (pdfdoc_open(in_fd, lim, &rc.bytes, &doc, res) != 0)
		return 0;
	rc.lim = lim;
	rc.n_pages = poppler_document_get_n_pages(doc);
	rc.slots = calloc((size_t)rc.n_pages, sizeof(*rc.slots));
	n_threads = (int)lim->threads;
	if (n_threads < 1)
		n_threads = 1;
	if (n_threads > PDF_IMAGE_MAX_THREADS)
		n_threads = PDF_IMAGE_MAX_THREADS;
	if (n_threads > rc.n_pages)
		n_threads = rc.n_pages;
	rc.window = PDF_IMAGE_WINDOW * n_threads;
	pthread_mutex_init(&rc.mu, NULL);
	pthread_cond_init(&rc.cv, NULL);

	out_fd = filter_create(out_dir_fd, FILTERPROTO_OUT_PDF);
	if (rc.slots == NULL || out_fd < 0 ||
	    (pw = pdfw_open(out_fd, lim->max_output_bytes)) == NULL) {
		filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		goto out;
	}

	/* even with one render thread, the main thread writes while it renders */
	for (int t = 0; t < n_threads; t++)
		if (pthread_create(&tids[t], NULL, pdf_image_worker, &rc) == 0)
			started++;
	for (int i = 0; i < rc.n_pages && ok; i++) {
		struct page_slot *slot = &rc.slots[i];
		struct pdfw_image img;

		if (started > 0) {
			pthread_mutex_lock(&rc.mu);
			while (!slot->done && !rc.abort)
				pthread_cond_wait(&rc.cv, &rc.mu);
			pthread_mutex_unlock(&rc.mu);
			if (!slot->done) {
				ok = 0;
				break;
			}
		} else {
			slot->failed = pdf_image_render(doc, i, lim, slot, NULL, &main_ocr) != 0;
		}
		if (slot->failed) {
			snprintf(rc.error, sizeof(rc.error), "pdf-render-failed: page %d", i + 1);
			ok = 0;
			break;
		}
		img = (struct pdfw_image){ slot->img_kind, slot->wpx, slot->hpx, 3, slot->img,
					   slot->img_len };
		werr = pdfw_page(pw, slot->w_pt, slot->h_pt, &img, &slot->text);
		n_from[slot->text_from]++;
		n_vertical += slot->text_from == PAGE_TEXT_OCR && slot->ocr_vertical;
		if (slot->ocr_result == OCR_TIMEOUT)
			pdf_image_note_page(late, &n_late, i + 1);
		else if (slot->ocr_result == OCR_FAILED)
			pdf_image_note_page(broken, &n_broken, i + 1);
		pdf_image_free_slot(slot);
		pthread_mutex_lock(&rc.mu);
		rc.emitted = i + 1;
		pthread_cond_broadcast(&rc.cv);
		pthread_mutex_unlock(&rc.mu);
		if (werr != PDFW_OK)
			ok = 0;
	}
	pthread_mutex_lock(&rc.mu);
	rc.abort = 1;
	pthread_cond_broadcast(&rc.cv);
	pthread_mutex_unlock(&rc.mu);
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	if (ok)
		werr = pdfw_close(pw);
	else
		pdfw_abort(pw);

	if (werr == PDFW_ERR_TOO_LARGE)
		filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes",
			   (unsigned long long)lim->max_output_bytes);
	else if (werr == PDFW_ERR_WRITE)
		filter_set(res, FILTER_FAILED, "cannot write the output: %s", strerror(errno));
	else if (!ok || werr != PDFW_OK)
		filter_set(res, FILTER_FAILED, "%s", rc.error[0] ? rc.error : "pdf-render-failed");
	else {
		filter_output(res, FILTERPROTO_OUT_PDF);
		filter_set(res, FILTER_OK, "%d page(s) at %u dpi; text layer: %d from the source, "
			   "%d by OCR (%d vertical)%s%s%s%s", rc.n_pages, lim->dpi,
			   n_from[PAGE_TEXT_SOURCE], n_from[PAGE_TEXT_OCR], n_vertical,
			   n_late ? "; OCR deadline passed, image without text: page " : "",
			   late->str, n_broken ? "; OCR failed, image without text: page " : "",
			   broken->str);
	}
out:
	if (rc.slots != NULL)
		for (int i = 0; i < rc.n_pages; i++)
			pdf_image_free_slot(&rc.slots[i]);
	free(rc.slots);
	if (out_fd >= 0) {
		close(out_fd);
		if (res->status != FILTER_OK)
			unlinkat(out_dir_fd, FILTERPROTO_OUT_PDF, 0);
	}
	pthread_mutex_destroy(&rc.mu);
	pthread_cond_destroy(&rc.cv);
	ocr_engine_free(main_ocr);
	g_string_free(late, TRUE);
	g_string_free(broken, TRUE);
	g_object_unref(doc);
	g_bytes_unref(rc.bytes);
	return 0;
}

const struct filter_ops filter_pdf_image = { "pdf-image", pdf_image_accepts, pdf_image_run, 0 };
