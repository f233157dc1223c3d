/*
 * image.c - decode an image (PNG, JPEG, GIF, BMP, TIFF, WebP) and write it
 * again from its pixels only: PNG, or JPEG when the input was a JPEG.
 * Metadata (EXIF, XMP, text chunks, ICC), trailing bytes and every other
 * chunk are gone because nothing but pixels is copied.  The size is checked
 * from the header against the limits before any pixel buffer exists.
 *
 * Only the decoder for the type mugai detected ever sees the bytes: the
 * detected MIME type (lim->mime) must be in image_decoders[], the content's
 * magic must say the same format, and the gdk-pixbuf loader is created by
 * that name (gdk_pixbuf_loader_new_with_type).  gdk-pixbuf's own sniffing
 * (shared-mime-info) never chooses: it let a PNG with "<?php" in a text
 * chunk fail as PHP, and would hand a TGA, XPM, ICO, ANI, ICNS, QTIF or XBM
 * named .png to that format's loader.
 */
#include "filter.h"

#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdio.h>
#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMAGE_INPUT_MAX (256ULL << 20)


/* the allow-list: detected MIME type -> the one gdk-pixbuf loader for it */
static const struct {
	const char *mime;
	const char *loader;
} image_decoders[] = {
	{ "image/png", "png" }, { "image/jpeg", "jpeg" }, { "image/gif", "gif" },
	{ "image/bmp", "bmp" }, { "image/x-ms-bmp", "bmp" }, { "image/tiff", "tiff" },
	{ "image/webp", "webp" },
};

static const char *image_decoder_for(const char *mime)
{
	for (size_t i = 0; i < sizeof(image_decoders) / sizeof(image_decoders[0]); i++)
		if (strcmp(image_decoders[i].mime, mime) == 0)
			return image_decoders[i].loader;
	return NULL;
}

static bool image_accepts(const char *mime)
{
	return image_decoder_for(mime) != NULL;
}

static uint32_t image_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t image_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/*
 * Width and height from the header, without decoding: PNG, GIF, BMP, JPEG
 * (first SOFn marker), WebP.  0 when found, 1 when the format has no size we
 * read here (TIFF: the loader and RLIMIT_AS bound it), -1 when malformed.
 */
static int image_header_size(const unsigned char *b, size_t len, uint64_t *w, uint64_t *h)
{
	if (len >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0) {
		*w = image_be32(b + 16);
		*h = image_be32(b + 20);
		return 0;
	}
	if (len >= 10 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0)) {
		*w = (uint64_t)b[6] | (uint64_t)b[7] << 8;
		*h = (uint64_t)b[8] | (uint64_t)b[9] << 8;
		return 0;
	}
	if (len >= 26 && b[0] == 'B' && b[1] == 'M') {
		int32_t ww = (int32_t)image_le32(b + 18), hh = (int32_t)image_le32(b + 22);
		uint32_t off = image_le32(b + 10), hsize = image_le32(b + 14);

		/* gdk-pixbuf's BMP loader sizes buffers from these fields: a
		 * forged data offset made it ask for 4 GiB (found by fuzz_image) */
		if (off > len || hsize < 12 || hsize > 124 || off < 14 + hsize)
			return -1;
		if (hsize >= 40 && len >= 30) {
			unsigned bpp = (unsigned)b[28] | (unsigned)b[29] << 8;

			if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
				return -1;
			/* and its colour table from the colours the header says it
			 * uses: a forged count made it ask for 2.2 GiB (fuzz_image
			 * again); a table holds 256 entries at most, and lies
			 * between the header and the pixels */
			if (len >= 50) {
				uint32_t used = image_le32(b + 46);

				if (used > 256 || (uint64_t)14 + hsize + 4 * (uint64_t)used > off)
					return -1;
			}
		}
		if (hsize == 12) {
			ww = (int32_t)((uint32_t)b[18] | (uint32_t)b[19] << 8);
			hh = (int32_t)((uint32_t)b[20] | (uint32_t)b[21] << 8);
		}

		*w = ww < 0 ? (uint64_t)(-(int64_t)ww) : (uint64_t)ww;
		*h = hh < 0 ? (uint64_t)(-(int64_t)hh) : (uint64_t)hh;
		return 0;
	}
	if (len >= 4 && b[0] == 0xff && b[1] == 0xd8) {
		size_t i = 2;

		while (i + 9 < len) {
			unsigned m;
			size_t seg;

			if (b[i] != 0xff)
				return -1;
			m = b[i + 1];
			if (m == 0xff) {
				i++;
				continue;
			}
			if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
				i += 2;
				continue;
			}
			seg = (size_t)b[i + 2] << 8 | b[i + 3];
			if ((m >= 0xc0 && m <= 0xcf) && m != 0xc4 && m != 0xc8 && m != 0xcc) {
				*h = (uint64_t)b[i + 5] << 8 | b[i + 6];
				*w = (uint64_t)b[i + 7] << 8 | b[i + 8];
				return 0;
			}
			if (seg < 2)
				return -1;
			i += 2 + seg;
		}
		return -1;
	}
	if (len >= 30 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) {
		if (memcmp(b + 12, "VP8X", 4) == 0) {
			*w = 1 + ((uint64_t)b[24] | (uint64_t)b[25] << 8 | (uint64_t)b[26] << 16);
			*h = 1 + ((uint64_t)b[27] | (uint64_t)b[28] << 8 | (uint64_t)b[29] << 16);
			return 0;
		}
		if (memcmp(b + 12, "VP8L", 4) == 0 && len >= 25) {
			uint32_t v = image_le32(b + 21);

			*w = 1 + (v & 0x3fff);
			*h = 1 + ((v >> 14) & 0x3fff);
			return 0;
		}
		if (memcmp(b + 12, "VP8 ", 4) == 0) {
			*w = ((uint64_t)b[26] | (uint64_t)b[27] << 8) & 0x3fff;
			*h = ((uint64_t)b[28] | (uint64_t)b[29] << 8) & 0x3fff;
			return 0;
		}
		return -1;
	}
	return 1;
}

struct png_out {
	int fd;
	uint64_t written, max;
	int error;
};

static void image_png_write(png_structp png, png_bytep data, png_size_t len)
{
	struct png_out *o = png_get_io_ptr(png);

	if (o->written + len > o->max) {
		o->error = 2;
		png_error(png, "output too large");
	}
	if (filter_write_all(o->fd, data, len) != 0) {
		o->error = 1;
		png_error(png, "write error");
	}
	o->written += len;
}

static void image_png_flush(png_structp png)
{
	(void)png;
}

static int image_write_png(GdkPixbuf *pb, int fd, uint64_t max, int *err_kind)
{
	struct png_out o = { fd, 0, max, 0 };
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
	int w = gdk_pixbuf_get_width(pb), h = gdk_pixbuf_get_height(pb);
	int alpha = gdk_pixbuf_get_has_alpha(pb);
	int stride = gdk_pixbuf_get_rowstride(pb);
	const guchar *px = gdk_pixbuf_read_pixels(pb);

	if (png == NULL || info == NULL) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		*err_kind = o.error;
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_set_write_fn(png, &o, image_png_write, image_png_flush);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
		     alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < h; y++)
		png_write_row(png, (png_const_bytep)(px + (size_t)y * (size_t)stride));
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

static int image_write_jpeg(GdkPixbuf *pb, int fd, int quality, uint64_t max, int *err_kind)
{
	struct jpeg_compress_struct cinfo;
	struct jpeg_error_mgr jerr;
	unsigned char *mem = NULL, *row = NULL;
	unsigned long memlen = 0;
	int w = gdk_pixbuf_get_width(pb), h = gdk_pixbuf_get_height(pb);
	int n = gdk_pixbuf_get_n_channels(pb), stride = gdk_pixbuf_get_rowstride(pb);
	const guchar *px = gdk_pixbuf_read_pixels(pb);
	int rc = 0;

	row = malloc((size_t)w * 3);
	if (row == NULL)
		return -1;
	cinfo.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &mem, &memlen);
	cinfo.image_width = (JDIMENSION)w;
	cinfo.image_height = (JDIMENSION)h;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		const guchar *src = px + (size_t)cinfo.next_scanline * (size_t)stride;
		JSAMPROW r = row;

		for (int x = 0; x < w; x++) {
			if (n == 4) { /* flatten onto white */
				unsigned a = src[x * 4 + 3];

				for (int c = 0; c < 3; c++)
					row[x * 3 + c] = (unsigned char)((src[x * 4 + c] * a +
									  255 * (255 - a)) / 255);
			} else {
				memcpy(row + x * 3, src + x * n, 3);
			}
		}
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(row);
	if ((uint64_t)memlen > max) {
		*err_kind = 2;
		rc = -1;
	} else if (filter_write_all(fd, mem, memlen) != 0) {
		*err_kind = 1;
		rc = -1;
	}
	free(mem);
	return rc;
}

/* PNG: the chunk chain must be whole and end with IEND; JPEG: an EOI marker
 * must follow the scan.  A truncated image is refused, not half-released. */
static int image_complete(const unsigned char *b, size_t len, const char *fmt)
{
	if (strcmp(fmt, "png") == 0) {
		size_t off = 8;

		while (off + 12 <= len) {
			uint32_t clen = image_be32(b + off);

			if (clen > len - off - 12)
				return 0;
			if (memcmp(b + off + 4, "IEND", 4) == 0)
				return 1;
			off += 12 + (size_t)clen;
		}
		return 0;
	}
	if (strcmp(fmt, "jpeg") == 0) {
		for (size_t i = len; i >= 2; i--)
			if (b[i - 2] == 0xff && b[i - 1] == 0xd9)
				return 1;
		return 0;
	}
	return 1;
}

/* Which allowed format the magic bytes say (a static name), NULL for none. */
static const char *image_format_name(const unsigned char *b, size_t len)
{
	if (len >= 2 && b[0] == 0xff && b[1] == 0xd8)
		return "jpeg";
	if (len >= 4 && memcmp(b, "\x89PNG", 4) == 0)
		return "png";
	if (len >= 4 && memcmp(b, "GIF8", 4) == 0)
		return "gif";
	if (len >= 2 && b[0] == 'B' && b[1] == 'M')
		return "bmp";
	if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "webp";
	if (len >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
		return "tiff";
	return NULL;
}

/*
 * Decode buf (len bytes, taken over) with the loader named loader only.
 * NULL with a reason in res.
 */
static GdkPixbuf *image_decode(unsigned char *buf, size_t len, const char *loader,
			       struct filter_result *res)
{
	GdkPixbufLoader *ld;
	GdkPixbuf *pb = NULL;
	GError *err = NULL;
	gboolean wrote;

	ld = gdk_pixbuf_loader_new_with_type(loader, &err);
	if (ld == NULL) {
		free(buf);
		filter_set(res, FILTER_FAILED, "image-decoder-unavailable: no %s decoder here: %s",
			   loader, err != NULL ? err->message : "unknown");
		g_clear_error(&err);
		return NULL;
	}
	wrote = gdk_pixbuf_loader_write(ld, buf, len, &err);
	free(buf);
	/* close even after a failed write: the loader must be closed */
	if (!gdk_pixbuf_loader_close(ld, wrote ? &err : NULL) && wrote)
		wrote = FALSE;
	if (wrote)
		pb = gdk_pixbuf_loader_get_pixbuf(ld);
	if (pb != NULL)
		g_object_ref(pb);
	else
		filter_set(res, FILTER_FAILED, "image-undecodable: %s",
			   err != NULL ? err->message : "no image");
	g_clear_error(&err);
	g_object_unref(ld);
	return pb;
}

static int image_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		     struct filter_result *res)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	GdkPixbuf *pb;
	uint64_t w = 0, h = 0;
	int hdr;
	const char *fmt_name, *loader;
	const char *out_name;
	int fd, rc, err_kind = 0, as_jpeg;

	loader = image_decoder_for(lim->mime);
	if (loader == NULL) {
		filter_set(res, FILTER_BLOCKED, "image-type-refused: no decoder is allowed for %s "
			   "(PNG, JPEG, GIF, BMP, TIFF, WebP only)",
			   lim->mime[0] != '\0' ? lim->mime : "an undetected type");
		return 0;
	}
	if (filter_read_all(in_fd, IMAGE_INPUT_MAX, &buf, &len) != 0) {
		filter_set(res, errno == EFBIG ? FILTER_BLOCKED : FILTER_FAILED,
			   "image-unreadable: %s", strerror(errno));
		return 0;
	}
	/* the content must be what was detected (BMP's two MIME names share
	 * one loader) */
	fmt_name = image_format_name(buf, len);
	if (fmt_name == NULL || strcmp(fmt_name, loader) != 0) {
		free(buf);
		filter_set(res, FILTER_BLOCKED, "image-type-mismatch: detected %s, but the content "
			   "is %s", lim->mime, fmt_name != NULL ? fmt_name : "no allowed image format");
		return 0;
	}
	hdr = image_header_size(buf, len, &w, &h);
	if (hdr < 0) {
		free(buf);
		filter_set(res, FILTER_FAILED, "image-undecodable: malformed header");
		return 0;
	}
	if (hdr == 0 && (w == 0 || h == 0 || w > lim->max_image_dim || h > lim->max_image_dim ||
			 w * h > lim->max_image_pixels)) {
		free(buf);
		filter_set(res, FILTER_BLOCKED, "image-too-large: %llux%llu exceeds %ux%u or %llu "
			   "pixels ([limits] image_max_dimension, image_max_pixels)",
			   (unsigned long long)w, (unsigned long long)h, lim->max_image_dim,
			   lim->max_image_dim, (unsigned long long)lim->max_image_pixels);
		return 0;
	}
	if (!image_complete(buf, len, fmt_name)) {
		free(buf);
		filter_set(res, FILTER_FAILED, "image-undecodable: truncated %s", fmt_name);
		return 0;
	}
	/* fmt_name and loader point to static strings: buf goes with the decode */
	pb = image_decode(buf, len, loader, res);
	if (pb == NULL)
		return 0;
	if ((uint64_t)gdk_pixbuf_get_width(pb) > lim->max_image_dim ||
	    (uint64_t)gdk_pixbuf_get_height(pb) > lim->max_image_dim) {
		filter_set(res, FILTER_BLOCKED, "image-too-large: %dx%d", gdk_pixbuf_get_width(pb),
			   gdk_pixbuf_get_height(pb));
		g_object_unref(pb);
		return 0;
	}
	as_jpeg = strcmp(fmt_name, "jpeg") == 0;
	out_name = as_jpeg ? FILTERPROTO_OUT_JPG : FILTERPROTO_OUT_PNG;
	fd = filter_create(out_dir_fd, out_name);
	if (fd < 0) {
		filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		goto out;
	}
	if (as_jpeg)
		rc = image_write_jpeg(pb, fd, (int)lim->jpeg_quality, lim->max_output_bytes,
				      &err_kind);
	else
		rc = image_write_png(pb, fd, lim->max_output_bytes, &err_kind);
	if (close(fd) != 0)
		rc = -1;
	if (rc != 0) {
		unlinkat(out_dir_fd, out_name, 0);
		if (err_kind == 2)
			filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes",
				   (unsigned long long)lim->max_output_bytes);
		else
			filter_set(res, FILTER_FAILED, "image-encode-failed");
		goto out;
	}
	filter_output(res, out_name);
	filter_set(res, FILTER_OK, "%s %dx%d re-encoded as %s", fmt_name,
		   gdk_pixbuf_get_width(pb), gdk_pixbuf_get_height(pb), as_jpeg ? "JPEG" : "PNG");
out:
	g_object_unref(pb);
	return 0;
}

const struct filter_ops filter_image = { "image", image_accepts, image_run, 0 };
