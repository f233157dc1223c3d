/* test_detect.c - content decides, mismatches and dangerous names recorded */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/detect.h"
#include "testutil.h"

static const unsigned char png_1x1[] = {
	0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R',
	0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
	0, 0, 0, 0x0c, 'I', 'D', 'A', 'T', 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0, 0, 3, 1, 1, 0,
	0x18, 0xdd, 0x8d, 0xb0, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
};

static void detect(struct detect_ctx *ctx, const void *data, size_t len, const char *name,
		   struct detect_result *d)
{
	char err[256];
	int fd = tu_memfd(data, len);

	assert_true(fd >= 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(detect_fd(ctx, fd, name, d, err, sizeof(err)), 0);
	/* detection reads with pread: the offset the filters read from is untouched */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
}

static int setup(void **state)
{
	char err[256];
	struct detect_ctx *ctx;

	if (detect_open(&ctx, err, sizeof(err)) != 0)
		return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	detect_close(*state);
	return 0;
}

static void test_content_classes(void **state)
{
	struct detect_result d;
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
	static const char html[] = "<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>\n";
	static const unsigned char sjis[] = { 0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x82, 0xcc,
					      0x95, 0xb6, 0x8f, 0xcd, 0x82, 0xc5, 0x82, 0xb7, '\n' };

	detect(*state, pdf, sizeof(pdf) - 1, "a.pdf", &d);
	assert_string_equal(d.mime, "application/pdf");
	assert_int_equal(d.cls, CLASS_PDF);
	assert_false(d.mismatch);
	detect(*state, png_1x1, sizeof(png_1x1), "photo.PNG", &d);
	assert_int_equal(d.cls, CLASS_IMAGE);
	assert_string_equal(d.extension, "png");
	detect(*state, html, sizeof(html) - 1, "page.htm", &d);
	assert_int_equal(d.cls, CLASS_HTML);
	detect(*state, "plain words\n", 12, "notes.txt", &d);
	assert_int_equal(d.cls, CLASS_TEXT);
	detect(*state, sjis, sizeof(sjis), "sjis.txt", &d);
	assert_int_equal(d.cls, CLASS_TEXT);
	detect(*state, "", 0, "empty.txt", &d);
	assert_int_equal(d.cls, CLASS_EMPTY);
}

static void test_mismatch_and_dangerous_names(void **state)
{
	struct detect_result d;
	unsigned char pe[512] = { 'M', 'Z' };

	pe[60] = 64;
	memcpy(pe + 64, "PE\0\0", 4);
	detect(*state, pe, sizeof(pe), "invoice.pdf", &d);
	assert_int_equal(d.cls, CLASS_EXECUTABLE);
	assert_int_equal(d.ext_cls, CLASS_PDF);
	assert_true(d.mismatch);

	detect(*state, "x\n", 2, "invoice.pdf.exe", &d);
	assert_true(d.dangerous_ext);
	detect(*state, "x\n", 2, "LOADER.JS", &d);
	assert_true(d.dangerous_ext);
	detect(*state, "x\n", 2, "a.exe.", &d);
	assert_true(d.dangerous_ext);
	detect(*state, "x\n", 2, "a.exe ", &d);
	assert_true(d.dangerous_ext);
	detect(*state, "x\n", 2, "report\xe2\x80\xae" "fdp.exe", &d);
	assert_true(d.bidi_name);
	detect(*state, "x\n", 2, "normal-名前.txt", &d);
	assert_false(d.bidi_name);
	assert_false(d.dangerous_ext);
}

static void test_zip_named_docx_is_no_mismatch(void **state)
{
	struct detect_result d;
	/* an empty zip: end of central directory record only */
	static const unsigned char zip[22] = { 'P', 'K', 5, 6 };

	detect(*state, zip, sizeof(zip), "a.docx", &d);
	assert_int_equal(d.cls, CLASS_ARCHIVE);
	assert_false(d.mismatch);
	detect(*state, zip, sizeof(zip), "a.pdf", &d);
	assert_true(d.mismatch);
}

/* The context's read buffer is reused: a file sees only its own bytes, not
 * what a longer file before it left behind. */
static void test_buffer_holds_only_this_file(void **state)
{
	struct detect_result d;
	enum { LEN = 64 * 1024, HDR = 30 };
	unsigned char *zip = calloc(1, LEN);

	assert_non_null(zip);
	/* a local file header naming [Content_Types].xml, a word/ part later */
	memcpy(zip, "PK\x03\x04\x14\x00", 6);
	zip[26] = 19;
	memcpy(zip + HDR, "[Content_Types].xml", 19);
	memcpy(zip + LEN - 64, "word/document.xml", 17);
	detect(*state, zip, LEN, "a.docx", &d);
	assert_string_equal(d.mime,
			    "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	/* the same header without the name: not an OOXML package */
	detect(*state, zip, HDR, "a.docx", &d);
	assert_string_not_equal(d.mime,
				"application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	detect(*state, "plain words\n", 12, "notes.txt", &d);
	assert_string_equal(d.mime, "text/plain");
	assert_int_equal(d.cls, CLASS_TEXT);
	free(zip);
}

static void test_mime_and_ext_tables(void **state)
{
	(void)state;
	assert_int_equal(detect_class_of_mime("application/vnd.openxmlformats-officedocument."
					      "wordprocessingml.document"), CLASS_OFFICE);
	assert_int_equal(detect_class_of_mime("application/x-dosexec"), CLASS_EXECUTABLE);
	assert_int_equal(detect_class_of_mime("application/x-whatever"), CLASS_UNKNOWN);
	assert_int_equal(detect_class_of_ext("lzh"), CLASS_ARCHIVE);
	assert_int_equal(detect_class_of_ext("hta"), CLASS_SCRIPT);
	assert_string_equal(detect_class_name(CLASS_PDF), "pdf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_classes),
		cmocka_unit_test(test_mismatch_and_dangerous_names),
		cmocka_unit_test(test_zip_named_docx_is_no_mismatch),
		cmocka_unit_test(test_buffer_holds_only_this_file),
		cmocka_unit_test(test_mime_and_ext_tables),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
