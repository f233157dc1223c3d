/*
 * test_job.c - job_process, the pipeline entry, against the real filter
 * helpers (mugai-filter, mugai-filter-lite beside this program) and against
 * mugai-filter-test, whose filters misbehave on purpose
 * (tests/filterd/test_filters.c).  policy_decide is wrapped
 * (-Wl,--wrap=policy_decide, see tests/CMakeLists.txt) so that a test can
 * send an item to one of those filters instead of the policy's choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "jobfx.h"

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/* the filter every item that would be filtered goes to instead, or NULL */
static const char *force_filter;
/* the filter a mail (mime-unpack's items) goes to instead, or NULL */
static const char *force_mail_filter;

void __wrap_policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
			  int requested_mode, struct policy_decision *out)
{
	__real_policy_decide(cfg, d, requested_mode, out);
	if (force_mail_filter != NULL && out->action == ACTION_MAIL)
		out->filter = force_mail_filter;
	if (force_filter != NULL && out->filter != NULL && out->action != ACTION_UNPACK) {
		out->filter = force_filter;
		out->then = NULL;
	}
}

static int setup(void **state)
{
	force_filter = NULL;
	force_mail_filter = NULL;
	*state = fx_open();
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	force_filter = NULL;
	force_mail_filter = NULL;
	return 0;
}

/* mugai-filter-test for every filter, with short limits for the ones that hang */
static void use_test_filters(struct fx *fx)
{
	const char *bin = getenv("MUGAI_BIN");

	assert_non_null(bin);
	snprintf(fx->cfg.filter_path, sizeof(fx->cfg.filter_path), "%s/mugai-filter-test", bin);
	fx->cfg.filter_timeout = 3;
	fx->cfg.filter_cpu_seconds = 2;
}

static json_t *run_mode(struct fx *fx, const void *data, size_t len, const char *name, int mode)
{
	return run_with(fx, data, len, name, mode, NULL);
}

static json_t *run(struct fx *fx, const void *data, size_t len, const char *name)
{
	return run_with(fx, data, len, name, 0, NULL);
}

static void assert_nothing_released(struct fx *fx)
{
	assert_int_equal(json_array_size(json_object_get(fx->report, "artefacts")), 0);
	assert_int_equal(tu_count(fx->out_fd), 0);
}

static void test_text_released(void **state)
{
	struct fx *fx = *state;
	json_t *r = run(fx, "会議の議事録\n", strlen("会議の議事録\n"), "議事録.txt");
	json_t *a = json_array_get(json_object_get(r, "artefacts"), 0);
	char *data;

	assert_string_equal(str(r, "verdict"), "released");
	assert_int_equal(json_array_size(json_object_get(r, "artefacts")), 1);
	assert_string_equal(str(a, "path"), "議事録.txt");
	assert_string_equal(str(a, "mode"), "text");
	assert_string_equal(str(item(r, "議事録.txt"), "filter"), "text");
	data = tu_read_at(fx->out_fd, "議事録.txt", NULL);
	assert_non_null(data);
	assert_string_equal(data, "会議の議事録\n");
	g_free(data);
	assert_int_equal(tu_count(fx->out_fd), 1);
}

/* the released name says which type the original was (issue 14 point 5) */
static void test_html_released_under_a_name_telling_its_type(void **state)
{
	struct fx *fx = *state;
	static const char html[] = "<html><body><p>お知らせ</p><script>x()</script></body></html>";
	json_t *r = run(fx, html, sizeof(html) - 1, "notice_ja.html");

	assert_string_equal(str(r, "verdict"), "released");
	assert_string_equal(str(json_array_get(json_object_get(r, "artefacts"), 0), "path"),
			    "notice_ja_html.txt");
	assert_int_equal(faccessat(fx->out_fd, "notice_ja_html.txt", F_OK, 0), 0);
}

static void test_eicar_blocked(void **state)
{
	struct fx *fx = *state;
	json_t *r = run(fx, eicar, sizeof(eicar) - 1, "eicar.txt");

	assert_string_equal(str(r, "verdict"), "blocked");
	assert_non_null(strstr(str(r, "reason"), "malware"));
	assert_non_null(strstr(str(r, "reason"), "Eicar"));
	assert_nothing_released(fx);
}

static void test_crashing_filter_fails_with_nothing_released(void **state)
{
	struct fx *fx = *state;
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];
	json_t *r;

	use_test_filters(fx);
	force_filter = "test-crash";
	/* under ASan the child's SEGV handler would turn the crash into exit(1) */
	snprintf(opts, sizeof(opts), "%s%shandle_segv=0", asan ? asan : "", asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	r = run(fx, "hello\n", 6, "memo.txt");
	if (asan != NULL)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	assert_string_equal(str(r, "verdict"), "failed");
	assert_non_null(strstr(str(r, "reason"), "filter-crashed"));
	assert_string_equal(str(item(r, "memo.txt"), "verdict"), "failed");
	assert_nothing_released(fx);
}

static void test_hanging_filter_fails_with_nothing_released(void **state)
{
	struct fx *fx = *state;
	json_t *r;

	use_test_filters(fx);
	force_filter = "test-loop";
	r = run(fx, "hello\n", 6, "memo.txt");
	assert_string_equal(str(r, "verdict"), "failed");
	assert_true(strstr(str(r, "reason"), "filter-cpu-limit") != NULL ||
		    strstr(str(r, "reason"), "filter-timeout") != NULL);
	assert_nothing_released(fx);
}

/* A filter that says OK but names no output: nothing is guessed, not even
 * the out.txt it wrote. */
static void test_filter_naming_no_output_fails(void **state)
{
	struct fx *fx = *state;
	json_t *r;

	use_test_filters(fx);
	force_filter = "test-unnamed";
	r = run(fx, "hello\n", 6, "memo.txt");
	assert_string_equal(str(r, "verdict"), "failed");
	assert_non_null(strstr(str(r, "reason"), "wrote no output"));
	assert_nothing_released(fx);
	/* the same filter helper with a filter that names its output: released */
	force_filter = "test-ok";
	r = run(fx, "hello\n", 6, "memo.txt");
	assert_string_equal(str(r, "verdict"), "released");
	assert_string_equal(str(item(r, "memo.txt"), "filter"), "test-ok");
}

static void test_archive_with_a_blocked_member(void **state)
{
	struct fx *fx = *state;
	static const char *const parts[] = { "memo.txt", "住民票の写し\n", "tools/run.exe",
					     "not really a program\n", NULL };
	GByteArray *zip = tu_zip_of(parts);
	json_t *r = run(fx, zip->data, zip->len, "z.zip");
	json_t *a = json_array_get(json_object_get(r, "artefacts"), 0);
	char *data;

	g_byte_array_free(zip, TRUE);
	assert_string_equal(str(r, "verdict"), "released");
	assert_string_equal(str(r, "reason"), "1 member(s) not released");
	assert_string_equal(str(item(r, "z.zip"), "verdict"), "unpacked");
	assert_string_equal(str(item(r, "z.zip/tools/run.exe"), "verdict"), "blocked");
	assert_non_null(strstr(str(item(r, "z.zip/tools/run.exe"), "reason"),
			       "dangerous-extension"));
	assert_string_equal(str(item(r, "z.zip/memo.txt"), "verdict"), "released");
	assert_int_equal(json_array_size(json_object_get(r, "artefacts")), 1);
	assert_string_equal(str(a, "path"), "z/memo.txt");
	data = tu_read_at(fx->out_fd, "z/memo.txt", NULL);
	assert_non_null(data);
	assert_string_equal(data, "住民票の写し\n");
	g_free(data);
	assert_int_equal(faccessat(fx->out_fd, "z/tools", F_OK, 0), -1);
}

/* malware in any member: the whole job is blocked, nothing of it released */
static void test_archive_with_eicar_blocked(void **state)
{
	struct fx *fx = *state;
	static const char *const parts[] = { "memo.txt", "hello\n", "eicar.com", eicar, NULL };
	GByteArray *zip = tu_zip_of(parts);
	json_t *r = run(fx, zip->data, zip->len, "z.zip");

	g_byte_array_free(zip, TRUE);
	assert_string_equal(str(r, "verdict"), "blocked");
	assert_non_null(strstr(str(r, "reason"), "Eicar"));
	assert_nothing_released(fx);
}

/* A mail's parts declared text get their text from mime-unpack's run, which
 * converted them with the text filter's code: no text filter process for
 * them (filter_in), the same outcome; text declared otherwise (data.bin)
 * goes to the text filter as before. */
static void test_mail_text_parts_converted_in_mime_unpack(void **state)
{
	struct fx *fx = *state;
	json_t *r = run_mode(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	json_t *body = item(r, "m.eml/body-1.1.txt"), *memo = item(r, "m.eml/memo.txt");
	json_t *bin = item(r, "m.eml/data.bin");
	char *msg;

	assert_string_equal(str(r, "verdict"), "released");
	assert_non_null(body);
	assert_non_null(memo);
	assert_non_null(bin);
	assert_string_equal(str(body, "filter"), "text");
	assert_string_equal(str(body, "filter_in"), "mime-unpack");
	assert_string_equal(str(memo, "filter"), "text");
	assert_string_equal(str(memo, "filter_in"), "mime-unpack");
	assert_string_equal(str(memo, "filter_note"), "text from CP932");
	assert_string_equal(str(memo, "sandbox"), str(item(r, "m.eml"), "sandbox"));
	assert_string_equal(str(bin, "filter"), "text");
	assert_null(json_object_get(bin, "filter_in"));
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "本文です", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 1));
	assert_true(in_mail(msg, strlen(msg), "plain words only", 1));
	g_free(msg);
}

/* What the process that parsed the whole message says is a part's text is
 * taken only when it is clean text: a mime-unpack that lies (a compromised
 * GMime: escape sequences, a NUL, a bidi override) gets the text filter run
 * on the part, whose text is what is released. */
static void test_mail_dirty_text_from_mime_unpack_not_taken(void **state)
{
	struct fx *fx = *state;
	json_t *r, *memo;
	char *msg;

	use_test_filters(fx);
	force_mail_filter = "test-mime-unpack-dirty";
	r = run_mode(fx, text_mail, sizeof(text_mail) - 1, "m.eml", ACTION_MAIL);
	memo = item(r, "m.eml/memo.txt");
	assert_string_equal(str(r, "verdict"), "released");
	assert_string_equal(str(item(r, "m.eml"), "filter"), "mime-unpack,mime-repack");
	assert_non_null(memo);
	assert_null(json_object_get(memo, "filter_in"));
	assert_null(json_object_get(item(r, "m.eml/body-1.1.txt"), "filter_in"));
	assert_string_equal(str(memo, "filter_note"), "text from CP932");
	msg = released(fx);
	assert_false(in_mail(msg, strlen(msg), "dirty", 1));
	assert_true(in_mail(msg, strlen(msg), "本文です", 1));
	assert_true(in_mail(msg, strlen(msg), "メモです\n", 1));
	g_free(msg);
}

/* A text/plain body is the mail's text: kept as text whatever libmagic
 * would call it (before, a body starting "#!/bin/sh" was a script to it,
 * removed by the policy as a forbidden type, and the notice called the
 * body an attachment "body-1.1.txt").  Its type is the declared one (the
 * report says so), its text mime-unpack's; an attachment with the same
 * content is still judged by its detected type; ClamAV still scans a
 * body, and a body that is no text (an executable labelled text/plain)
 * is still detected and removed. */
static const char script_mail[] =
	"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: script\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	"--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
	"#!/bin/sh\r\n# 手順です\r\nrm -f /tmp/old.log\r\n"
	"--b1\r\nContent-Type: text/plain; name=\"run.txt\"\r\n"
	"Content-Disposition: attachment; filename=\"run.txt\"\r\n\r\n"
	"#!/bin/sh\r\nrm -f /tmp/old.log\r\n--b1--\r\n";

static void test_mail_body_is_text_whatever_it_looks_like(void **state)
{
	struct fx *fx = *state;
	json_t *r = run_mode(fx, script_mail, sizeof(script_mail) - 1, "m.eml", ACTION_MAIL);
	json_t *body = item(r, "m.eml/body-1.1.txt"), *att = item(r, "m.eml/run.txt");
	char *msg;

	assert_string_equal(str(r, "verdict"), "released");
	assert_non_null(body);
	assert_non_null(att);
	assert_string_equal(str(body, "verdict"), "repacked");
	assert_string_equal(str(body, "filter_in"), "mime-unpack");
	assert_string_equal(str(json_object_get(body, "type"), "mime"), "text/plain");
	assert_true(json_is_true(json_object_get(json_object_get(body, "type"), "declared")));
	assert_string_equal(str(att, "verdict"), "blocked");
	assert_string_equal(str(json_object_get(att, "type"), "mime"), "text/x-shellscript");
	assert_null(json_object_get(json_object_get(att, "type"), "declared"));
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "# 手順です", 1));
	assert_false(in_mail(msg, strlen(msg), "body-1.1.txt", 1));
	assert_true(in_mail(msg, strlen(msg), "run.txt", 1));
	g_free(msg);
}

static void test_mail_body_still_scanned_and_detected_when_no_text(void **state)
{
	struct fx *fx = *state;
	GString *m = g_string_new("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: x\r\n"
				  "MIME-Version: 1.0\r\n"
				  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
				  "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
	static const unsigned char exe[] = { 'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff };
	json_t *r, *body;
	char *b64 = g_base64_encode(exe, sizeof(exe));

	g_string_append_printf(m, "%s\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n"
			       "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b1--\r\n",
			       eicar, b64);
	g_free(b64);
	r = run_mode(fx, m->str, m->len, "m.eml", ACTION_MAIL);
	g_string_free(m, TRUE);
	body = item(r, "m.eml/body-1.1.txt");
	assert_non_null(body);
	assert_string_equal(str(body, "verdict"), "blocked");
	assert_non_null(strstr(str(body, "reason"), "malware"));
	body = item(r, "m.eml/body-1.2.txt");
	assert_non_null(body);
	assert_string_equal(str(body, "verdict"), "blocked");
	assert_string_not_equal(str(json_object_get(body, "type"), "mime"), "text/plain");
	assert_null(json_object_get(json_object_get(body, "type"), "declared"));
}

/* In scan-only mode ([policy] mode = scan, allow_scan_only) plain text is
 * released byte for byte, which rests on libmagic having read it as text.
 * A text/plain body is typed as declared, not read: it must not be
 * released byte for byte on that word alone.  Its text is what the text
 * filter makes of it (clean: no control character), as in the other modes. */
static const char dirty_body_mail[] =
	"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: ctl\r\nMIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n\r\n"
	"#!/bin/sh\r\necho ring\x07\x01\x02\x1b[2J\xe2\x80\xae" "gpj.exe\r\n";

static void test_mail_body_declared_never_released_raw_in_scan_mode(void **state)
{
	struct fx *fx = *state;
	json_t *r, *body;
	char *msg;

	fx->cfg.mode = ACTION_SCAN;
	fx->cfg.allow_scan_only = true;
	r = run_mode(fx, dirty_body_mail, sizeof(dirty_body_mail) - 1, "m.eml", ACTION_MAIL);
	body = item(r, "m.eml/body-1.txt");
	assert_non_null(body);
	assert_string_equal(str(body, "verdict"), "repacked");
	assert_string_equal(str(body, "action"), "text");
	assert_string_equal(str(body, "filter_in"), "mime-unpack");
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "echo ring", 1));
	assert_false(in_mail(msg, strlen(msg), "\x01", 1));
	assert_false(in_mail(msg, strlen(msg), "\x1b", 1));
	assert_false(in_mail(msg, strlen(msg), "\xe2\x80\xae", 1));
	g_free(msg);
}

/* A text part an attachment in all but name (a name no file can have, an
 * inline disposition, an upper-case type) is a body: its type declared,
 * it is delivered as the mail's text, inline and nameless, never as a
 * file a client would save; a text part sent as an attachment without a
 * name stays an attachment, judged by its detected type. */
static const char nameless_mail[] =
	"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: names\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	"--b1\r\nContent-Type: TEXT/PLAIN; charset=UTF-8; name=\"..\"\r\n"
	"Content-Disposition: INLINE; filename=\"\xe2\x80\xae\"\r\n\r\n"
	"#!/bin/sh\r\necho one\r\n"
	"--b1\r\nContent-Type: text/plain; name=\" . \"\r\n\r\n"
	"#!/bin/sh\r\necho two\r\n"
	"--b1\r\nContent-Type: text/plain\r\nContent-Disposition: ATTACHMENT\r\n\r\n"
	"#!/bin/sh\r\necho three\r\n--b1--\r\n";

static void test_mail_nameless_text_parts_are_inline_text(void **state)
{
	struct fx *fx = *state;
	json_t *r = run_mode(fx, nameless_mail, sizeof(nameless_mail) - 1, "m.eml", ACTION_MAIL);
	json_t *b1 = item(r, "m.eml/body-1.1.txt"), *b2 = item(r, "m.eml/body-1.2.txt");
	json_t *att = item(r, "m.eml/attachment-1.3");
	char *msg;

	assert_string_equal(str(r, "verdict"), "released");
	assert_non_null(b1);
	assert_non_null(b2);
	assert_non_null(att);
	assert_true(json_is_true(json_object_get(json_object_get(b1, "type"), "declared")));
	assert_true(json_is_true(json_object_get(json_object_get(b2, "type"), "declared")));
	assert_string_equal(str(att, "verdict"), "blocked");
	assert_null(json_object_get(json_object_get(att, "type"), "declared"));
	msg = released(fx);
	assert_true(in_mail(msg, strlen(msg), "echo one", 1));
	assert_true(in_mail(msg, strlen(msg), "echo two", 1));
	assert_false(in_mail(msg, strlen(msg), "echo three", 1));
	assert_false(in_mail(msg, strlen(msg), "filename=\"body", 0));
	assert_false(in_mail(msg, strlen(msg), "name=\"..\"", 0));
	g_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_released_under_a_name_telling_its_type,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_eicar_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crashing_filter_fails_with_nothing_released,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hanging_filter_fails_with_nothing_released,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_naming_no_output_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_archive_with_a_blocked_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_with_eicar_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_text_parts_converted_in_mime_unpack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mail_dirty_text_from_mime_unpack_not_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_body_is_text_whatever_it_looks_like,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_body_still_scanned_and_detected_when_no_text,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_body_declared_never_released_raw_in_scan_mode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_nameless_text_parts_are_inline_text, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
