/* test_policy_formats.c - SVG, EPUB and netpbm: detected by content and
 * extension, routed to their filters, blockable by [policy] svg / epub */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "mugai/config.h"
#include "mugai/detect.h"
#include "mugai/policy.h"
#include "testutil.h"

static struct detect_result detect_bytes(const char *data, size_t len, const char *name)
{
	struct detect_ctx *ctx;
	struct detect_result d;
	char err[256];
	int fd = tu_memfd(data, len);

	assert_int_equal(detect_open(&ctx, err, sizeof(err)), 0);
	assert_int_equal(detect_fd(ctx, fd, name, &d, err, sizeof(err)), 0);
	detect_close(ctx);
	close(fd);
	return d;
}

static void test_detect(void **state)
{
	static const char svg[] = "<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg' "
				  "width='1' height='1'/>";
	static const char ppm[] = "P6\n1 1\n255\n\x01\x02\x03";
	static const char pgm[] = "P2\n1 1\n255\n7\n";
	static const char pbm[] = "P4\n8 1\n\xaa";
	struct detect_result d;

	(void)state;
	d = detect_bytes(svg, sizeof(svg) - 1, "drawing.svg");
	assert_int_equal(d.cls, CLASS_SVG);
	assert_string_equal(detect_class_name(d.cls), "svg");
	/* .svg is no longer a dangerous extension: the drawing is redrawn */
	assert_false(d.dangerous_ext);
	assert_false(d.mismatch);
	d = detect_bytes(ppm, sizeof(ppm) - 1, "scan.ppm");
	assert_int_equal(d.cls, CLASS_IMAGE);
	assert_false(d.mismatch);
	d = detect_bytes(pgm, sizeof(pgm) - 1, "scan.pgm");
	assert_int_equal(d.cls, CLASS_IMAGE);
	d = detect_bytes(pbm, sizeof(pbm) - 1, "scan.pbm");
	assert_int_equal(d.cls, CLASS_IMAGE);
	assert_int_equal(detect_class_of_mime("application/epub+zip"), CLASS_EPUB);
	assert_int_equal(detect_class_of_ext("epub"), CLASS_EPUB);
	assert_int_equal(detect_class_of_ext("pnm"), CLASS_IMAGE);
	assert_string_equal(detect_class_name(CLASS_EPUB), "epub");
}

static struct policy_decision decide(const struct mugai_config *cfg, int cls, const char *mime,
				     int mode)
{
	struct detect_result d;
	struct policy_decision pd;

	memset(&d, 0, sizeof(d));
	d.cls = cls;
	strcpy(d.mime, mime);
	policy_decide(cfg, &d, mode, &pd);
	return pd;
}

static void test_routes(void **state)
{
	struct mugai_config cfg;
	struct policy_decision pd;

	(void)state;
	config_defaults(&cfg);
	pd = decide(&cfg, CLASS_IMAGE, "image/x-portable-pixmap", 0);
	assert_int_equal(pd.action, ACTION_REENCODE);
	assert_string_equal(pd.filter, "netpbm");
	pd = decide(&cfg, CLASS_IMAGE, "image/png", 0);
	assert_string_equal(pd.filter, "image");
	pd = decide(&cfg, CLASS_SVG, "image/svg+xml", ACTION_TEXT);
	assert_int_equal(pd.action, ACTION_REENCODE);
	assert_string_equal(pd.filter, "svg");
	pd = decide(&cfg, CLASS_EPUB, "application/epub+zip", 0);
	assert_int_equal(pd.action, ACTION_IMAGE_PDF);
	assert_string_equal(pd.filter, "epub-pdf");
	assert_string_equal(pd.then, "pdf-image");
	pd = decide(&cfg, CLASS_EPUB, "application/epub+zip", ACTION_TEXT);
	assert_int_equal(pd.action, ACTION_TEXT);
	assert_string_equal(pd.then, "pdf-text");
	pd = decide(&cfg, CLASS_EPUB, "application/epub+zip", ACTION_CDR);
	assert_int_equal(pd.action, ACTION_IMAGE_PDF);

	/* [policy] epub = text: text in auto mode, image-pdf on request */
	cfg.epub_action = ACTION_TEXT;
	pd = decide(&cfg, CLASS_EPUB, "application/epub+zip", 0);
	assert_string_equal(pd.then, "pdf-text");
	pd = decide(&cfg, CLASS_EPUB, "application/epub+zip", ACTION_IMAGE_PDF);
	assert_string_equal(pd.then, "pdf-image");

	/* block: a requested mode does not unblock it */
	cfg.epub_action = ACTION_BLOCK;
	cfg.svg_action = ACTION_BLOCK;
	cfg.image_action = ACTION_BLOCK;
	pd = decide(&cfg, CLASS_EPUB, "application/epub+zip", ACTION_TEXT);
	assert_int_equal(pd.action, ACTION_BLOCK);
	assert_non_null(strstr(pd.reason, "[policy] epub = block"));
	pd = decide(&cfg, CLASS_SVG, "image/svg+xml", 0);
	assert_int_equal(pd.action, ACTION_BLOCK);
	assert_non_null(strstr(pd.reason, "[policy] svg = block"));
	pd = decide(&cfg, CLASS_IMAGE, "image/x-portable-bitmap", 0);
	assert_int_equal(pd.action, ACTION_BLOCK);
}

static void test_config_keys(void **state)
{
	struct mugai_config cfg;
	char err[256];
	char path[] = "/tmp/mugai-policy-XXXXXX";
	int fd = mkstemp(path);
	static const char good[] = "[policy]\nsvg = block\nepub = text\n";
	static const char bad[] = "[policy]\nepub = reencode\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)(sizeof(good) - 1));
	close(fd);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.svg_action, ACTION_BLOCK);
	assert_int_equal(cfg.epub_action, ACTION_TEXT);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
	close(fd);
	assert_int_not_equal(config_load(&cfg, path, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "epub"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
