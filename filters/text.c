/*
 * text.c - plain text and CSV in UTF-8, UTF-16/32 (BOM), Shift_JIS/CP932,
 * EUC-JP or ISO-2022-JP, normalised to UTF-8 with LF line ends; control
 * characters other than tab and newline, and bidi overrides, removed.
 */
#include "filter.h"
#include "textenc.h"
#include "mugai/mimetype.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool text_accepts(const char *mime)
{
	return mimetype_is_plain_text(mime);
}

/* write text as name under out_dir_fd, bounded by max_output_bytes */
int text_write_output_as(int out_dir_fd, const char *name, const char *text, size_t len,
			 const struct filter_limits *lim, struct filter_result *res)
{
	int fd;

	if ((uint64_t)len > lim->max_output_bytes) {
		filter_set(res, FILTER_BLOCKED, "output-too-large: %zu bytes > %llu", len,
			   (unsigned long long)lim->max_output_bytes);
		return 0;
	}
	fd = filter_create(out_dir_fd, name);
	if (fd < 0) {
		filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		return 0;
	}
	if (filter_write_all(fd, text, len) != 0 || close(fd) != 0) {
		filter_set(res, FILTER_FAILED, "cannot write the output: %s", strerror(errno));
		unlinkat(out_dir_fd, name, 0);
		return 0;
	}
	filter_output(res, name);
	return 1;
}

int text_write_output(int out_dir_fd, const char *text, size_t len,
		      const struct filter_limits *lim, struct filter_result *res)
{
	return text_write_output_as(out_dir_fd, FILTERPROTO_OUT_TXT, text, len, lim, res);
}

int text_convert(const unsigned char *buf, size_t len, int out_dir_fd, const char *name,
		 const struct filter_limits *lim, struct filter_result *res, const char **encp)
{
	const char *enc = "?";
	char *utf8 = textenc_to_utf8(buf, len, &enc);
	size_t clean;
	int ok;

	if (utf8 == NULL) {
		filter_set(res, FILTER_FAILED, "text-undecodable: not UTF-8, UTF-16, CP932, "
			   "EUC-JP or ISO-2022-JP text");
		return 0;
	}
	clean = textenc_clean(utf8, strlen(utf8));
	ok = text_write_output_as(out_dir_fd, name, utf8, clean, lim, res);
	if (ok)
		filter_set(res, FILTER_OK, "text from %s", enc);
	if (encp != NULL)
		*encp = enc;
	g_free(utf8);
	return ok;
}

static int text_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	if (filter_read_all(in_fd, lim->max_text_bytes, &buf, &len) != 0) {
		if (errno == EFBIG)
			filter_set(res, FILTER_BLOCKED, "text-too-large: more than %llu bytes "
				   "([limits] text_max_bytes)",
				   (unsigned long long)lim->max_text_bytes);
		else
			filter_set(res, FILTER_FAILED, "cannot read the input: %s",
				   strerror(errno));
		return 0;
	}
	text_convert(buf, len, out_dir_fd, FILTERPROTO_OUT_TXT, lim, res, NULL);
	free(buf);
	return 0;
}

const struct filter_ops filter_text = { "text", text_accepts, text_run, 0 };
