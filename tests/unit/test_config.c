/* test_config.c - defaults, the shipped file, and errors that name the line */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/config.h"
#include "mugai/passcand.h"
#include "filter.h"
#include "testutil.h"

static char *write_conf(const char *text)
{
	char *path = g_strdup("/tmp/mugai-conf-XXXXXX");
	int fd = g_mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int load(const char *text, struct mugai_config *cfg, char *err, size_t errlen)
{
	char *path = write_conf(text);
	int rc;

	config_defaults(cfg);
	rc = config_load(cfg, path, err, errlen);
	unlink(path);
	g_free(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct mugai_config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.pdf_dpi, 150);
	assert_int_equal(c.archive_max_depth, 5);
	assert_int_equal(c.pdf_action, ACTION_IMAGE_PDF);
	assert_int_equal(c.pdf_image_format, FILTER_IMG_JPEG);
	assert_string_equal(c.database_dir, "/var/lib/clamav");
	assert_true(c.input_max_size > 0 && c.filter_timeout > 0 && c.job_timeout > 0);
	assert_int_equal(c.retention_days, 30);
	assert_false(c.allow_release_original);
	assert_string_equal(c.admin_socket, "");
	assert_int_equal(c.pdf_text_layer, FILTER_TEXT_LAYER_AUTO);
	assert_int_equal(c.ocr, FILTER_OCR_AUTO);
	assert_string_equal(c.ocr_languages, "jpn+eng");
	assert_int_equal(c.ocr_dpi, 200);
	assert_true(c.ocr_page_timeout > 0);
}

static void test_shipped_file_is_the_defaults(void **state)
{
	struct mugai_config a, b;
	char err[512], *path = g_build_filename(getenv("MUGAI_SRC"), "conf", "mugai.conf", NULL);

	(void)state;
	config_defaults(&a);
	config_defaults(&b);
	assert_int_equal(config_load(&b, path, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	g_free(path);
}

static void test_values_and_suffixes(void **state)
{
	struct mugai_config c;
	char err[512];

	(void)state;
	assert_int_equal(load("[limits]\ninput_max_size = 2M\narchive_max_total_size = 3G\n"
			      "[policy]\npdf = text\nmode = image-pdf\npdf_image_format = flate\n"
			      "allow_mode_override = false\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.input_max_size, 2ULL << 20);
	assert_int_equal(c.archive_max_total_size, 3ULL << 30);
	assert_int_equal(c.pdf_action, ACTION_TEXT);
	assert_int_equal(c.mode, ACTION_IMAGE_PDF);
	assert_int_equal(c.pdf_image_format, FILTER_IMG_FLATE);
	assert_false(c.allow_mode_override);
	assert_int_equal(load("[daemon]\nretention_days = 0\nallow_release_original = true\n"
			      "admin_socket = /run/mugai/admin.sock\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.retention_days, 0);
	assert_true(c.allow_release_original);
	assert_string_equal(c.admin_socket, "/run/mugai/admin.sock");
}

static void expect_error(const char *text, const char *needle1, const char *needle2)
{
	struct mugai_config c;
	char err[512];

	assert_int_equal(load(text, &c, err, sizeof(err)), -1);
	if (strstr(err, needle1) == NULL || (needle2 != NULL && strstr(err, needle2) == NULL))
		fail_msg("error '%s' lacks '%s'/'%s'", err, needle1, needle2 ? needle2 : "");
}

/* the searchable-PDF keys (issue 17) */
static void test_ocr_keys(void **state)
{
	static const char *const bad[][2] = {
		{ "[policy]\nocr = sometimes\n", "auto, off, always" },
		{ "[policy]\npdf_text_layer = on\n", "auto, off" },
		{ "[policy]\nocr_languages = jpn;eng\n", "languages" },
		{ "[policy]\nocr_languages = +jpn\n", "languages" },
		{ "[policy]\nocr_languages = ../../etc\n", "languages" },
		{ "[policy]\nocr_dpi = 20\n", "out of range" },
		{ "[limits]\nocr_page_timeout = 0\n", "out of range" },
	};
	struct mugai_config c;
	char err[512];

	(void)state;
	assert_int_equal(load("[policy]\npdf_text_layer = off\nocr = always\n"
			      "ocr_languages = jpn_vert\nocr_dpi = 300\n[limits]\nocr_page_timeout = 5\n",
			      &c, err, sizeof(err)), 0);
	assert_int_equal(c.pdf_text_layer, FILTER_TEXT_LAYER_OFF);
	assert_int_equal(c.ocr, FILTER_OCR_ALWAYS);
	assert_string_equal(c.ocr_languages, "jpn_vert");
	assert_int_equal(c.ocr_dpi, 300);
	assert_int_equal(c.ocr_page_timeout, 5);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i][0], ":2:", bad[i][1]);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	expect_error("[limits]\n\nfoo = 1\n", ":3:", "unknown key 'foo'");
	expect_error("# c\n[nope]\nx=1\n", ":2:", "unknown section [nope]");
	expect_error("[limits]\npdf_max_pages = lots\n", ":2:", "not a number");
	expect_error("[limits]\npdf_max_pages = 0\n", ":2:", "out of range");
	expect_error("[policy]\n\n\npdf = run\n", ":4:", "not one of");
	expect_error("[policy]\nhtml = image-pdf\n", ":2:", "html");
	expect_error("[policy]\nallow_mode_override = maybe\n", ":2:", "true or false");
	expect_error("[policy\n", "group", NULL);
	expect_error("[limits]\ninput_max_size = 99999999999G\n", ":2:", "not a number");
	expect_error("[daemon]\nretention_days = 36501\n", ":2:", "out of range");
	expect_error("[daemon]\n\nallow_release_original = perhaps\n", ":3:", "true or false");
}

static void test_missing_and_huge_files(void **state)
{
	struct mugai_config c;
	char err[512];
	GString *big = g_string_new("[limits]\n");
	char *path;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/mugai.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/mugai.conf"));
	while (big->len <= 1024 * 1024)
		g_string_append(big, "# padding padding padding padding padding padding\n");
	path = write_conf(big->str);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 1 MiB"));
	unlink(path);
	g_free(path);
	g_string_free(big, TRUE);
}

/* the [mail] and [milter] sections */
static void test_mail_milter(void **state)
{
	struct mugai_config c;
	char err[512];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.mail_max_depth, 10);
	assert_int_equal(c.mail_html_drop, 0);
	assert_string_equal(c.mail_subject_tag, "");
	assert_string_equal(c.milter_intake_url, "http://127.0.0.1:8080");
	assert_int_equal(c.milter_job_timeout, 300);
	assert_int_equal(c.milter_max_inflight, 16);
	assert_int_equal(load("[mail]\nhtml = drop\nsubject_tag = [無害化]\nmax_depth = 4\n"
			      "[milter]\nintake_url = https://gw.example.lg.jp:8443\njob_timeout = 3\n"
			      "max_inflight = 2\nmessage_max_size = 20M\ntoken_file = /etc/mugai/t\n",
			      &c, err, sizeof(err)), 0);
	assert_int_equal(c.mail_html_drop, 1);
	assert_string_equal(c.mail_subject_tag, "[無害化]");
	assert_int_equal(c.mail_max_depth, 4);
	assert_string_equal(c.milter_intake_url, "https://gw.example.lg.jp:8443");
	assert_int_equal(c.milter_job_timeout, 3);
	assert_int_equal(c.milter_max_inflight, 2);
	assert_int_equal(c.milter_message_max_size, 20ULL << 20);
	assert_string_equal(c.milter_token_file, "/etc/mugai/t");
	/* errors name the line */
	assert_int_equal(load("[mail]\n\nhtml = keep\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3:"));
	assert_non_null(strstr(err, "text, drop"));
	assert_int_equal(load("[milter]\nmax_inflight = 0\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2:"));
	assert_int_equal(load("[milter]\nspeed = 9\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key"));
}

/* the [mail] limits outside data drives: default = the named constant,
 * range checked, errors naming the key and the line */
static void test_mail_limits(void **state)
{
	struct mugai_config c;
	char err[512];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.mail_max_containers, 256);
	assert_int_equal(load("[mail]\nmax_containers = 4096\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mail_max_containers, FILTERPROTO_MAIL_CONTAINERS_MAX);
	assert_int_equal(load("[mail]\nmax_containers = 1\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mail_max_containers, 1);
	assert_int_equal(load("[mail]\n\nmax_containers = 4097\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: [mail] max_containers: 4097 is out of range 1..4096"));
	assert_int_equal(load("[mail]\nmax_containers = 0\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "max_containers: 0 is out of range"));
	/* PPAP password candidates: the defaults are passcand.h's ceilings */
	config_defaults(&c);
	assert_int_equal(c.mail_ppap_max_candidates, PASSCAND_MAX);
	assert_int_equal(c.mail_ppap_max_candidate_bytes, PASSCAND_LEN_MAX);
	assert_int_equal(c.mail_ppap_max_text_bytes, PASSCAND_SCAN_MAX);
	assert_int_equal(load("[mail]\nppap_max_candidates = 2\nppap_max_candidate_bytes = 16\n"
			      "ppap_max_text_bytes = 4K\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mail_ppap_max_candidates, 2);
	assert_int_equal(c.mail_ppap_max_candidate_bytes, 16);
	assert_int_equal(c.mail_ppap_max_text_bytes, 4096);
	assert_int_equal(load("[mail]\nppap_max_candidates = 9\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: [mail] ppap_max_candidates: 9 is out of range 1..8"));
	assert_int_equal(load("[mail]\nppap_max_candidate_bytes = 65\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ppap_max_candidate_bytes: 65 is out of range 1..64"));
	assert_int_equal(load("[mail]\nppap_max_text_bytes = 257K\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ppap_max_text_bytes: 263168 is out of range 1..262144"));
	assert_int_equal(load("[mail]\nppap_max_candidates = 0\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ppap_max_candidates: 0 is out of range"));
	/* a mail job's envelope at mugaid's intake */
	config_defaults(&c);
	assert_int_equal(c.mail_max_recipients, 1000);
	assert_int_equal(c.mail_max_address_bytes, 512);
	assert_int_equal(load("[mail]\nmax_recipients = 50\nmax_address_bytes = 256\n", &c, err,
			      sizeof(err)), 0);
	assert_int_equal(c.mail_max_recipients, 50);
	assert_int_equal(c.mail_max_address_bytes, 256);
	assert_int_equal(load("[mail]\nmax_recipients = 0\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: [mail] max_recipients: 0 is out of range 1..100000"));
	assert_int_equal(load("[mail]\nmax_address_bytes = 5K\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "max_address_bytes: 5120 is out of range 1..4096"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_milter),
		cmocka_unit_test(test_mail_limits),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_file_is_the_defaults),
		cmocka_unit_test(test_values_and_suffixes),
		cmocka_unit_test(test_ocr_keys),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_missing_and_huge_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
