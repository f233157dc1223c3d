/*
 * textlayer.c - runs for the invisible text layer from poppler's text.
 *
 * poppler_page_get_text_layout() gives one rectangle per character of
 * poppler_page_get_text() (line breaks included), top-down in points.  For
 * a horizontal font all characters of a word share the box's top and
 * bottom (poppler derives them from the font's ascent and descent), so the
 * union of a word's boxes is the box the writer must reproduce.
 */
#include "textlayer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TEXTLAYER_SAME_LINE 0.2  /* baselines further apart (share of the height) */
#define TEXTLAYER_SAME_BOX 0.02  /* box top or bottom moved more: a new run */
#define TEXTLAYER_MAX_GAP 1.0    /* a gap wider than the height ends a line */
#define TEXTLAYER_RUN_MAX 512    /* characters per run (then a new one) */

int textlayer_is_cjk(uint32_t c)
{
	return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
	       (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x3FFFF);
}

static int textlayer_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0;
}

static int textlayer_break(uint32_t c)
{
	return c == '\n' || c == '\r' || c == '\f' || c == 0x2028 || c == 0x2029;
}

static int textlayer_bad(uint32_t c)
{
	return c == 0xFFFD || (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000 || c < 0x20;
}

struct word {
	uint32_t cp[TEXTLAYER_RUN_MAX + 1];
	size_t n;
	double x1, y1, x2, y2;  /* union of the boxes, top-down */
	double last_x1, last_x2, last_y2, h;
	int space;              /* a space followed */
};

static void word_emit(struct word *w, double reach, double h_pt, struct pdfw_text *out)
{
	double x2 = w->x2;

	if (w->n == 0)
		return;
	if (w->space && reach > x2) {
		/* the space belongs to the word, up to where the next one starts */
		w->cp[w->n++] = ' ';
		x2 = reach;
	}
	pdfw_text_add(out, w->cp, w->n, w->x1, h_pt - w->y2, x2 - w->x1, w->y2 - w->y1);
	w->n = 0;
	w->space = 0;
}

/* is box b on w's line, to its right, not too far? */
static int word_same_line(const struct word *w, const PopplerRectangle *b)
{
	double h = b->y2 - b->y1;

	if (w->n == 0 || fabs(b->y2 - w->last_y2) > TEXTLAYER_SAME_LINE * fmax(h, w->h))
		return 0;
	return b->x1 >= w->last_x1 + 0.01 * h && b->x1 - w->last_x2 <= TEXTLAYER_MAX_GAP * h;
}

/* does b have w's box top and bottom (the same font and size)?  A run is
 * placed by one box: a character of another height starts a new run */
static int word_same_box(const struct word *w, const PopplerRectangle *b)
{
	return w->n < TEXTLAYER_RUN_MAX && fabs(b->y1 - w->y1) <= TEXTLAYER_SAME_BOX * w->h &&
	       fabs(b->y2 - w->y2) <= TEXTLAYER_SAME_BOX * w->h;
}

static int textlayer_classify(const uint32_t *cp, size_t n)
{
	size_t total = 0, bad = 0;

	for (size_t i = 0; i < n; i++)
		if (!textlayer_space(cp[i]) && !textlayer_break(cp[i])) {
			total++;
			bad += textlayer_bad(cp[i]);
		}
	if (total == 0)
		return TEXTLAYER_NONE;
	return (double)bad > TEXTLAYER_GARBAGE_SHARE * (double)total ? TEXTLAYER_GARBAGE
								     : TEXTLAYER_OK;
}

int textlayer_kind(const char *text)
{
	size_t n = 0, cap = 256, len;
	uint32_t *cp;
	int kind;

	if (text == NULL || !g_utf8_validate(text, -1, NULL))
		return TEXTLAYER_NONE;
	len = (size_t)g_utf8_strlen(text, -1);
	cp = malloc(sizeof(*cp) * (len > cap ? len : cap));
	if (cp == NULL)
		return TEXTLAYER_NONE;
	for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p))
		cp[n++] = g_utf8_get_char(p);
	kind = textlayer_classify(cp, n);
	free(cp);
	return kind;
}

int textlayer_from_boxes(const uint32_t *cp, const PopplerRectangle *box, size_t n, double h_pt,
			 struct pdfw_text *out)
{
	struct word *w;
	int kind = textlayer_classify(cp, n);

	if (kind != TEXTLAYER_OK)
		return kind;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return TEXTLAYER_NONE;
	for (size_t i = 0; i < n; i++) {
		const PopplerRectangle *b = &box[i];
		double h = b->y2 - b->y1;
		int line;

		if (textlayer_break(cp[i])) {
			word_emit(w, 0, h_pt, out);
			continue;
		}
		if (textlayer_space(cp[i])) {
			if (w->n > 0)
				w->space = 1;
			continue;
		}
		if (!isfinite(b->x1) || !isfinite(b->x2) || !isfinite(b->y1) ||
		    !isfinite(b->y2) || h <= 0 || b->x2 <= b->x1)
			continue; /* poppler's box is not usable: leave the character out */
		line = word_same_line(w, b);
		if (w->n > 0 && (w->space || !line || !word_same_box(w, b)))
			word_emit(w, line ? b->x1 : 0, h_pt, out); /* a space reaches b */
		if (w->n == 0) {
			w->x1 = b->x1;
			w->y1 = b->y1;
			w->x2 = b->x2;
			w->y2 = b->y2;
			w->h = h;
		}
		w->cp[w->n++] = cp[i];
		w->x1 = fmin(w->x1, b->x1);
		w->y1 = fmin(w->y1, b->y1);
		w->x2 = fmax(w->x2, b->x2);
		w->y2 = fmax(w->y2, b->y2);
		w->last_x1 = b->x1;
		w->last_x2 = b->x2;
		w->last_y2 = b->y2;
	}
	word_emit(w, 0, h_pt, out);
	free(w);
	return out->n_runs > 0 ? TEXTLAYER_OK : TEXTLAYER_NONE;
}

int textlayer_from_page(PopplerPage *page, double h_pt, struct pdfw_text *out)
{
	char *text = poppler_page_get_text(page);
	PopplerRectangle *rects = NULL;
	guint n_rects = 0;
	uint32_t *cp = NULL;
	size_t n = 0;
	int kind = TEXTLAYER_NONE;

	if (text == NULL || text[0] == '\0' ||
	    !poppler_page_get_text_layout(page, &rects, &n_rects))
		goto out;
	if (!g_utf8_validate(text, -1, NULL))
		goto out;
	cp = malloc(sizeof(*cp) * (size_t)n_rects);
	if (cp == NULL)
		goto out;
	for (const char *p = text; *p != '\0' && n < n_rects; p = g_utf8_next_char(p))
		cp[n++] = g_utf8_get_char(p);
	kind = textlayer_from_boxes(cp, rects, n, h_pt, out);
out:
	free(cp);
	g_free(rects);
	g_free(text);
	return kind;
}
