/*
 * textlayer.h - a born-digital page's text as runs for the invisible text
 * layer (pdfwrite.h): poppler's page text and its character boxes.
 */
#ifndef MUGAI_TEXTLAYER_H
#define MUGAI_TEXTLAYER_H

#include <poppler.h>

#include "pdfwrite.h"

enum textlayer_kind {
	TEXTLAYER_NONE = 0,    /* no text on the page (a scan, a drawing) */
	TEXTLAYER_GARBAGE = 1, /* mostly U+FFFD or private-use: a broken font map */
	TEXTLAYER_OK = 2,      /* runs added to out */
};

/* A character is unusable text when it is U+FFFD, private use or a control. */
#define TEXTLAYER_GARBAGE_SHARE 0.5 /* more than this share: OCR instead */

/*
 * Runs for page (h_pt high) into out: characters grouped into words on one
 * baseline (a following space kept with the word, its box reaching the next
 * word), a run per word so that Tz fits each to its box; characters that
 * do not share a baseline with their neighbours (vertical text, rotated
 * text) each get a run of their own.  Nothing is added unless TEXTLAYER_OK.
 */
int textlayer_from_page(PopplerPage *page, double h_pt, struct pdfw_text *out);

/* Group chars (n code points with their top-down boxes, points) into out:
 * the part of textlayer_from_page after poppler, for tests. */
int textlayer_from_boxes(const uint32_t *cp, const PopplerRectangle *box, size_t n, double h_pt,
			 struct pdfw_text *out);

/* TEXTLAYER_NONE, _GARBAGE or _OK for a page's UTF-8 text */
int textlayer_kind(const char *text);

/* CJK ideographs, kana, CJK punctuation and full-width forms */
int textlayer_is_cjk(uint32_t c);

#endif
