/*
 * fuzz_filter.c - one harness for every filter: FUZZ_FILTER names it
 * ("text", "html-text", "unpack", "image", "pdf-text", "ooxml-text",
 * "ooxml-cdr").  The data goes in
 * on a memfd, the output into a directory emptied after every run, with
 * small limits.  Built once per filter by tests/fuzz/CMakeLists.txt.
 */
#include "filter.h"
#include "fuzz_util.h"
#include "mugai/detect.h"

#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef FUZZ_FILTER
#error FUZZ_FILTER must name a filter
#endif

static int out_fd = -1;

/* the type the pipeline's detection gives the input: the filter is told it
 * (the image filter decodes only with the decoder for that type) */
static void detected_mime(int fd, char *mime, size_t len)
{
	static struct detect_ctx *ctx;
	struct detect_result d;
	char err[128];

	if (ctx == NULL && detect_open(&ctx, err, sizeof(err)) != 0)
		abort();
	/* detection refusing an input is the pipeline's "failed" (nothing
	 * released), not a harness error: the filter then gets no type */
	if (detect_fd(ctx, fd, "fuzz", &d, err, sizeof(err)) != 0) {
		g_strlcpy(mime, "application/octet-stream", len);
		return;
	}
	g_strlcpy(mime, d.mime, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct filter_ops *ops = filter_lookup(FUZZ_FILTER);
	struct filter_limits lim;
	struct filter_result res;
	int in;

	if (ops == NULL)
		abort();
	if (out_fd < 0) {
		char *dir = g_dir_make_tmp("mugai-fuzz-XXXXXX", NULL);

		out_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		g_free(dir);
		if (out_fd < 0)
			abort();
	}
	in = memfd_create("fuzz", MFD_CLOEXEC);
	if (in < 0 || (size > 0 && write(in, data, size) != (ssize_t)size))
		abort();
	lseek(in, 0, SEEK_SET);
	memset(&lim, 0, sizeof(lim));
	lim.max_output_bytes = 8 << 20;
	lim.dpi = 36;
	lim.jpeg_quality = 50;
	lim.max_pages = 20;
	lim.max_page_inches = 50;
	lim.max_image_dim = 4096;
	lim.max_image_pixels = 4 << 20;
	lim.threads = 1;
	lim.max_text_bytes = 1 << 20;
	lim.max_members = 100;
	lim.max_member_bytes = 4 << 20;
	lim.max_total_bytes = 16 << 20;
	lim.max_ratio = 100;
	lim.max_depth = 10;
	lim.max_containers = 256;
#ifdef FUZZ_HTML_MAIL
	lim.html_mail = 1; /* html-text's mail form (the HTML body of a mail) */
#endif
	detected_mime(in, lim.mime, sizeof(lim.mime));
	memset(&res, 0, sizeof(res));
	if (ops->run(in, out_fd, &lim, &res) == 0) {
		/* the contract: a status from the enum and a NUL-terminated reason */
		if (res.status < FILTER_OK || res.status > FILTER_FAILED ||
		    memchr(res.reason, '\0', sizeof(res.reason)) == NULL)
			abort();
	}
	close(in);
	fuzz_empty_dir(out_fd);
	return 0;
}
