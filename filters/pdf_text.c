/* pdf_text.c - the text of every page as UTF-8, pages separated by form feed */
#include "filter.h"
#include "ocr.h"
#include "pdfdoc.h"
#include "textenc.h"
#include "textlayer.h"

#include <string.h>

static bool pdf_text_accepts(const char *mime)
{
	return strcmp(mime, "application/pdf") == 0;
}

static int pdf_text_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			struct filter_result *res)
{
	GBytes *bytes = NULL;
	PopplerDocument *doc = NULL;
	GString *text;
	int pages, n_ocr = 0, n_late = 0;
	size_t clean;
	struct ocr_engine *ocr = NULL;

	if (pdfdoc_open(in_fd, lim, &bytes, &doc, res) != 0)
		return 0;
	pages = poppler_document_get_n_pages(doc);
	text = g_string_new(NULL);
	for (int i = 0; i < pages; i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		char *t = page != NULL ? poppler_page_get_text(page) : NULL;

		if (i > 0)
			g_string_append_c(text, '\f');
		if (page != NULL && lim->ocr != FILTER_OCR_OFF &&
		    (lim->ocr == FILTER_OCR_ALWAYS || textlayer_kind(t) != TEXTLAYER_OK)) {
			/* a scanned page (or a broken font map): its text from OCR */
			double w, h;
			int r;

			if (ocr == NULL)
				ocr = ocr_engine_new(lim);
			poppler_page_get_size(page, &w, &h);
			r = ocr != NULL ? ocr_page(ocr, page, w, h, NULL, text, NULL) : OCR_FAILED;
			n_ocr += r == OCR_OK;
			n_late += r == OCR_TIMEOUT;
			if (r == OCR_OK) {
				g_free(t);
				t = NULL;
			}
		}
		if (t != NULL) {
			g_string_append(text, t);
			g_free(t);
		}
		if (page != NULL)
			g_object_unref(page);
		if ((uint64_t)text->len > lim->max_output_bytes)
			break; /* text_write_output reports it */
	}
	/* keep the form feeds: clean what else is there, page by page */
	{
		char **parts = g_strsplit(text->str, "\f", -1);
		GString *out = g_string_new(NULL);

		for (size_t i = 0; parts[i] != NULL; i++) {
			clean = textenc_clean(parts[i], strlen(parts[i]));
			if (i > 0)
				g_string_append_c(out, '\f');
			g_string_append_len(out, parts[i], (gssize)clean);
		}
		if (out->len > 0 && out->str[out->len - 1] != '\n')
			g_string_append_c(out, '\n');
		if (text_write_output(out_dir_fd, out->str, out->len, lim, res))
			filter_set(res, FILTER_OK, "text of %d page(s), %d of them by OCR%s", pages,
				   n_ocr, n_late ? "; OCR deadline passed on some pages" : "");
		g_string_free(out, TRUE);
		g_strfreev(parts);
	}
	g_string_free(text, TRUE);
	ocr_engine_free(ocr);
	g_object_unref(doc);
	g_bytes_unref(bytes);
	return 0;
}

const struct filter_ops filter_pdf_text = { "pdf-text", pdf_text_accepts, pdf_text_run, 0 };
