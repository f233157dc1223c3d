/*
 * epub.c - an EPUB book laid out by MuPDF's HTML/CSS engine (as Dangerzone
 * does) on A4 pages and written as a PDF ("out.pdf").  That PDF is never
 * released: the core renders it again with pdf-image (image PDF) or reads
 * it with pdf-text (--mode text), as it does with LibreOffice's PDFs.
 *
 * What MuPDF does and does not do here:
 * - it opens the book with its EPUB handler only (the type is given, not
 *   sniffed) from memory, so every chapter, style sheet, font and image
 *   it loads is an entry of the book's own zip: a reference such as
 *   src="file:///etc/passwd" or "http://..." names no entry and loads
 *   nothing (MuPDF has no network code at all; the sandbox has no network
 *   and no such files either);
 * - it has no script engine for HTML: <script> is neither run nor shown
 *   (MuPDF's JavaScript, mujs, serves PDF forms only, and no PDF is opened
 *   here);
 * - fonts are MuPDF's built-in ones (CJK included): no fontconfig.
 * Before MuPDF sees the book, its zip directory is read with libarchive:
 * entries, the size of each and their total are held to the archive limits
 * ([limits] archive_max_members, archive_max_member_size,
 * archive_max_total_size, archive_max_ratio) — MuPDF inflates an entry
 * whole into memory, so a zip bomb is refused here, not in RLIMIT_AS.
 * The page count is checked against [limits] pdf_max_pages before a page
 * is written; the output against [limits] filter_output_max.
 */
#include "filter.h"
#include "sink.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <mupdf/fitz.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EPUB_INPUT_MAX (512ULL << 20)  /* bytes of book read into memory; the
					* job's own bound is [limits] input_max_size */
#define EPUB_PAGE_W 595.0f             /* A4, in points */
#define EPUB_PAGE_H 842.0f
#define EPUB_EM 11.0f                  /* base font size, points */

static bool epub_accepts(const char *mime)
{
	return strcmp(mime, "application/epub+zip") == 0;
}

static void epub_write(fz_context *ctx, void *state, const void *data, size_t n)
{
	if (sink_write(state, data, n) != 0)
		fz_throw(ctx, FZ_ERROR_GENERIC, "cannot write the output");
}

/* the book's zip directory against the archive limits: 0, or -1 with res
 * filled */
static int epub_check_zip(const unsigned char *buf, size_t len, const struct filter_limits *lim,
			  struct filter_result *res)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint64_t total = 0;
	uint32_t n = 0;
	int r, rc = -1;

	if (a == NULL) {
		filter_set(res, FILTER_FAILED, "out of memory");
		return -1;
	}
	/* the central directory: the sizes MuPDF will inflate to */
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		filter_set(res, FILTER_FAILED, "corrupt-epub: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		uint64_t size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) :
							       UINT64_MAX;

		if (++n > lim->max_members) {
			filter_set(res, FILTER_BLOCKED, "epub-too-many-entries: more than %u "
				   "([limits] archive_max_members)", lim->max_members);
			goto out;
		}
		if (size > lim->max_member_bytes) {
			filter_set(res, FILTER_BLOCKED, "epub-entry-too-large: an entry of the "
				   "book expands beyond %llu bytes ([limits] "
				   "archive_max_member_size)",
				   (unsigned long long)lim->max_member_bytes);
			goto out;
		}
		total += size;
		if (total > lim->max_total_bytes ||
		    total / (len > 0 ? len : 1) > lim->max_ratio) {
			filter_set(res, FILTER_BLOCKED, "epub-too-large: the book expands to more "
				   "than %llu bytes or %u times its size ([limits] "
				   "archive_max_total_size, archive_max_ratio)",
				   (unsigned long long)lim->max_total_bytes, lim->max_ratio);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF)
		filter_set(res, FILTER_FAILED, "corrupt-epub: %s", archive_error_string(a));
	else
		rc = 0;
out:
	archive_read_free(a);
	return rc;
}

/* the PDF writer asks for offsets (xref): what was written so far */
static int64_t epub_tell(fz_context *ctx, void *state)
{
	(void)ctx;
	return (int64_t)((struct sink *)state)->written;
}

/* MuPDF's warnings (a missing image, an unknown CSS property) are about the
 * book, not about us: counted, not printed */
static void epub_warning(void *user, const char *message)
{
	(void)message;
	(*(unsigned *)user)++;
}

static void epub_quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

static int epub_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct sink o = { -1, 0, lim->max_output_bytes, SINK_OK };
	fz_context *ctx;
	fz_document *doc = NULL;
	fz_document_writer *wri = NULL;
	fz_output *out = NULL;
	fz_stream *stm = NULL;
	fz_page *page = NULL;
	unsigned warnings = 0;
	int n = 0, ok = 0, too_many = 0;

	if (filter_read_all(in_fd, EPUB_INPUT_MAX, &buf, &len) != 0) {
		filter_set(res, errno == EFBIG ? FILTER_BLOCKED : FILTER_FAILED,
			   "epub-unreadable: %s", strerror(errno));
		return 0;
	}
	if (epub_check_zip(buf, len, lim, res) != 0) {
		free(buf);
		return 0;
	}
	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	if (ctx == NULL) {
		free(buf);
		filter_set(res, FILTER_FAILED, "out of memory");
		return 0;
	}
	fz_set_warning_callback(ctx, epub_warning, &warnings);
	fz_set_error_callback(ctx, epub_quiet, NULL);
	o.fd = filter_create(out_dir_fd, FILTERPROTO_OUT_PDF);
	if (o.fd < 0) {
		filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		goto done;
	}
	fz_var(doc);
	fz_var(wri);
	fz_var(out);
	fz_var(stm);
	fz_var(page);
	fz_var(n);
	fz_var(ok);
	fz_var(too_many);
	fz_try(ctx) {
		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, buf, len);
		doc = fz_open_document_with_stream(ctx, "application/epub+zip", stm);
		fz_layout_document(ctx, doc, EPUB_PAGE_W, EPUB_PAGE_H, EPUB_EM);
		n = fz_count_pages(ctx, doc);
		if (n < 1)
			fz_throw(ctx, FZ_ERROR_GENERIC, "the book has no page");
		if ((uint32_t)n > lim->max_pages) {
			too_many = 1;
			fz_throw(ctx, FZ_ERROR_GENERIC, "too many pages");
		}
		out = fz_new_output(ctx, 8192, &o, epub_write, NULL, NULL);
		out->tell = epub_tell;
		wri = fz_new_pdf_writer_with_output(ctx, out, "");
		out = NULL; /* the writer owns it now */
		for (int i = 0; i < n; i++) {
			fz_rect box;
			fz_device *dev;

			page = fz_load_page(ctx, doc, i);
			box = fz_bound_page(ctx, page);
			dev = fz_begin_page(ctx, wri, box);
			fz_run_page(ctx, page, dev, fz_identity, NULL);
			fz_end_page(ctx, wri);
			fz_drop_page(ctx, page);
			page = NULL;
		}
		fz_close_document_writer(ctx, wri);
		ok = 1;
	}
	fz_always(ctx) {
		fz_drop_page(ctx, page);
		fz_drop_document_writer(ctx, wri);
		fz_drop_output(ctx, out);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		if (too_many)
			filter_set(res, FILTER_BLOCKED, "too-many-pages: %d > %u ([limits] "
				   "pdf_max_pages)", n, lim->max_pages);
		else if (o.error == SINK_TOO_LARGE)
			filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes",
				   (unsigned long long)o.max);
		else if (o.error == SINK_WRITE_ERROR)
			filter_set(res, FILTER_FAILED, "cannot write the output: %s",
				   strerror(errno));
		else
			filter_set(res, FILTER_FAILED, "corrupt-epub: %s", fz_caught_message(ctx));
	}
	if (ok) {
		filter_set(res, FILTER_OK, "%d page(s) laid out by MuPDF (%u warning(s))", n,
			   warnings);
		filter_output(res, FILTERPROTO_OUT_PDF);
	}
done:
	if (o.fd >= 0 && close(o.fd) != 0 && ok)
		filter_set(res, FILTER_FAILED, "cannot write the output: %s", strerror(errno));
	if (o.fd >= 0 && res->status != FILTER_OK)
		unlinkat(out_dir_fd, FILTERPROTO_OUT_PDF, 0);
	fz_drop_context(ctx);
	free(buf);
	return 0;
}

const struct filter_ops filter_epub_pdf = { "epub-pdf", epub_accepts, epub_run, 0 };
