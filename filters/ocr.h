/*
 * ocr.h - Tesseract OCR of a PDF page (its C API, inside the filter's
 * sandbox: the trained data is read from /usr/share/tesseract-ocr).
 *
 * One engine per worker thread, initialised on its first page and kept for
 * the run.  The page is rendered again as an 8-bit grayscale bitmap at
 * lim->ocr_dpi (the page image keeps lim->dpi; positions are scaled).  Each
 * page is first segmented with lim->ocr_languages (default jpn+eng, psm 3);
 * when most of its text lines stand upright and Japanese is among the
 * languages, it is recognised with jpn_vert at psm 5 instead.  Recognition
 * stops at lim->ocr_page_timeout_ms: the page then keeps its image and gets
 * no text.
 *
 * OMP_THREAD_LIMIT=1 must be in the environment before the process starts
 * (libgomp reads it once, at load): the parent sets it (filterproc.c).
 */
#ifndef MUGAI_OCR_H
#define MUGAI_OCR_H

#include <glib.h>
#include <poppler.h>

#include "filter.h"
#include "pdfwrite.h"

#define OCR_VERTICAL_LANG "jpn_vert"
#define OCR_PAGE_PIXELS_MAX (60ULL * 1000 * 1000) /* lower ocr_dpi beyond this */
#define OCR_VERTICAL_SHARE 0.5  /* of the text line area upright: a vertical page */

enum ocr_result {
	OCR_OK = 0,       /* text found */
	OCR_EMPTY = 1,    /* no text on the page */
	OCR_TIMEOUT = 2,  /* the page took longer than ocr_page_timeout */
	OCR_FAILED = 3,   /* the engine could not start or the page not render */
};

struct ocr_engine;

struct ocr_engine *ocr_engine_new(const struct filter_limits *lim);
void ocr_engine_free(struct ocr_engine *e);

/*
 * OCR page (w_pt x h_pt points): its text as runs into layer (may be NULL)
 * and as lines of UTF-8 into text (may be NULL).  *vertical (may be NULL)
 * says whether the page was read as vertical text.
 */
int ocr_page(struct ocr_engine *e, PopplerPage *page, double w_pt, double h_pt,
	     struct pdfw_text *layer, GString *text, int *vertical);

#endif
