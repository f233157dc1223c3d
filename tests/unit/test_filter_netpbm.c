/* test_filter_netpbm.c - PBM, PGM and PPM re-encoded as PNG by our own
 * bounded parser; hostile headers and rasters refused with a reason */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <stdio.h>

#include "filter.h"
#include "testutil.h"

/* run the netpbm filter on len bytes; the directory stays for the caller */
static int run_pbm(const void *data, size_t len, struct filter_result *res, char **dir)
{
	struct filter_limits lim;
	int dfd;

	tu_limits(&lim);
	assert_int_equal(tu_run("netpbm", data, len, &lim, res, dir, &dfd), 0);
	return dfd;
}

/* the PNG's pixel (x, y) as 0xRRGGBB; the PNG's size in *w, *h */
static uint32_t png_pixel(int dfd, int x, int y, int *w, int *h)
{
	size_t len;
	char *raw = tu_read_at(dfd, "out.png", &len);
	char path[] = "/tmp/mugai-netpbm-XXXXXX";
	int fd = mkstemp(path);
	cairo_surface_t *s;
	uint32_t px;

	assert_non_null(raw);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, raw, len), (ssize_t)len);
	close(fd);
	s = cairo_image_surface_create_from_png(path);
	unlink(path);
	g_free(raw);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	*w = cairo_image_surface_get_width(s);
	*h = cairo_image_surface_get_height(s);
	px = *(uint32_t *)(void *)(cairo_image_surface_get_data(s) +
				   (size_t)y * (size_t)cairo_image_surface_get_stride(s) +
				   (size_t)x * 4) & 0xffffff;
	cairo_surface_destroy(s);
	return px;
}

/* PNG header: bit depth and colour type (IHDR bytes 24 and 25) */
static void png_kind(int dfd, int *depth, int *ctype)
{
	size_t len;
	char *raw = tu_read_at(dfd, "out.png", &len);

	assert_non_null(raw);
	assert_true(len > 26);
	assert_memory_equal(raw, "\x89PNG\r\n\x1a\n", 8);
	*depth = (unsigned char)raw[24];
	*ctype = (unsigned char)raw[25];
	g_free(raw);
}

static void expect_ok(const char *data, size_t len, int ew, int eh, int x, int y,
		      uint32_t rgb, int depth, int ctype)
{
	struct filter_result res;
	char *dir;
	int dfd = run_pbm(data, len, &res, &dir), w, h, d, c;

	assert_int_equal(res.status, FILTER_OK);
	assert_int_equal(png_pixel(dfd, x, y, &w, &h), rgb);
	assert_int_equal(w, ew);
	assert_int_equal(h, eh);
	png_kind(dfd, &d, &c);
	assert_int_equal(d, depth);
	assert_int_equal(c, ctype);
	assert_int_equal(tu_count(dfd), 1);
	close(dfd);
	tu_rmrf(dir);
}

static void test_each_kind(void **state)
{
	static const char p1[] = "P1\n# a comment\n3 2\n0 1 0\n1 0 1\n";
	static const char p1packed[] = "P1 3 2 010101";
	static const char p2[] = "P2 2 1 10\n10 5\n";
	static const char p3[] = "P3\n2 1\n255\n255 0 0  0 0 255\n";
	static const char p4[] = "P4\n10 1\n\x40\x80";
	static const char p5[] = "P5 2 1 255\n\x00\x80";
	static const char p6[] = "P6\n1 2\n255\n\x00\xff\x00\x12\x34\x56";
	static const char p5_16[] = "P5 1 1 65535\n\xff\xff";
	static const char p6_15[] = "P6 1 1 15\n\x0f\x00\x00";

	(void)state;
	/* PBM: 1 is black, 0 white; grey 8-bit PNG (colour type 0) */
	expect_ok(p1, sizeof(p1) - 1, 3, 2, 1, 0, 0x000000, 8, 0);
	expect_ok(p1, sizeof(p1) - 1, 3, 2, 0, 0, 0xffffff, 8, 0);
	expect_ok(p1packed, sizeof(p1packed) - 1, 3, 2, 1, 1, 0xffffff, 8, 0);
	expect_ok(p1packed, sizeof(p1packed) - 1, 3, 2, 0, 1, 0x000000, 8, 0);
	expect_ok(p2, sizeof(p2) - 1, 2, 1, 0, 0, 0xffffff, 8, 0);
	expect_ok(p2, sizeof(p2) - 1, 2, 1, 1, 0, 0x808080, 8, 0);
	/* PPM: RGB 8-bit (colour type 2) */
	expect_ok(p3, sizeof(p3) - 1, 2, 1, 0, 0, 0xff0000, 8, 2);
	expect_ok(p3, sizeof(p3) - 1, 2, 1, 1, 0, 0x0000ff, 8, 2);
	/* P4: bits, most significant first, rows padded to a byte */
	expect_ok(p4, sizeof(p4) - 1, 10, 1, 1, 0, 0x000000, 8, 0);
	expect_ok(p4, sizeof(p4) - 1, 10, 1, 8, 0, 0x000000, 8, 0);
	expect_ok(p4, sizeof(p4) - 1, 10, 1, 9, 0, 0xffffff, 8, 0);
	expect_ok(p5, sizeof(p5) - 1, 2, 1, 1, 0, 0x808080, 8, 0);
	expect_ok(p6, sizeof(p6) - 1, 1, 2, 0, 0, 0x00ff00, 8, 2);
	expect_ok(p6, sizeof(p6) - 1, 1, 2, 0, 1, 0x123456, 8, 2);
	/* 16-bit samples stay 16-bit; maxval 15 is scaled to the full range */
	expect_ok(p5_16, sizeof(p5_16) - 1, 1, 1, 0, 0, 0xffffff, 16, 0);
	expect_ok(p6_15, sizeof(p6_15) - 1, 1, 1, 0, 0, 0xff0000, 8, 2);
}

static void test_trailing_data_not_copied(void **state)
{
	static const char in[] = "P6\n# SECRET-COMMENT\n1 1\n255\n\x01\x02\x03"
				 "P6 1 1 255\nSECRET-TRAILER<?php system($_GET[0]); ?>";
	struct filter_result res;
	char *dir, *raw;
	size_t len;
	int dfd = run_pbm(in, sizeof(in) - 1, &res, &dir);

	(void)state;
	assert_int_equal(res.status, FILTER_OK);
	raw = tu_read_at(dfd, "out.png", &len);
	assert_non_null(raw);
	assert_null(memmem(raw, len, "SECRET", 6));
	assert_null(memmem(raw, len, "php", 3));
	g_free(raw);
	close(dfd);
	tu_rmrf(dir);
}

/* refused: status, the first word of the reason, and no output */
static void expect_refused(const char *data, size_t len, int status, const char *reason)
{
	struct filter_result res;
	char *dir;
	int dfd = run_pbm(data, len, &res, &dir);

	assert_int_equal(res.status, status);
	if (strncmp(res.reason, reason, strlen(reason)) != 0)
		fail_msg("reason '%s', expected '%s...'", res.reason, reason);
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
}

static void test_hostile(void **state)
{
	static const char huge[] = "P6\n60000 60000\n255\n\x00\x00\x00";
	static const char wide[] = "P5 10001 1 255\n";
	static const char pixels[] = "P4 9000 9000\n";  /* 81 M pixels > 20 M */
	static const char trunc6[] = "P6 4 4 255\n\x01\x02\x03\x04\x05\x06";
	static const char trunc4[] = "P4 16 2\n\xff\xff\xff";
	static const char trunc1[] = "P1 2 2\n0 1 1";
	static const char trunc16[] = "P5 1 1 65535\n\xff";
	static const char maxval0[] = "P5 1 1 0\n\x00";
	static const char maxvalbig[] = "P6 1 1 65536\n\x00\x00\x00\x00\x00\x00";
	static const char maxvalhuge[] = "P2 1 1 99999999999\n1\n";
	static const char over[] = "P2 2 1 10\n5 11\n";
	static const char p1bad[] = "P1 2 1\n0 2\n";
	static const char zero[] = "P5 0 5 255\n";
	static const char longnum[] = "P6 00000000001 1 255\n\x00\x00\x00";
	static const char nosep[] = "P5 1 1 255";
	static const char p7[] = "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nENDHDR\n\x00\x00\x00";
	static const char negative[] = "P5 -1 1 255\n\x00";

	(void)state;
	expect_refused(huge, sizeof(huge) - 1, FILTER_BLOCKED, "image-too-large");
	expect_refused(wide, sizeof(wide) - 1, FILTER_BLOCKED, "image-too-large");
	expect_refused(pixels, sizeof(pixels) - 1, FILTER_BLOCKED, "image-too-large");
	expect_refused(trunc6, sizeof(trunc6) - 1, FILTER_FAILED, "netpbm-truncated");
	expect_refused(trunc4, sizeof(trunc4) - 1, FILTER_FAILED, "netpbm-truncated");
	expect_refused(trunc1, sizeof(trunc1) - 1, FILTER_FAILED, "netpbm-truncated");
	expect_refused(trunc16, sizeof(trunc16) - 1, FILTER_FAILED, "netpbm-truncated");
	expect_refused(maxval0, sizeof(maxval0) - 1, FILTER_FAILED, "netpbm-bad-maxval");
	expect_refused(maxvalbig, sizeof(maxvalbig) - 1, FILTER_FAILED, "netpbm-bad-maxval");
	expect_refused(maxvalhuge, sizeof(maxvalhuge) - 1, FILTER_FAILED, "netpbm-bad-header");
	expect_refused(over, sizeof(over) - 1, FILTER_FAILED, "netpbm-bad-sample");
	expect_refused(p1bad, sizeof(p1bad) - 1, FILTER_FAILED, "netpbm-bad-sample");
	expect_refused(zero, sizeof(zero) - 1, FILTER_FAILED, "netpbm-bad-header");
	expect_refused(longnum, sizeof(longnum) - 1, FILTER_FAILED, "netpbm-bad-header");
	expect_refused(nosep, sizeof(nosep) - 1, FILTER_FAILED, "netpbm-bad-header");
	expect_refused(p7, sizeof(p7) - 1, FILTER_FAILED, "netpbm-bad-header");
	expect_refused(negative, sizeof(negative) - 1, FILTER_FAILED, "netpbm-bad-header");
	expect_refused("", 0, FILTER_FAILED, "netpbm-bad-header");
}

static void test_output_cap(void **state)
{
	struct filter_limits lim;
	struct filter_result res;
	GString *in = g_string_new("P5 500 500 255\n");
	char *dir;
	int dfd;
	uint32_t x = 2463534242u;

	(void)state;

	/* noise does not compress: about 250 000 bytes of PNG */
	for (int i = 0; i < 500 * 500; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		g_string_append_c(in, (char)(x >> 24));
	}
	tu_limits(&lim);
	lim.max_output_bytes = 10000;
	assert_int_equal(tu_run("netpbm", in->str, in->len, &lim, &res, &dir, &dfd), 0);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "output-too-large"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	g_string_free(in, TRUE);
}

static void test_accepts(void **state)
{
	const struct filter_ops *ops = filter_lookup("netpbm");

	(void)state;
	assert_non_null(ops);
	assert_true(ops->accepts("image/x-portable-bitmap"));
	assert_true(ops->accepts("image/x-portable-greymap"));
	assert_true(ops->accepts("image/x-portable-pixmap"));
	assert_false(ops->accepts("image/png"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind),
		cmocka_unit_test(test_trailing_data_not_copied),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
