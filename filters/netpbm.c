/*
 * netpbm.c - PBM, PGM, PPM (the netpbm family, P1..P6) parsed here and
 * written again as PNG with libpng, row by row.
 *
 * No image library decodes the input: the header is read with a bounded
 * number parser, the size is checked against [limits] image_max_dimension
 * and image_max_pixels before any pixel is read, maxval must be 1..65535,
 * every sample must be <= maxval, and an input that ends before its last
 * row is refused (nothing half-written is left).  Only the first image of
 * a multi-image file is taken; comments and whatever follows the pixels
 * are not copied.  Memory is one input buffer and one row, whatever the size.
 *
 * Output: "out.png", grey (P1, P2, P4, P5) or RGB (P3, P6), 8 bits per
 * sample when maxval <= 255, else 16; samples are scaled to the full range.
 */
#include "filter.h"
#include "sink.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NETPBM_BUF 65536
#define NETPBM_DIGITS_MAX 10      /* a header number longer than this is refused */
#define NETPBM_MAXVAL_MAX 65535   /* the format's own limit */
#define NETPBM_COMMENT_MAX 65536  /* bytes of header comments skipped at most */

struct netpbm_in {
	int fd;
	unsigned char buf[NETPBM_BUF];
	size_t pos, len;
	int eof, error;
};

static bool netpbm_accepts(const char *mime)
{
	static const char *const types[] = {
		"image/x-portable-bitmap", "image/x-portable-greymap",
		"image/x-portable-graymap", "image/x-portable-pixmap",
		"image/x-portable-anymap", NULL,
	};

	for (size_t i = 0; types[i] != NULL; i++)
		if (strcmp(types[i], mime) == 0)
			return true;
	return false;
}

/* next byte, or -1 at the end of the input (or on a read error) */
static int netpbm_getc(struct netpbm_in *in)
{
	if (in->pos == in->len) {
		ssize_t n;

		if (in->eof)
			return -1;
		do {
			n = read(in->fd, in->buf, sizeof(in->buf));
		} while (n < 0 && errno == EINTR);
		if (n <= 0) {
			in->eof = 1;
			in->error = n < 0;
			return -1;
		}
		in->pos = 0;
		in->len = (size_t)n;
	}
	return in->buf[in->pos++];
}

static int netpbm_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* skip white space and comments ("#" to the end of the line); the first
 * other byte, or -1 */
static int netpbm_skip(struct netpbm_in *in)
{
	size_t comment = 0;
	int c;

	for (;;) {
		c = netpbm_getc(in);
		if (c == '#') {
			while ((c = netpbm_getc(in)) != -1 && c != '\n' && c != '\r')
				if (++comment > NETPBM_COMMENT_MAX)
					return -1;
			if (c == -1)
				return -1;
			continue;
		}
		if (!netpbm_space(c))
			return c;
	}
}

/*
 * A decimal number of the header or of a plain (ASCII) raster: white space
 * and comments before it, at most NETPBM_DIGITS_MAX digits.  *last gets
 * the byte after it (-1 at the end).  0, or -1 when there is no number.
 */
static int netpbm_number(struct netpbm_in *in, uint64_t *v, int *last)
{
	int c = netpbm_skip(in), digits = 0;

	*v = 0;
	while (c >= '0' && c <= '9') {
		if (++digits > NETPBM_DIGITS_MAX)
			return -1;
		*v = *v * 10 + (uint64_t)(c - '0');
		c = netpbm_getc(in);
	}
	*last = c;
	return digits > 0 ? 0 : -1;
}

static void netpbm_png_write(png_structp png, png_bytep data, png_size_t len)
{
	if (sink_write(png_get_io_ptr(png), data, len) != 0)
		png_error(png, "cannot write the output");
}

static void netpbm_png_flush(png_structp png)
{
	(void)png;
}

/* libpng's messages are not for stderr: the reason says what failed */
static void netpbm_png_error(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void netpbm_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

struct netpbm_hdr {
	int kind;          /* 1..6: P1..P6 */
	uint64_t w, h, maxval;
	int channels;      /* 1 grey, 3 RGB */
	int depth;         /* output bits per sample: 8 or 16 */
};

/* one sample of a plain raster (P1: one '0' or '1', separators optional) */
static int netpbm_plain_sample(struct netpbm_in *in, int kind, uint64_t *v)
{
	int last;

	if (kind == 1) {
		int c = netpbm_skip(in);

		if (c != '0' && c != '1')
			return -1;
		*v = c == '1' ? 0 : 1; /* 1 is black */
		return 0;
	}
	if (netpbm_number(in, v, &last) != 0)
		return -1;
	/* the separator after a number was consumed; a digit cannot be it */
	return last == -1 || netpbm_space(last) || last == '#' ? 0 : -1;
}

/*
 * Read row y into row (output samples, big-endian when 16 bits).
 * 0, -1 at the end of the input, -2 for a sample over maxval or a bad
 * plain-format token.
 */
static int netpbm_row(struct netpbm_in *in, const struct netpbm_hdr *hd, unsigned char *row)
{
	uint64_t n = hd->w * (uint64_t)hd->channels;
	uint64_t outmax = hd->depth == 16 ? 65535 : 255;

	if (hd->kind == 4) {
		for (uint64_t x = 0; x < hd->w; x += 8) {
			int c = netpbm_getc(in);

			if (c < 0)
				return -1;
			for (uint64_t b = 0; b < 8 && x + b < hd->w; b++)
				row[x + b] = (c >> (7 - b)) & 1 ? 0 : 255;
		}
		return 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v;

		if (hd->kind == 5 || hd->kind == 6) {
			int c = netpbm_getc(in);

			if (c < 0)
				return -1;
			v = (uint64_t)c;
			if (hd->maxval > 255) {
				int c2 = netpbm_getc(in);

				if (c2 < 0)
					return -1;
				v = v << 8 | (uint64_t)c2;
			}
		} else {
			int rc = netpbm_plain_sample(in, hd->kind, &v);

			if (rc != 0)
				return in->eof && in->pos == in->len ? -1 : -2;
		}
		if (v > hd->maxval)
			return -2;
		v = (v * outmax + hd->maxval / 2) / hd->maxval;
		if (hd->depth == 16) {
			row[2 * i] = (unsigned char)(v >> 8);
			row[2 * i + 1] = (unsigned char)v;
		} else {
			row[i] = (unsigned char)v;
		}
	}
	return 0;
}

/* the header: 0, or -1 with res filled */
static int netpbm_header(struct netpbm_in *in, const struct filter_limits *lim,
			 struct netpbm_hdr *hd, struct filter_result *res)
{
	int c0 = netpbm_getc(in), c1 = netpbm_getc(in), last = 0;

	memset(hd, 0, sizeof(*hd));
	if (c0 != 'P' || c1 < '1' || c1 > '6') {
		filter_set(res, FILTER_FAILED, "netpbm-bad-header: not P1..P6");
		return -1;
	}
	hd->kind = c1 - '0';
	if (netpbm_number(in, &hd->w, &last) != 0 || !netpbm_space(last) ||
	    netpbm_number(in, &hd->h, &last) != 0 ||
	    (hd->kind != 1 && hd->kind != 4 && !netpbm_space(last))) {
		filter_set(res, FILTER_FAILED, "netpbm-bad-header: no valid width and height");
		return -1;
	}
	if (hd->w == 0 || hd->h == 0) {
		filter_set(res, FILTER_FAILED, "netpbm-bad-header: %llux%llu image",
			   (unsigned long long)hd->w, (unsigned long long)hd->h);
		return -1;
	}
	if (hd->w > lim->max_image_dim || hd->h > lim->max_image_dim ||
	    hd->w * hd->h > lim->max_image_pixels) {
		filter_set(res, FILTER_BLOCKED, "image-too-large: %llux%llu exceeds %ux%u or %llu "
			   "pixels ([limits] image_max_dimension, image_max_pixels)",
			   (unsigned long long)hd->w, (unsigned long long)hd->h,
			   lim->max_image_dim, lim->max_image_dim,
			   (unsigned long long)lim->max_image_pixels);
		return -1;
	}
	hd->maxval = 1;
	if (hd->kind != 1 && hd->kind != 4) {
		if (netpbm_number(in, &hd->maxval, &last) != 0) {
			filter_set(res, FILTER_FAILED, "netpbm-bad-header: no maxval");
			return -1;
		}
		if (hd->maxval == 0 || hd->maxval > NETPBM_MAXVAL_MAX) {
			filter_set(res, FILTER_FAILED, "netpbm-bad-maxval: %llu (must be 1..%u)",
				   (unsigned long long)hd->maxval, NETPBM_MAXVAL_MAX);
			return -1;
		}
		/* binary rasters start after exactly one white space byte */
		if ((hd->kind == 5 || hd->kind == 6) && !netpbm_space(last)) {
			filter_set(res, FILTER_FAILED, "netpbm-bad-header: no separator "
				   "before the raster");
			return -1;
		}
	} else if (hd->kind == 4 && !netpbm_space(last)) {
		filter_set(res, FILTER_FAILED, "netpbm-bad-header: no separator before the raster");
		return -1;
	}
	hd->channels = hd->kind == 3 || hd->kind == 6 ? 3 : 1;
	hd->depth = hd->maxval > 255 ? 16 : 8;
	return 0;
}

/* write the PNG from the raster: 0, or -1 with res filled */
static int netpbm_convert(struct netpbm_in *in, const struct netpbm_hdr *hd, struct sink *o,
			  struct filter_result *res)
{
	size_t rowlen = (size_t)(hd->w * (uint64_t)hd->channels * (uint64_t)(hd->depth / 8));
	unsigned char *row = malloc(rowlen);
	png_structp png = NULL;
	png_infop info = NULL;
	/* set before longjmp may return here: volatile */
	volatile uint64_t y = 0;
	volatile int bad = 0;

	if (row == NULL) {
		filter_set(res, FILTER_FAILED, "out of memory");
		return -1;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, netpbm_png_error,
				      netpbm_png_warning);
	info = png != NULL ? png_create_info_struct(png) : NULL;
	if (png == NULL || info == NULL) {
		png_destroy_write_struct(&png, &info);
		free(row);
		filter_set(res, FILTER_FAILED, "out of memory");
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		if (bad == 1)
			filter_set(res, FILTER_FAILED, "netpbm-truncated: the raster ends at "
				   "row %llu of %llu", (unsigned long long)y,
				   (unsigned long long)hd->h);
		else if (bad == 2)
			filter_set(res, FILTER_FAILED, "netpbm-bad-sample: row %llu holds a "
				   "sample over maxval %llu or a bad token",
				   (unsigned long long)y + 1, (unsigned long long)hd->maxval);
		else if (o->error == SINK_TOO_LARGE)
			filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes",
				   (unsigned long long)o->max);
		else
			filter_set(res, FILTER_FAILED, "image-encode-failed: %s",
				   o->error == SINK_WRITE_ERROR ? strerror(errno) : "libpng");
		return -1;
	}
	png_set_write_fn(png, o, netpbm_png_write, netpbm_png_flush);
	png_set_IHDR(png, info, (png_uint_32)hd->w, (png_uint_32)hd->h, hd->depth,
		     hd->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < hd->h; y++) {
		int rc = netpbm_row(in, hd, row);

		if (rc != 0) {
			bad = rc == -1 ? 1 : 2;
			png_error(png, "bad raster");
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}

static int netpbm_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		      struct filter_result *res)
{
	struct netpbm_in *in = calloc(1, sizeof(*in));
	struct netpbm_hdr hd;
	struct sink o = { -1, 0, lim->max_output_bytes, SINK_OK };
	int fd, rc;

	if (in == NULL) {
		filter_set(res, FILTER_FAILED, "out of memory");
		return 0;
	}
	in->fd = in_fd;
	if (netpbm_header(in, lim, &hd, res) != 0) {
		if (in->error)
			filter_set(res, FILTER_FAILED, "image-unreadable: %s", strerror(errno));
		free(in);
		return 0;
	}
	fd = filter_create(out_dir_fd, "out.png");
	if (fd < 0) {
		filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		free(in);
		return 0;
	}
	o.fd = fd;
	rc = netpbm_convert(in, &hd, &o, res);
	if (in->error && rc != 0)
		filter_set(res, FILTER_FAILED, "image-unreadable: %s", strerror(errno));
	if (close(fd) != 0 && rc == 0) {
		filter_set(res, FILTER_FAILED, "cannot write the output: %s", strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlinkat(out_dir_fd, "out.png", 0);
	else {
		filter_set(res, FILTER_OK, "P%d %llux%llu maxval %llu re-encoded as PNG",
			   hd.kind, (unsigned long long)hd.w, (unsigned long long)hd.h,
			   (unsigned long long)hd.maxval);
		filter_output(res, FILTERPROTO_OUT_PNG);
	}
	free(in);
	return 0;
}

const struct filter_ops filter_netpbm = { "netpbm", netpbm_accepts, netpbm_run, 0 };
