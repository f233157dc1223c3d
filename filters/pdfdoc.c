/* pdfdoc.c - open a PDF from the input fd, with limits */
#include "pdfdoc.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

PopplerDocument *pdfdoc_from_bytes(GBytes *bytes, const char *password, GError **err)
{
	GInputStream *s = g_memory_input_stream_new_from_bytes(bytes);
	PopplerDocument *doc = poppler_document_new_from_stream(s, (goffset)g_bytes_get_size(bytes),
								 password, NULL, err);

	g_object_unref(s);
	return doc;
}

int pdfdoc_open(int in_fd, const struct filter_limits *lim, GBytes **bytesp,
		PopplerDocument **docp, struct filter_result *res)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	GBytes *bytes;
	GError *err = NULL;
	PopplerDocument *doc;
	int pages;

	if (filter_read_all(in_fd, PDFDOC_INPUT_MAX, &buf, &len) != 0) {
		filter_set(res, errno == EFBIG ? FILTER_BLOCKED : FILTER_FAILED,
			   "pdf-unreadable: %s", strerror(errno));
		return -1;
	}
	bytes = g_bytes_new_take(buf, len);
	doc = pdfdoc_from_bytes(bytes, lim->password[0] ? lim->password : NULL, &err);
	if (doc == NULL) {
		if (err != NULL && err->domain == POPPLER_ERROR &&
		    err->code == POPPLER_ERROR_ENCRYPTED)
			filter_set(res, FILTER_HELD, "%s", lim->password[0] ? "wrong-password"
									 : "encrypted");
		else
			filter_set(res, FILTER_FAILED, "pdf-unreadable: %s",
				   err != NULL ? err->message : "unknown error");
		if (err != NULL)
			g_error_free(err);
		g_bytes_unref(bytes);
		return -1;
	}
	pages = poppler_document_get_n_pages(doc);
	if (pages <= 0) {
		filter_set(res, FILTER_FAILED, "pdf-unreadable: the document has no pages");
		goto fail;
	}
	if ((uint32_t)pages > lim->max_pages) {
		filter_set(res, FILTER_BLOCKED, "pdf-too-many-pages: %d > %u ([limits] "
			   "pdf_max_pages)", pages, lim->max_pages);
		goto fail;
	}
	for (int i = 0; i < pages; i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		double w = 0, h = 0;

		if (page == NULL) {
			filter_set(res, FILTER_FAILED, "pdf-unreadable: page %d cannot be read",
				   i + 1);
			goto fail;
		}
		poppler_page_get_size(page, &w, &h);
		g_object_unref(page);
		if (!(w > 0 && h > 0)) {
			filter_set(res, FILTER_FAILED, "pdf-unreadable: page %d has no size", i + 1);
			goto fail;
		}
		if (w / 72.0 > lim->max_page_inches || h / 72.0 > lim->max_page_inches) {
			filter_set(res, FILTER_BLOCKED, "pdf-page-too-large: page %d is %.0fx%.0f "
				   "inches > %u ([limits] pdf_max_page_inches)", i + 1, w / 72.0,
				   h / 72.0, lim->max_page_inches);
			goto fail;
		}
	}
	*bytesp = bytes;
	*docp = doc;
	return 0;
fail:
	g_object_unref(doc);
	g_bytes_unref(bytes);
	return -1;
}
