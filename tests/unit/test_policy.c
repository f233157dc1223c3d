/* test_policy.c - type class x requested mode -> action and filter */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "mugai/policy.h"

static struct policy_decision decide(const struct mugai_config *cfg, int cls, const char *ext,
				     int mode)
{
	struct detect_result d;
	struct policy_decision pd;

	memset(&d, 0, sizeof(d));
	d.cls = cls;
	strcpy(d.mime, "x/y");
	strcpy(d.extension, ext);
	d.dangerous_ext = strcmp(ext, "exe") == 0 || strcmp(ext, "js") == 0;
	policy_decide(cfg, &d, mode, &pd);
	return pd;
}

static void test_table(void **state)
{
	struct mugai_config cfg;
	struct {
		int cls, mode, action;
		const char *filter;
	} rows[] = {
		{ CLASS_PDF, 0, ACTION_IMAGE_PDF, "pdf-image" },
		{ CLASS_PDF, ACTION_TEXT, ACTION_TEXT, "pdf-text" },
		{ CLASS_PDF, ACTION_IMAGE_PDF, ACTION_IMAGE_PDF, "pdf-image" },
		{ CLASS_TEXT, 0, ACTION_TEXT, "text" },
		{ CLASS_TEXT, ACTION_IMAGE_PDF, ACTION_TEXT, "text" },
		{ CLASS_HTML, 0, ACTION_TEXT, "html-text" },
		{ CLASS_IMAGE, 0, ACTION_REENCODE, "image" },
		{ CLASS_IMAGE, ACTION_TEXT, ACTION_REENCODE, "image" },
		{ CLASS_ARCHIVE, 0, ACTION_UNPACK, "unpack" },
		{ CLASS_OFFICE, 0, ACTION_IMAGE_PDF, "office-pdf" },
		{ CLASS_PDF, ACTION_CDR, ACTION_IMAGE_PDF, "pdf-image" },
		{ CLASS_EXECUTABLE, 0, ACTION_BLOCK, NULL },
		{ CLASS_SCRIPT, ACTION_TEXT, ACTION_BLOCK, NULL },
		{ CLASS_UNKNOWN, 0, ACTION_BLOCK, NULL },
		{ CLASS_EMPTY, 0, ACTION_BLOCK, NULL },
	};

	(void)state;
	config_defaults(&cfg);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct policy_decision pd = decide(&cfg, rows[i].cls, "", rows[i].mode);

		assert_int_equal(pd.action, rows[i].action);
		if (rows[i].filter == NULL) {
			assert_null(pd.filter);
			assert_true(strlen(pd.reason) > 5);
		} else {
			assert_string_equal(pd.filter, rows[i].filter);
		}
	}
}

static void test_config_changes_policy(void **state)
{
	struct mugai_config cfg;
	struct policy_decision pd;

	(void)state;
	config_defaults(&cfg);
	cfg.pdf_action = ACTION_TEXT;
	assert_string_equal(decide(&cfg, CLASS_PDF, "pdf", 0).filter, "pdf-text");
	cfg.pdf_action = ACTION_BLOCK;
	assert_int_equal(decide(&cfg, CLASS_PDF, "pdf", 0).action, ACTION_BLOCK);
	cfg.pdf_action = ACTION_IMAGE_PDF;
	cfg.allow_mode_override = false;
	pd = decide(&cfg, CLASS_PDF, "pdf", ACTION_TEXT);
	assert_string_equal(pd.filter, "pdf-image");
	assert_non_null(strstr(pd.reason, "refused by policy"));
	cfg.archive_action = ACTION_BLOCK;
	assert_int_equal(decide(&cfg, CLASS_ARCHIVE, "zip", 0).action, ACTION_BLOCK);
	cfg.html_action = ACTION_BLOCK;
	assert_int_equal(decide(&cfg, CLASS_HTML, "html", 0).action, ACTION_BLOCK);
}

static struct policy_decision decide_office(const struct mugai_config *cfg, bool ooxml,
					    bool macros, int mode)
{
	struct detect_result d;
	struct policy_decision pd;

	memset(&d, 0, sizeof(d));
	d.cls = CLASS_OFFICE;
	d.ooxml = ooxml;
	d.ole_macros = macros;
	strcpy(d.mime, ooxml ? "application/vnd.openxmlformats-officedocument.wordprocessingml."
		       "document" : "application/msword");
	strcpy(d.extension, ooxml ? "docx" : "doc");
	policy_decide(cfg, &d, mode, &pd);
	return pd;
}

static void expect(struct policy_decision pd, int action, const char *filter, const char *then)
{
	assert_int_equal(pd.action, action);
	assert_string_equal(pd.filter, filter);
	if (then == NULL)
		assert_null(pd.then);
	else
		assert_string_equal(pd.then, then);
}

/* office: image-pdf through LibreOffice then pdf-image; text directly for
 * OOXML; cdr directly for OOXML, through a LibreOffice conversion for the
 * others, and never for legacy files with macros */
static void test_office(void **state)
{
	struct mugai_config cfg;
	struct policy_decision pd;

	(void)state;
	config_defaults(&cfg);
	expect(decide_office(&cfg, true, false, 0), ACTION_IMAGE_PDF, "office-pdf", "pdf-image");
	expect(decide_office(&cfg, false, false, 0), ACTION_IMAGE_PDF, "office-pdf", "pdf-image");
	expect(decide_office(&cfg, true, false, ACTION_TEXT), ACTION_TEXT, "ooxml-text", NULL);
	expect(decide_office(&cfg, false, false, ACTION_TEXT), ACTION_TEXT, "office-pdf", "pdf-text");
	expect(decide_office(&cfg, true, false, ACTION_CDR), ACTION_CDR, "ooxml-cdr", NULL);
	expect(decide_office(&cfg, false, false, ACTION_CDR), ACTION_CDR, "office-ooxml", "ooxml-cdr");
	pd = decide_office(&cfg, false, true, ACTION_CDR);
	expect(pd, ACTION_IMAGE_PDF, "office-pdf", "pdf-image");
	assert_non_null(strstr(pd.reason, "macros"));
	expect(decide_office(&cfg, false, true, ACTION_TEXT), ACTION_TEXT, "office-pdf", "pdf-text");
	cfg.office_action = ACTION_CDR;
	expect(decide_office(&cfg, true, false, 0), ACTION_CDR, "ooxml-cdr", NULL);
	cfg.office_action = ACTION_TEXT;
	expect(decide_office(&cfg, true, false, 0), ACTION_TEXT, "ooxml-text", NULL);
	/* a requested mode never unblocks */
	cfg.office_action = ACTION_BLOCK;
	assert_int_equal(decide_office(&cfg, true, false, ACTION_CDR).action, ACTION_BLOCK);
	assert_int_equal(decide_office(&cfg, true, false, 0).action, ACTION_BLOCK);
	/* an override refused by policy keeps the configured office action */
	cfg.office_action = ACTION_IMAGE_PDF;
	cfg.allow_mode_override = false;
	pd = decide_office(&cfg, true, false, ACTION_CDR);
	expect(pd, ACTION_IMAGE_PDF, "office-pdf", "pdf-image");
	assert_non_null(strstr(pd.reason, "refused by policy"));
}

/* scan only: plain text released as it is, when the policy allows it */
static void test_scan_only(void **state)
{
	struct mugai_config cfg;
	struct policy_decision pd;

	(void)state;
	config_defaults(&cfg);
	pd = decide(&cfg, CLASS_TEXT, "csv", ACTION_SCAN);
	assert_int_equal(pd.action, ACTION_TEXT);
	assert_non_null(strstr(pd.reason, "allow_scan_only"));
	cfg.allow_scan_only = true;
	pd = decide(&cfg, CLASS_TEXT, "csv", ACTION_SCAN);
	assert_int_equal(pd.action, ACTION_SCAN);
	assert_null(pd.filter);
	pd = decide(&cfg, CLASS_PDF, "pdf", ACTION_SCAN);
	assert_int_equal(pd.action, ACTION_IMAGE_PDF);
	assert_non_null(strstr(pd.reason, "scan-only is for plain text"));
	assert_int_equal(decide(&cfg, CLASS_IMAGE, "png", ACTION_SCAN).action, ACTION_REENCODE);
	assert_int_equal(decide(&cfg, CLASS_ARCHIVE, "zip", ACTION_SCAN).action, ACTION_UNPACK);
	assert_int_equal(decide(&cfg, CLASS_SCRIPT, "js", ACTION_SCAN).action, ACTION_BLOCK);
	/* a name that claims another type is sanitised */
	pd = decide(&cfg, CLASS_TEXT, "exe", ACTION_SCAN);
	assert_int_equal(pd.action, ACTION_BLOCK);
}

static void test_dangerous_extension_wins(void **state)
{
	struct mugai_config cfg;
	struct policy_decision pd;

	(void)state;
	config_defaults(&cfg);
	pd = decide(&cfg, CLASS_TEXT, "js", 0);
	assert_int_equal(pd.action, ACTION_BLOCK);
	assert_non_null(strstr(pd.reason, "dangerous-extension: .js"));
	pd = decide(&cfg, CLASS_PDF, "exe", 0);
	assert_int_equal(pd.action, ACTION_BLOCK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_config_changes_policy),
		cmocka_unit_test(test_office),
		cmocka_unit_test(test_scan_only),
		cmocka_unit_test(test_dangerous_extension_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
