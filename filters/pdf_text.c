/* pdf_text.c - the text of every page as UTF-8, pages separated by form feed */
#include "filter.h"
#include "pdfdoc.h"
#include "textenc.h"

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
	int pages;
	size_t clean;

	if (pdfdoc_open(in_fd, lim, &bytes, &doc, res) != 0)
		return 0;
	pages = poppler_document_get_n_pages(doc);
	text = g_string_new(NULL);
	for (int i = 0; i < pages; i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		char *t = page != NULL ? poppler_page_get_text(page) : NULL;

		if (i > 0)
			g_string_append_c(text, '\f');
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
			filter_set(res, FILTER_OK, "text of %d page(s)", pages);
		g_string_free(out, TRUE);
		g_strfreev(parts);
	}
	g_string_free(text, TRUE);
	g_object_unref(doc);
	g_bytes_unref(bytes);
	return 0;
}

const struct filter_ops filter_pdf_text = { "pdf-text", pdf_text_accepts, pdf_text_run, 0 };
