/*
 * test_job_attack.c - a compromised mime-unpack against mugaid's use of the
 * texts it makes (src/core/job.c job_pretext).  The claim under test: what
 * mugaid releases under a text part is what a text filter run on that
 * part's member could have produced, whatever mime-unpack (the process that
 * parsed the whole hostile message) writes; every doubtful case runs the
 * text filter.  The liars are in mugai-filter-test
 * (tests/filterd/test_filters.c, test-mime-unpack-*); policy_decide is
 * wrapped (tests/CMakeLists.txt) to send a mail to one of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "jobfx.h"

/* the filter a mail (mime-unpack's items) goes to instead, or NULL */
static const char *liar;

void __wrap_policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
			  int requested_mode, struct policy_decision *out)
{
	__real_policy_decide(cfg, d, requested_mode, out);
	if (liar != NULL && out->action == ACTION_MAIL)
		out->filter = liar;
}

/* mugai-filter-test carries the real filters and the liars */
static int setup(void **state)
{
	struct fx *fx = fx_open();
	const char *bin = getenv("MUGAI_BIN");

	assert_non_null(bin);
	snprintf(fx->cfg.filter_path, sizeof(fx->cfg.filter_path), "%s/mugai-filter-test", bin);
	liar = NULL;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	liar = NULL;
	return 0;
}

static json_t *run_mail(struct fx *fx, const char *data, size_t len, const char *name, int mode)
{
	return run_with(fx, data, len, name, mode, NULL);
}

/* no item of the report took a text from mime-unpack */
static void assert_no_pretext(json_t *r)
{
	size_t i;
	json_t *it;

	json_array_foreach(json_object_get(r, "items"), i, it)
		assert_null(json_object_get(it, "filter_in"));
}

/* A part the text filter would refuse ([limits] text_max_bytes: the body's
 * 12 bytes over 11) is never released from a text mime-unpack made
 * regardless of the limit: the text filter runs on it and refuses it; the
 * memo (10 bytes) may still be taken. */
static void test_text_of_a_part_over_text_max_bytes_not_taken(void **state)
{
	struct fx *fx = *state;
	json_t *r, *body, *memo;
	char *msg;

	fx->cfg.text_max_bytes = 11;
	liar = "test-mime-unpack-nolimit";
	r = run_mail(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	body = item(r, "m.eml/body-1.1.txt");
	memo = item(r, "m.eml/memo.txt");
	assert_non_null(body);
	assert_non_null(memo);
	assert_null(json_object_get(body, "filter_in"));
	assert_string_equal(str(body, "verdict"), "blocked");
	assert_non_null(strstr(str(body, "reason"), "text_max_bytes"));
	assert_string_equal(str(memo, "filter_in"), "mime-unpack");
	assert_string_equal(str(r, "verdict"), "released");
	msg = released(fx);
	assert_false(in_mail(msg, strlen(msg), "本文です", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 1));
	g_free(msg);
}

/* A text longer than the text filter ever makes of its member (at most
 * three UTF-8 bytes per byte read: a half-width katakana in CP932) is not
 * the member's text: the filter runs, and its text is what is released. */
static void test_text_longer_than_its_member_makes_not_taken(void **state)
{
	struct fx *fx = *state;
	json_t *r;
	char *msg;

	liar = "test-mime-unpack-grown";
	r = run_mail(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	assert_string_equal(str(r, "verdict"), "released");
	assert_no_pretext(r);
	assert_string_equal(str(item(r, "m.eml/memo.txt"), "filter_note"), "text from CP932");
	msg = released(fx);
	assert_false(in_mail(msg, strlen(msg), "grown", 1));
	assert_true(in_mail(msg, strlen(msg), "本文です", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 1));
	g_free(msg);
}

/* A text that is not a regular file (a directory where t000001 should be)
 * is not opened as one: the text filter runs (sound before this file). */
static void test_text_that_is_a_directory_not_taken(void **state)
{
	struct fx *fx = *state;
	json_t *r;
	char *msg;

	liar = "test-mime-unpack-dir";
	r = run_mail(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	assert_string_equal(str(r, "verdict"), "released");
	assert_no_pretext(r);
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "本文です", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 1));
	g_free(msg);
}

/* text_mail attached as fwd.eml (application/octet-stream: mime-unpack
 * does not open it, mugaid's detection makes it a mail of its own) */
static char *forwarded_mail(void)
{
	gchar *b64 = g_base64_encode((const guchar *)text_mail, sizeof(text_mail) - 1);
	char *m = g_strdup_printf(
		"From: c@example.jp\r\nTo: d@example.jp\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"o1\"\r\n\r\n"
		"--o1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n転送します\r\n"
		"--o1\r\nContent-Type: application/octet-stream; name=\"fwd.eml\"\r\n"
		"Content-Disposition: attachment; filename=\"fwd.eml\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--o1--\r\n", b64);

	g_free(b64);
	return m;
}

/* A forwarded message: the inner mail's texts come from the inner
 * mime-unpack's run (its sandbox named), the outer's from the outer's;
 * the text the outer names beside the .eml member is never used for it. */
static void test_forwarded_mail_texts_from_their_own_mime_unpack(void **state)
{
	struct fx *fx = *state;
	char *mail = forwarded_mail(), *msg;
	json_t *r = run_mail(fx, mail, strlen(mail), "o.eml", ACTION_MAIL);
	json_t *outer = item(r, "o.eml/body-1.1.txt"), *inner = item(r, "o.eml/fwd.eml");
	json_t *memo = item(r, "o.eml/fwd.eml/memo.txt");

	assert_string_equal(str(r, "verdict"), "released");
	assert_non_null(outer);
	assert_non_null(inner);
	assert_non_null(memo);
	assert_string_equal(str(outer, "filter_in"), "mime-unpack");
	assert_string_equal(str(outer, "sandbox"), str(item(r, "o.eml"), "sandbox"));
	assert_null(json_object_get(inner, "filter_in"));
	assert_string_equal(str(inner, "filter"), "mime-unpack,mime-repack");
	assert_string_equal(str(memo, "filter_in"), "mime-unpack");
	assert_string_equal(str(memo, "sandbox"), str(inner, "sandbox"));
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 2));
	g_free(msg);
	g_free(mail);
}

/* The same with a lying mime-unpack at both levels: no dirty text at any
 * depth, each part's text from a text filter run */
static void test_forwarded_mail_dirty_texts_not_taken(void **state)
{
	struct fx *fx = *state;
	char *mail = forwarded_mail(), *msg;
	json_t *r;

	liar = "test-mime-unpack-dirty";
	r = run_mail(fx, mail, strlen(mail), "o.eml", ACTION_MAIL);
	assert_string_equal(str(r, "verdict"), "released");
	assert_no_pretext(r);
	msg = released(fx);
	assert_false(in_mail(msg, strlen(msg), "dirty", 2));
	assert_true(in_mail(msg, strlen(msg), "転送します", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 2));
	g_free(msg);
	g_free(mail);
}

/* A zip of messages: each message's parts take their texts from that
 * message's mime-unpack run; a lying one gets the text filter run on each
 * part, and nothing dirty is released. */
static void test_zip_of_eml_texts(void **state)
{
	struct fx *fx = *state;
	static const char *const parts[] = { "a.eml", text_mail, NULL };
	GByteArray *zip = tu_zip_of(parts);
	json_t *r = run_mail(fx, (const char *)zip->data, zip->len, "mails.zip", 0);
	json_t *memo = item(r, "mails.zip/a.eml/memo.txt");
	char *msg;

	assert_string_equal(str(r, "verdict"), "released");
	assert_non_null(memo);
	assert_string_equal(str(memo, "filter_in"), "mime-unpack");
	assert_string_equal(str(memo, "sandbox"), str(item(r, "mails.zip/a.eml"), "sandbox"));
	liar = "test-mime-unpack-dirty";
	r = run_mail(fx, (const char *)zip->data, zip->len, "mails.zip", 0);
	assert_string_equal(str(r, "verdict"), "released");
	assert_no_pretext(r);
	msg = released(fx);
	assert_false(in_mail(msg, strlen(msg), "dirty", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 1));
	g_free(msg);
	g_byte_array_unref(zip);
}

/* A PPAP mail: a body whose text mime-unpack made names the password of an
 * encrypted zip; the zip is held on its first run and opened by the re-run
 * with the body's candidate (job_mail_part_tries), the body's text still
 * mime-unpack's, released once.  A lying mime-unpack: the body's text from
 * the text filter, the same outcome. */
static void test_ppap_mail_with_a_text_from_mime_unpack(void **state)
{
	struct fx *fx = *state;
	char *tmp = tu_tmpdir(NULL), *cmd, *zpath, *zip = NULL, *mail, *msg;
	gchar *b64;
	gsize zlen = 0;
	struct passcand pc;
	json_t *r;

	cmd = g_strdup_printf("cd '%s' && printf 'naiyou desu\\n' > s.txt && "
			      "zip -q -P himitsu42 e.zip s.txt", tmp);
	zpath = g_strdup_printf("%s/e.zip", tmp);
	if (system(cmd) != 0 || !g_file_get_contents(zpath, &zip, &zlen, NULL)) {
		print_message("zip not installed: PPAP case skipped\n");
		g_free(zpath);
		g_free(cmd);
		tu_rmrf(tmp);
		return;
	}
	b64 = g_base64_encode((const guchar *)zip, zlen);
	mail = g_strdup_printf(
		"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: ppap\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"p1\"\r\n\r\n"
		"--p1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
		"資料です。\r\nパスワード: himitsu42\r\n"
		"--p1\r\nContent-Type: application/zip; name=\"e.zip\"\r\n"
		"Content-Disposition: attachment; filename=\"e.zip\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--p1--\r\n", b64);
	for (int lying = 0; lying < 2; lying++) {
		liar = lying ? "test-mime-unpack-dirty" : NULL;
		passcand_init(&pc, NULL);
		r = run_with(fx, mail, strlen(mail), "p.eml", ACTION_MAIL, &pc);
		assert_string_equal(str(r, "verdict"), "released");
		if (lying)
			assert_no_pretext(r);
		else
			assert_string_equal(str(item(r, "p.eml/body-1.1.txt"), "filter_in"),
					    "mime-unpack");
		assert_string_equal(str(item(r, "p.eml/e.zip/s.txt"), "verdict"), "repacked");
		msg = released(fx);
		assert_true(in_mail(msg, strlen(msg), "naiyou desu", 1));
		assert_true(in_mail(msg, strlen(msg), "パスワード: himitsu42", 1));
		assert_false(in_mail(msg, strlen(msg), "dirty", 1));
		g_free(msg);
		/* the release directory holds one rebuilt message per run */
		json_decref(fx->report);
		fx->report = NULL;
		tu_rmrf(fx->out);
		close(fx->out_fd);
		fx->out = tu_tmpdir(&fx->out_fd);
		passcand_clear(&pc);
	}
	g_free(mail);
	g_free(b64);
	g_free(zip);
	g_free(zpath);
	g_free(cmd);
	tu_rmrf(tmp);
}

/* A text named beside every part, whatever it is: taken only for a part
 * mugaid itself would give the text filter alone, never for an HTML
 * attachment (html-text), a zip (unpack; its members are the zip's), a
 * script (blocked) */
static void test_text_beside_a_part_not_for_the_text_filter_not_taken(void **state)
{
	struct fx *fx = *state;
	static const char *const parts[] = { "memo.txt", "会議メモ\n", NULL };
	GByteArray *zip = tu_zip_of(parts);
	gchar *zb64 = g_base64_encode(zip->data, zip->len);
	char *mail = g_strdup_printf(
		"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: all\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"a1\"\r\n\r\n"
		"--a1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n本文です\r\n"
		"--a1\r\nContent-Type: text/html; charset=UTF-8; name=\"page.html\"\r\n"
		"Content-Disposition: attachment; filename=\"page.html\"\r\n\r\n"
		"<html><body><p>お知らせ</p></body></html>\r\n"
		"--a1\r\nContent-Type: application/zip; name=\"tools.zip\"\r\n"
		"Content-Disposition: attachment; filename=\"tools.zip\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n"
		"--a1\r\nContent-Type: application/x-sh; name=\"run.sh\"\r\n"
		"Content-Disposition: attachment; filename=\"run.sh\"\r\n\r\n"
		"#!/bin/sh\nrm -rf \"$HOME\"\n\r\n--a1--\r\n", zb64);
	json_t *r;
	char *msg;

	liar = "test-mime-unpack-alltext";
	r = run_mail(fx, mail, strlen(mail), "a.eml", ACTION_MAIL);
	assert_string_equal(str(r, "verdict"), "released");
	assert_string_equal(str(item(r, "a.eml/body-1.1.txt"), "filter_in"), "mime-unpack");
	assert_string_equal(str(item(r, "a.eml/page.html"), "filter"), "html-text");
	assert_null(json_object_get(item(r, "a.eml/page.html"), "filter_in"));
	assert_string_equal(str(item(r, "a.eml/tools.zip"), "verdict"), "unpacked");
	assert_null(json_object_get(item(r, "a.eml/tools.zip"), "filter_in"));
	assert_null(json_object_get(item(r, "a.eml/tools.zip/memo.txt"), "filter_in"));
	assert_string_equal(str(item(r, "a.eml/run.sh"), "verdict"), "blocked");
	msg = released(fx);
	assert_false(in_mail(msg, strlen(msg), "claimed text", 1));
	assert_true(in_mail(msg, strlen(msg), "会議メモ\n", 1));
	assert_true(in_mail(msg, strlen(msg), "お知らせ", 1));
	g_free(msg);
	/* the liar at work: beside data.bin, which mugaid does give the text
	 * filter alone, its clean text of a plausible length is taken (what
	 * a text is made of, mugaid cannot tell: mime-unpack writes the
	 * member too) */
	r = run_mail(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	assert_string_equal(str(item(r, "m.eml/data.bin"), "filter_in"), "mime-unpack");
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "claimed text", 1));
	g_free(msg);
	g_free(mail);
	g_free(zb64);
	g_byte_array_unref(zip);
}

/* A mime-unpack that names one member again and again (the same file:
 * no byte more for archive_max_total_size to count) gets no more parts
 * through the pipeline than [limits] archive_max_members: the mail is
 * blocked, nothing released, as an archive with too many members is. */
static void test_mail_part_count_bounded_whatever_the_manifest(void **state)
{
	struct fx *fx = *state;
	json_t *r;

	fx->cfg.archive_max_members = 50;
	liar = "test-mime-unpack-repeat";
	r = run_mail(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	assert_string_equal(str(r, "verdict"), "blocked");
	assert_non_null(strstr(str(r, "reason"), "archive-too-many-members"));
	assert_int_equal(json_array_size(json_object_get(r, "artefacts")), 0);
	assert_true(json_array_size(json_object_get(r, "items")) <= 52);
	/* the honest split of the same mail is well within it */
	liar = NULL;
	r = run_mail(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	assert_string_equal(str(r, "verdict"), "released");
}

/* A mime-unpack that calls every part a text/plain body without a name
 * (whose type mugaid then takes as declared, not detected) and names a
 * clean text beside each: what comes out of a relabelled attachment is
 * clean text or a notice, never its bytes; ClamAV still finds the EICAR
 * one; in scan-only mode as well (a declared body is never released byte
 * for byte). */
static void test_attachments_called_bodies_give_only_text(void **state)
{
	struct fx *fx = *state;
	static const char eicar[] =
		"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
	static const unsigned char exe[] = { 'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0,
					     0xff, 0xff, 'P', 'E', 0, 0 };
	gchar *xb64 = g_base64_encode(exe, sizeof(exe));
	char *mail = g_strdup_printf(
		"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: all\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"a1\"\r\n\r\n"
		"--a1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n本文です\r\n"
		"--a1\r\nContent-Type: application/x-sh; name=\"run.sh\"\r\n"
		"Content-Disposition: attachment; filename=\"run.sh\"\r\n\r\n"
		"#!/bin/sh\nrm -rf \"$HOME\"\x01\n\r\n"
		"--a1\r\nContent-Type: application/octet-stream; name=\"setup.exe\"\r\n"
		"Content-Disposition: attachment; filename=\"setup.exe\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n"
		"--a1\r\nContent-Type: application/octet-stream; name=\"e.com\"\r\n"
		"Content-Disposition: attachment; filename=\"e.com\"\r\n\r\n%s\r\n--a1--\r\n",
		xb64, eicar);
	json_t *r, *e;
	char *msg;

	liar = "test-mime-unpack-allbody";
	for (int scan = 0; scan < 2; scan++) {
		fx->cfg.mode = scan ? ACTION_SCAN : fx->cfg.mode;
		fx->cfg.allow_scan_only = scan;
		r = run_mail(fx, mail, strlen(mail), "a.eml", ACTION_MAIL);
		assert_string_equal(str(r, "verdict"), "released");
		e = item(r, "a.eml/e.com");
		assert_non_null(e);
		assert_string_equal(str(e, "verdict"), "blocked");
		assert_non_null(strstr(str(e, "reason"), "malware"));
		msg = released(fx);
		assert_true(in_mail(msg, strlen(msg), "本文です", 1));
		assert_false(in_mail(msg, strlen(msg), "rm -rf", 1));
		assert_false(in_mail(msg, strlen(msg), "\x01", 1));
		assert_false(in_mail(msg, strlen(msg), "MZ", 1));
		assert_false(in_mail(msg, strlen(msg), "EICAR", 1));
		assert_false(in_mail(msg, strlen(msg), "filename=", 0));
		g_free(msg);
	}
	g_free(mail);
	g_free(xb64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_of_a_part_over_text_max_bytes_not_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_longer_than_its_member_makes_not_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_that_is_a_directory_not_taken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forwarded_mail_texts_from_their_own_mime_unpack,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwarded_mail_dirty_texts_not_taken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zip_of_eml_texts, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_text_beside_a_part_not_for_the_text_filter_not_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ppap_mail_with_a_text_from_mime_unpack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attachments_called_bodies_give_only_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mail_part_count_bounded_whatever_the_manifest,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
