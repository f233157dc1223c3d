/*
 * fuzz_pdfwrite.c - the image PDF writer fed hostile text layers: what
 * poppler and Tesseract hand it is outside data.  The input is a sequence
 * of records: one op byte (0 mod 4: end of page, 2: a vertical run, else a
 * horizontal one; 3: the count times 257), then for a run four raw doubles (x, y, w, h:
 * NaN, infinities, negatives as they come), a count byte and that many raw 32-bit code points (surrogates, non-characters,
 * values beyond U+10FFFF).  The output must stay a PDF poppler can open,
 * and its size within the cap.
 */
#include "pdfwrite.h"

#include <poppler.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_OUT_MAX (8u << 20)
/* poppler's own text extraction is superlinear in overlapping text: the
 * output is read back as text only up to this many characters */
#define FUZZ_READ_CHARS_MAX 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char gray_z[] = { 0x78, 0x9c, 0x63, 0xf8, 0xff, 0x9f, 0x01, 0x00,
					0x04, 0xff, 0x01, 0xff };

static double take_double(const uint8_t **p, const uint8_t *end)
{
	double d = 0;

	if (end - *p >= (long)sizeof(d)) {
		memcpy(&d, *p, sizeof(d));
		*p += sizeof(d);
	} else {
		*p = end;
	}
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct pdfw_image img = { PDFW_IMG_FLATE, 2, 2, 1, gray_z, sizeof(gray_z) };
	struct pdfw_text t;
	uint32_t *cp = malloc(255 * 257 * sizeof(*cp));
	int fd = memfd_create("fuzz.pdf", 0);
	struct pdfw *w;
	int rc = PDFW_OK, pages = 0;
	size_t chars = 0;

	if (fd < 0 || cp == NULL)
		abort();
	w = pdfw_open(fd, FUZZ_OUT_MAX);
	if (w == NULL)
		abort();
	pdfw_text_init(&t);
	while (p < end && rc == PDFW_OK) {
		uint8_t op = *p++;

		if (op % 4 == 0) {  /* end of page */
			rc = pdfw_page(w, 612, 792, &img, &t);
			pages++;
			chars += t.n_cp;
			pdfw_text_clear(&t);
		} else {            /* a run */
			double x = take_double(&p, end), y = take_double(&p, end);
			double rw = take_double(&p, end), rh = take_double(&p, end);
			size_t n = 0, k = 0;

			if (p < end)
				n = (size_t)*p++ * (op % 4 == 3 ? 257 : 1);

			for (; k < n && end - p >= 4; k++, p += 4)
				memcpy(&cp[k], p, 4);
			for (; k < n; k++)
				cp[k] = 0x20000 + (uint32_t)k; /* astral filler */
			if (op % 4 == 2)
				pdfw_text_add_vertical(&t, cp, n, x, y, rw, rh);
			else
				pdfw_text_add(&t, cp, n, x, y, rw, rh);
		}
	}
	if (rc == PDFW_OK && pages == 0) {
		rc = pdfw_page(w, 612, 792, &img, &t);
		chars += t.n_cp;
	}
	if (rc == PDFW_OK) {
		rc = pdfw_close(w);
	} else {
		pdfw_abort(w);
		rc = -1;
	}
	if (lseek(fd, 0, SEEK_END) > (off_t)FUZZ_OUT_MAX)
		abort();
	if (rc == PDFW_OK) {
		/* what was written must open */
		off_t len = lseek(fd, 0, SEEK_END);
		void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0);
		GBytes *b = g_bytes_new_static(m, (size_t)len);
		PopplerDocument *doc = poppler_document_new_from_bytes(b, NULL, NULL);

		if (m == MAP_FAILED || doc == NULL)
			abort();
		for (int i = 0; chars <= FUZZ_READ_CHARS_MAX &&
				i < poppler_document_get_n_pages(doc); i++) {
			PopplerPage *page = poppler_document_get_page(doc, i);
			char *s = poppler_page_get_text(page);

			g_free(s);
			g_object_unref(page);
		}
		g_object_unref(doc);
		g_bytes_unref(b);
		munmap(m, (size_t)len);
	}
	pdfw_text_free(&t);
	free(cp);
	close(fd);
	return 0;
}
