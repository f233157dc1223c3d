/*
 * pdfwrite.h - mugai's own writer for the image PDFs it releases.
 *
 * Each page is one image XObject (a JPEG passed through as DCTDecode, or
 * 8-bit RGB/gray pixels deflated) and, optionally, an invisible text layer:
 * runs of text drawn in render mode 3 (neither filled nor stroked) in one
 * shared glyphless font, so that viewers can search and copy while nothing
 * of the source document but its pixels and its plain text survives.
 *
 * The font is a Type0 font (Identity-H) over a CIDFontType2 whose every CID
 * maps to one empty glyph of constant width (500/1000 em).  Its ToUnicode
 * CMap is the identity for the Basic Multilingual Plane; characters beyond
 * it (e.g. U+20BB7) get CIDs from the surrogate block D800-DFFF, which no
 * BMP text uses, each with a bfchar entry.  A run is placed with Tm at its
 * baseline, its font size from its height and Tz stretching its CIDs to its
 * width, so text extraction sees the source's boxes.
 *
 * Everything the writer is given is outside data (poppler's text, Tesseract's
 * boxes): runs with non-finite, negative or absurd geometry are dropped,
 * control characters, lone surrogates and non-characters are dropped, and
 * characters and runs per page are capped (PDFW_PAGE_MAX_*).
 */
#ifndef MUGAI_PDFWRITE_H
#define MUGAI_PDFWRITE_H

#include <stddef.h>
#include <stdint.h>

#define PDFW_PAGE_MAX_CHARS 200000  /* characters of text layer per page */
#define PDFW_PAGE_MAX_RUNS 50000    /* runs (placed words or glyphs) per page */
#define PDFW_DOC_MAX_ASTRAL 2048    /* distinct characters beyond the BMP */
#define PDFW_COORD_MAX 100000.0     /* |coordinate| in points (the page limit
				     * is [limits] pdf_max_page_inches) */
#define PDFW_SIZE_MIN 0.25          /* font size (run height) in points */

/* One placed run: chars [first, first + len) of the page's text, drawn from
 * (x, y) = left end of its baseline box's bottom, in PDF user space (points,
 * origin bottom left), w wide and h high. */
struct pdfw_run {
	double x, y, w, h;
	size_t first, len;
	int vertical;  /* the run reads top to bottom, w is its size (a column) */
};

/* The text layer of one page. */
struct pdfw_text {
	uint32_t *cp;           /* code points */
	size_t n_cp, cap_cp;
	struct pdfw_run *runs;
	size_t n_runs, cap_runs;
	unsigned dropped;       /* runs or characters left out (caps, bad input) */
};

void pdfw_text_init(struct pdfw_text *t);
void pdfw_text_free(struct pdfw_text *t);
void pdfw_text_clear(struct pdfw_text *t);
/*
 * Add a run of n code points whose box, in PDF user space, is x..x+w by
 * y..y+h (y = bottom).  Characters that cannot be text are dropped; a run
 * with bad geometry, nothing left, or over the page caps is dropped whole.
 * 0 when added, -1 when dropped (t->dropped counts it).
 */
int pdfw_text_add(struct pdfw_text *t, const uint32_t *cp, size_t n, double x, double y,
		  double w, double h);
/* The same for a column of text read top to bottom (Japanese vertical
 * writing): drawn rotated, its size the box's width, stretched to its
 * height, so that text extraction reads columns right to left. */
int pdfw_text_add_vertical(struct pdfw_text *t, const uint32_t *cp, size_t n, double x,
			   double y, double w, double h);
/* total characters placed */
static inline size_t pdfw_text_chars(const struct pdfw_text *t) { return t->n_cp; }

enum pdfw_image_kind {
	PDFW_IMG_JPEG = 0,  /* data is a baseline JPEG file (DCTDecode) */
	PDFW_IMG_FLATE = 1, /* data is a zlib stream of 8-bit samples */
};

struct pdfw_image {
	int kind;           /* enum pdfw_image_kind */
	int width, height;  /* pixels */
	int components;     /* 1 (gray) or 3 (RGB) */
	const unsigned char *data;
	size_t len;
};

/* Deflate a cairo RGB24 surface's pixels (BGRX/XRGB words) as RGB samples:
 * *out is malloc'd.  0, or -1 when out of memory. */
int pdfw_deflate_rgb24(const unsigned char *data, int width, int height, int stride,
		       unsigned char **out, size_t *out_len);

enum pdfw_error {
	PDFW_OK = 0,
	PDFW_ERR_WRITE = 1,     /* write(2) failed: errno kept */
	PDFW_ERR_TOO_LARGE = 2, /* over max_bytes */
	PDFW_ERR_INVALID = 3,   /* bad page or image geometry, out of memory */
};

struct pdfw;

/* A writer appending to fd; at most max_bytes are written. */
struct pdfw *pdfw_open(int fd, uint64_t max_bytes);
/* Append a page w_pt x h_pt showing img over its whole area, with text
 * (may be NULL) as its invisible text layer.  PDFW_OK or an error; after an
 * error every later call fails the same way. */
int pdfw_page(struct pdfw *w, double w_pt, double h_pt, const struct pdfw_image *img,
	      const struct pdfw_text *text);
/* Write the page tree, the font (when used), the xref table and trailer, and
 * free the writer.  PDFW_OK or the first error. */
int pdfw_close(struct pdfw *w);
/* free without finishing (after an error) */
void pdfw_abort(struct pdfw *w);
uint64_t pdfw_written(const struct pdfw *w);

#endif
