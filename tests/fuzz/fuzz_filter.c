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
#include "mugai/textcheck.h"

#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUZZ_FILTER
#error FUZZ_FILTER must name a filter
#endif

static int out_fd = -1;
static const size_t lim_text_max = 8 << 20; /* lim.max_output_bytes */

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

/* every text a filter writes (out.txt; mime-unpack's t000001, ...) is
 * clean text, the property mugaid checks (mugai/textcheck.h); pdf-text
 * alone keeps a form feed between pages */
static void check_texts(int dir)
{
	DIR *d = fdopendir(dup(dir));
	struct dirent *e;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL) {
		gchar *buf = NULL;
		gsize len = 0;
		int fd;

		if (strcmp(e->d_name, "out.txt") != 0 &&
		    !(e->d_name[0] == 't' && strlen(e->d_name) == 7))
			continue;
		fd = openat(dir, e->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			abort();
		buf = g_malloc(lim_text_max + 1);
		for (ssize_t n; (n = read(fd, buf + len, lim_text_max + 1 - len)) > 0;)
			len += (gsize)n;
		close(fd);
		if (!textcheck_clean(buf, len))
			abort();
		if (e->d_name[0] == 't') { /* and no longer than its member makes */
			struct stat ms;
			char m[8];

			snprintf(m, sizeof(m), "m%s", e->d_name + 1);
			if (fstatat(dir, m, &ms, AT_SYMLINK_NOFOLLOW) != 0 ||
			    len > TEXTCHECK_MAX_GROWTH * (uint64_t)ms.st_size)
				abort();
		}
		g_free(buf);
	}
	closedir(d);
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
	lim.max_output_bytes = lim_text_max;
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
		if (strcmp(FUZZ_FILTER, "pdf-text") != 0)
			check_texts(out_fd);
	}
	close(in);
	fuzz_empty_dir(out_fd);
	return 0;
}
