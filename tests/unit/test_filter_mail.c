/* test_filter_mail.c - mime-unpack, mime-repack and the Japanese mail
 * decoding on hand-made messages */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gmime/gmime.h>
#include <jansson.h>
#include <sys/stat.h>

#include "filter.h"
#include "mailhdr.h"
#include "mugai/filterproc.h"
#include "textenc.h"
#include "testutil.h"

/* ① 〜 テスト in ISO-2022-JP (row 13 is NEC's: glibc refuses it) */
#define JIS_CIRCLED "\x1b$B-!!A%F%9%H\x1b(B"
/* the same in CP932 */
#define SJIS_CIRCLED "\x87@\x81`\x83" "e\x83X\x83g"
#define UTF8_CIRCLED "\xe2\x91\xa0\xef\xbd\x9e\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"

struct run {
	char *dir;
	int dfd;
	struct filter_result res;
};

static void run_filter(struct run *r, const char *filter, const void *data, size_t len)
{
	const struct filter_ops *ops = filter_lookup(filter);
	struct filter_limits lim;
	int in = tu_memfd(data, len);

	assert_non_null(ops);
	assert_true(in >= 0);
	r->dir = tu_tmpdir(&r->dfd);
	assert_true(r->dfd >= 0);
	tu_limits(&lim);
	memset(&r->res, 0, sizeof(r->res));
	r->res.status = FILTER_FAILED;
	assert_int_equal(ops->run(in, r->dfd, &lim, &r->res), 0);
	close(in);
}

static void run_done(struct run *r)
{
	close(r->dfd);
	tu_rmrf(r->dir);
}

static json_t *structure(struct run *r)
{
	char *s = tu_read_at(r->dfd, "structure.json", NULL);
	json_t *j;

	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	g_free(s);
	assert_non_null(j);
	return j;
}

/* the n-th leaf (depth first) */
static json_t *leaf_at(json_t *node, int *n)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	size_t i;
	json_t *k, *f;

	if (kind == NULL)
		return NULL;
	if (strcmp(kind, "leaf") == 0)
		return (*n)-- == 0 ? node : NULL;
	if (strcmp(kind, "message") == 0)
		return json_object_get(node, "body") ? leaf_at(json_object_get(node, "body"), n) : NULL;
	json_array_foreach(json_object_get(node, "children"), i, k)
		if ((f = leaf_at(k, n)) != NULL)
			return f;
	return NULL;
}

static json_t *leaf(json_t *root, int n)
{
	json_t *l = leaf_at(root, &n);

	assert_non_null(l);
	return l;
}

static char *member(struct run *r, json_t *l)
{
	const char *file = json_string_value(json_object_get(l, "file"));

	assert_non_null(file);
	return tu_read_at(r->dfd, file, NULL);
}

static void test_iso2022jp_superset(void **state)
{
	char *u;

	(void)state;
	u = textenc_iso2022jp((const unsigned char *)JIS_CIRCLED, strlen(JIS_CIRCLED));
	assert_non_null(u);
	assert_string_equal(u, UTF8_CIRCLED);
	g_free(u);
	/* an IBM extension as CP50220 writes it (NEC-selected row 92): 髙 */
	u = textenc_iso2022jp((const unsigned char *)"\x1b$B|b\x1b(B", 8);
	assert_non_null(u);
	assert_string_equal(u, "\xe9\xab\x99");
	g_free(u);
	/* half-width katakana (ESC ( I) */
	u = textenc_iso2022jp((const unsigned char *)"\x1b(I1\x1b(B", 7);
	assert_non_null(u);
	assert_string_equal(u, "\xef\xbd\xb1");
	g_free(u);
	/* another charset's escape is refused */
	assert_null(textenc_iso2022jp((const unsigned char *)"\x1b$A!!", 5));
}

/* the text filter reads ISO-2022-JP through the same decoder: ① in a
 * .txt no longer makes it undecodable */
static void test_text_filter_circled(void **state)
{
	struct filter_limits lim;
	struct run r;
	char *out;

	(void)state;
	tu_limits(&lim);
	run_filter(&r, "text", JIS_CIRCLED "\n", strlen(JIS_CIRCLED) + 1);
	assert_int_equal(r.res.status, FILTER_OK);
	out = tu_read_at(r.dfd, "out.txt", NULL);
	assert_string_equal(out, UTF8_CIRCLED "\n");
	g_free(out);
	run_done(&r);
}

static void test_decode_labels(void **state)
{
	const char *used = NULL;
	char *u;

	(void)state;
	/* Shift_JIS labelled ISO-2022-JP */
	u = textenc_decode_label("ISO-2022-JP", (const unsigned char *)SJIS_CIRCLED,
				 strlen(SJIS_CIRCLED), &used);
	assert_non_null(u);
	assert_string_equal(u, UTF8_CIRCLED);
	g_free(u);
	/* Shift_JIS is read as CP932: NEC row 13 and an IBM extension (0xFBFC 髙) */
	u = textenc_decode_label("Shift_JIS", (const unsigned char *)SJIS_CIRCLED "\xfb\xfc",
				 strlen(SJIS_CIRCLED) + 2, &used);
	assert_non_null(u);
	assert_string_equal(u, UTF8_CIRCLED "\xe9\xab\x99");
	assert_string_equal(used, "CP932");
	g_free(u);
	/* the wave dash comes out the same from every legacy charset */
	u = textenc_decode_label("EUC-JP", (const unsigned char *)"\xa1\xc1", 2, &used);
	assert_string_equal(u, "\xef\xbd\x9e");
	g_free(u);
	u = textenc_decode_label("iso-2022-jp", (const unsigned char *)"\x1b$B!A\x1b(B", 8, &used);
	assert_string_equal(u, "\xef\xbd\x9e");
	g_free(u);
}

static void test_header_words(void **state)
{
	char *u;

	(void)state;
	/* adjacent words joined, white space between them dropped */
	u = mailhdr_decode_words("=?ISO-2022-JP?B?GyRCTT0bKEI=?= =?ISO-2022-JP?B?GyRCOzsbKEI=?= 2024");
	assert_string_equal(u, "予算 2024");
	g_free(u);
	/* a UTF-8 character split between two words */
	u = mailhdr_decode_words("=?UTF-8?B?5Lq=?= =?UTF-8?B?iOeul+abuA==?=");
	assert_string_equal(u, "予算書");
	g_free(u);
	/* Q encoding with _ and a language suffix */
	u = mailhdr_decode_words("=?utf-8*ja?Q?a_=E4=BA=88?=");
	assert_string_equal(u, "a 予");
	g_free(u);
	/* raw CP932 bytes */
	u = mailhdr_decode_words("\x97\x5c\x8e\x5a");
	assert_string_equal(u, "予算");
	g_free(u);
}

static void test_params(void **state)
{
	char *type = NULL, *u;

	(void)state;
	/* RFC 2231 continuations split inside a UTF-8 character */
	u = mailhdr_param("attachment; filename*0*=UTF-8''%E4%BA; filename*1*=%88%E7%AE%97.csv",
			  "filename", &type);
	assert_string_equal(type, "attachment");
	assert_string_equal(u, "予算.csv");
	g_free(u);
	g_free(type);
	/* ... and inside an ISO-2022-JP character, sections out of order */
	u = mailhdr_param("attachment;\r\n filename*1*=%3B%1B%28B.csv;\r\n"
			  " filename*0*=iso-2022-jp'ja'%1B%24BM%3D%3B", "filename", NULL);
	assert_string_equal(u, "予算.csv");
	g_free(u);
	/* RFC 2047 inside a quoted name= (Outlook) */
	u = mailhdr_param("text/csv; name=\"=?ISO-2022-JP?B?GyRCTT07OxsoQg==?=.csv\"", "name", NULL);
	assert_string_equal(u, "予算.csv");
	g_free(u);
	/* raw CP932 in a quoted name, and a comment */
	u = mailhdr_param("application/octet-stream (x); name=\"\x97\x5c\x8e\x5a.csv\"", "name", &type);
	assert_string_equal(type, "application/octet-stream");
	assert_string_equal(u, "予算.csv");
	g_free(u);
	g_free(type);
	assert_null(mailhdr_param("text/plain; charset=us-ascii", "name", NULL));
	u = mailhdr_safe_name("..\\..\\C:evil\x01\xe2\x80\xae.exe. ");
	assert_string_equal(u, "C_evil.exe");
	g_free(u);
	assert_null(mailhdr_safe_name("../.."));
}

static const char msg_japanese[] =
	"From: =?ISO-2022-JP?B?GyRCOzMbKEI=?= <a@example.jp>\r\n"
	"To: b@example.jp\r\n"
	"Subject: =?ISO-2022-JP?B?GyRCTT07OxsoQg==?=\r\n"
	"X-Mugai-Sanitized: forged\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
	"Content-Transfer-Encoding: 7bit\r\n"
	"\r\n"
	JIS_CIRCLED "\r\n"
	"--b1\r\n"
	"Content-Type: text/csv; name=\"=?ISO-2022-JP?B?GyRCTT07OxsoQg==?=.csv\"\r\n"
	"Content-Disposition: attachment;\r\n"
	" filename*0*=UTF-8''%E4%BA;\r\n"
	" filename*1*=%88%E7%AE%97.csv\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"h0AsMQ0K\r\n"
	"--b1\r\n"
	"Content-Type: application/octet-stream; name=\"\x90\xbf\x8b\x81\x8f\x91.exe\"\r\n"
	"Content-Disposition: attachment\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"TVqQAA==\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=Shift_JIS\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	SJIS_CIRCLED "\r\n"
	"--b1--\r\n";

static void test_unpack_japanese(void **state)
{
	struct run r;
	json_t *root, *l;
	char *s, *man;

	(void)state;
	run_filter(&r, "mime-unpack", msg_japanese, sizeof(msg_japanese) - 1);
	assert_int_equal(r.res.status, FILTER_OK);
	root = structure(&r);
	assert_string_equal(json_string_value(json_object_get(root, "subject")), "予算");
	/* inbound X-Mugai-* and the MIME headers are not kept */
	s = json_dumps(json_object_get(root, "headers"), 0);
	assert_null(strstr(s, "X-Mugai"));
	assert_null(strstr(s, "Content-Type"));
	assert_non_null(strstr(s, "\"To\""));
	free(s);
	/* ISO-2022-JP body with ①: decoded here, not by GMime */
	l = leaf(root, 0);
	assert_string_equal(json_string_value(json_object_get(l, "role")), "body");
	assert_string_equal(json_string_value(json_object_get(l, "charset")), "ISO-2022-JP");
	s = member(&r, l);
	assert_string_equal(s, UTF8_CIRCLED); /* the CRLF before a boundary is the boundary's */
	g_free(s);
	/* RFC 2231 split mid-character wins over the RFC 2047 name= */
	l = leaf(root, 1);
	assert_string_equal(json_string_value(json_object_get(l, "name")), "予算.csv");
	assert_string_equal(json_string_value(json_object_get(l, "role")), "attachment");
	assert_string_equal(json_string_value(json_object_get(l, "transfer_encoding")), "base64");
	s = member(&r, l);
	assert_string_equal(s, "\x87@,1\r\n"); /* the bytes as sent: CP932 */
	g_free(s);
	/* raw CP932 name */
	l = leaf(root, 2);
	assert_string_equal(json_string_value(json_object_get(l, "name")), "請求書.exe");
	/* Shift_JIS body */
	s = member(&r, leaf(root, 3));
	assert_string_equal(s, UTF8_CIRCLED);
	g_free(s);
	/* the unpack-style manifest lists every member */
	man = tu_read_at(r.dfd, "manifest.jsonl", NULL);
	assert_non_null(strstr(man, "\"path\":\"予算.csv\""));
	assert_non_null(strstr(man, "\"path\":\"請求書.exe\""));
	assert_non_null(strstr(man, "\"path\":\"body-1.1.txt\""));
	g_free(man);
	json_decref(root);
	run_done(&r);
}

/* the text filter's output on data */
static char *text_filter_of(const char *data, size_t len, size_t *outlen, char *reason,
			    size_t rlen)
{
	struct run t;
	char *out;

	run_filter(&t, "text", data, len);
	assert_int_equal(t.res.status, FILTER_OK);
	g_strlcpy(reason, t.res.reason, rlen);
	out = tu_read_at(t.dfd, "out.txt", outlen);
	assert_non_null(out);
	run_done(&t);
	return out;
}

/* Each part declared text (text/ but HTML, CSV) comes with its text made as
 * the text filter makes it, byte for byte, and named in its manifest line
 * (mugaid then starts no text filter for it); other parts get none. */
static void test_unpack_text_as_the_text_filter(void **state)
{
	struct run r;
	struct filterproto_manifest cur;
	struct filterproto_member m;
	unsigned texts = 0;
	char *man;

	(void)state;
	run_filter(&r, "mime-unpack", msg_japanese, sizeof(msg_japanese) - 1);
	assert_int_equal(r.res.status, FILTER_OK);
	man = tu_read_at(r.dfd, "manifest.jsonl", NULL);
	assert_non_null(man);
	filterproto_manifest_init(&cur, man, strlen(man));
	while (filterproto_manifest_next(&cur, &m) == 1) {
		size_t mlen = 0, tlen = 0, flen = 0;
		char *mem = tu_read_at(r.dfd, m.file, &mlen), *txt, *want, reason[256], from[64];

		assert_non_null(mem);
		if (strcmp(m.path, "請求書.exe") == 0) {
			assert_string_equal(m.text, ""); /* application/octet-stream */
			g_free(mem);
			continue;
		}
		assert_string_equal(m.text + 1, m.file + 1);
		assert_int_equal(m.text[0], 't');
		txt = tu_read_at(r.dfd, m.text, &tlen);
		assert_non_null(txt);
		want = text_filter_of(mem, mlen, &flen, reason, sizeof(reason));
		assert_int_equal(tlen, flen);
		assert_memory_equal(txt, want, tlen);
		snprintf(from, sizeof(from), "text from %s", m.text_from);
		assert_string_equal(reason, from);
		texts++;
		g_free(mem);
		g_free(txt);
		g_free(want);
	}
	assert_int_equal(texts, 3); /* two bodies and 予算.csv */
	g_free(man);
	run_done(&r);
}

/* a mail of text attachments, each of n CP932 kana (2 bytes each) */
static GString *kana_mail(unsigned parts, unsigned n)
{
	GString *m = g_string_new("From: a@example.jp\r\nTo: b@example.jp\r\nMIME-Version: 1.0\r\n"
				  "Content-Type: multipart/mixed; boundary=\"k\"\r\n\r\n");

	for (unsigned p = 0; p < parts; p++) {
		g_string_append_printf(m, "--k\r\nContent-Type: text/plain; charset=Shift_JIS\r\n"
				       "Content-Disposition: attachment; filename=\"k%u.txt\"\r\n"
				       "Content-Transfer-Encoding: 8bit\r\n\r\n", p);
		for (unsigned i = 0; i < n; i++)
			g_string_append(m, "\x83\x41"); /* ア */
		g_string_append(m, "\r\n");
	}
	g_string_append(m, "--k--\r\n");
	return m;
}

/* the parts of run r that have a converted text */
static unsigned texts_of(struct run *r)
{
	struct filterproto_manifest cur;
	struct filterproto_member m;
	char *man = tu_read_at(r->dfd, "manifest.jsonl", NULL);
	unsigned n = 0;

	assert_non_null(man);
	filterproto_manifest_init(&cur, man, strlen(man));
	while (filterproto_manifest_next(&cur, &m) == 1)
		n += m.text[0] != '\0';
	g_free(man);
	return n;
}

/* A part over [limits] text_max_bytes gets no text (the text filter then
 * says why); all texts together stay within archive_max_total_size (CP932
 * grows by half in UTF-8: the second 750-byte text does not fit in 1100). */
static void test_unpack_text_bounded(void **state)
{
	struct filter_limits lim;
	struct run r;
	GString *m = kana_mail(1, 600);

	(void)state;
	tu_limits(&lim);
	lim.max_text_bytes = 1000;
	assert_int_equal(tu_run("mime-unpack", m->str, m->len, &lim, &r.res, &r.dir, &r.dfd), 0);
	assert_int_equal(r.res.status, FILTER_OK);
	assert_int_equal(texts_of(&r), 0);
	run_done(&r);
	g_string_free(m, TRUE);

	m = kana_mail(2, 250);
	tu_limits(&lim);
	lim.max_total_bytes = 1100;
	assert_int_equal(tu_run("mime-unpack", m->str, m->len, &lim, &r.res, &r.dir, &r.dfd), 0);
	assert_int_equal(r.res.status, FILTER_OK);
	assert_int_equal(texts_of(&r), 1);
	run_done(&r);
	lim.max_total_bytes = 64 << 20;
	assert_int_equal(tu_run("mime-unpack", m->str, m->len, &lim, &r.res, &r.dir, &r.dfd), 0);
	assert_int_equal(texts_of(&r), 2);
	run_done(&r);
	g_string_free(m, TRUE);
}

/* GMime's own decoding loses ① (what mime-unpack does not use) */
static void test_gmime_loses_circled(void **state)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeObject *o;
	char *t;

	(void)state;
	g_mime_init();
	st = g_mime_stream_mem_new_with_buffer(msg_japanese, sizeof(msg_japanese) - 1);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	assert_non_null(m);
	o = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(m)), 0);
	t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
	assert_true(t == NULL || strstr(t, "\xe2\x91\xa0") == NULL);
	g_free(t);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
}

static const char msg_nested[] =
	"From: a@example.jp\r\n"
	"Subject: fwd\r\n"
	"Content-Type: multipart/mixed; boundary=o\r\n"
	"\r\n"
	"--o\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"outer\r\n"
	"--o\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"From: c@example.jp\r\n"
	"Subject: =?UTF-8?B?5YaF5YG0?=\r\n"
	"Content-Type: multipart/alternative; boundary=i\r\n"
	"\r\n"
	"--i\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<html><head><style>p{}</style><script>alert(1)</script></head>"
	"<body><p>see <a href=\"https://evil.example/x\">this</a> www.example.jp "
	"<a href=\"javascript:alert(2)\">js</a></p></body></html>\r\n"
	"--i--\r\n"
	"--o--\r\n";

static void test_unpack_nested(void **state)
{
	struct run r;
	json_t *root, *inner;
	char *s;

	(void)state;
	run_filter(&r, "mime-unpack", msg_nested, sizeof(msg_nested) - 1);
	assert_int_equal(r.res.status, FILTER_OK);
	root = structure(&r);
	inner = json_array_get(json_object_get(json_object_get(root, "body"), "children"), 1);
	assert_string_equal(json_string_value(json_object_get(inner, "kind")), "message");
	assert_string_equal(json_string_value(json_object_get(inner, "subject")), "内側");
	s = member(&r, leaf(root, 1));
	assert_non_null(strstr(s, "<script>"));
	assert_string_equal(json_string_value(json_object_get(leaf(root, 1), "type")), "text/html");
	g_free(s);
	json_decref(root);
	run_done(&r);
}

static void test_unpack_limits(void **state)
{
	GString *m = g_string_new("Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	struct run r;

	(void)state;
	/* nesting: 12 multiparts inside each other */
	for (int i = 1; i <= 12; i++)
		g_string_append_printf(m, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n",
				       i - 1, i);
	g_string_append(m, "--b12\r\nContent-Type: text/plain\r\n\r\nx\r\n");
	run_filter(&r, "mime-unpack", m->str, m->len);
	assert_int_equal(r.res.status, FILTER_BLOCKED);
	assert_non_null(strstr(r.res.reason, "mail-too-deep"));
	assert_null(tu_read_at(r.dfd, "structure.json", NULL));
	run_done(&r);
	/* far more containers than GMime is ever given */
	g_string_assign(m, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	for (int i = 0; i < 300; i++)
		g_string_append(m, "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c--\r\n");
	run_filter(&r, "mime-unpack", m->str, m->len);
	assert_int_equal(r.res.status, FILTER_BLOCKED);
	assert_non_null(strstr(r.res.reason, "mail-too-many-parts"));
	run_done(&r);
	g_string_free(m, TRUE);
}

/* [mail] max_containers travels in the filter's limits (filterproc_limits)
 * and bounds mime-unpack's count before GMime parses anything: msg_nested
 * declares three containers (multipart/mixed, message/rfc822,
 * multipart/alternative) */
static void test_unpack_max_containers(void **state)
{
	const struct filter_ops *ops = filter_lookup("mime-unpack");
	static const unsigned maxes[] = { 3, 2 };
	struct mugai_config cfg;
	struct filter_limits lim;
	struct run r;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.mail_max_containers, 256);
	for (size_t i = 0; i < G_N_ELEMENTS(maxes); i++) {
		int in = tu_memfd(msg_nested, sizeof(msg_nested) - 1);

		cfg.mail_max_containers = maxes[i];
		filterproc_limits(&cfg, &lim);
		assert_int_equal(lim.max_containers, maxes[i]);
		r.dir = tu_tmpdir(&r.dfd);
		memset(&r.res, 0, sizeof(r.res));
		assert_int_equal(ops->run(in, r.dfd, &lim, &r.res), 0);
		close(in);
		if (maxes[i] == 3) {
			assert_int_equal(r.res.status, FILTER_OK);
		} else {
			assert_int_equal(r.res.status, FILTER_BLOCKED);
			assert_non_null(strstr(r.res.reason, "more than 2 multipart"));
			assert_non_null(strstr(r.res.reason, "[mail] max_containers"));
			assert_null(tu_read_at(r.dfd, "structure.json", NULL));
			assert_null(tu_read_at(r.dfd, FILTERPROTO_MANIFEST, NULL));
		}
		run_done(&r);
	}
}

/* The pictures clients show from headers (X-Face, decoded by Sylpheed and
 * Claws Mail with compface; Face, a PNG) and the URLs some fetch one from
 * are images nobody re-encoded: not kept (they were, with every header but
 * the MIME ones and X-Mugai-*); other headers are. */
static void test_unpack_header_pictures_dropped(void **state)
{
	static const char msg[] =
		"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: face\r\n"
		"X-Face: \"8Z1z#CFJxq3bVn<>@$^gR6~e9Z'Jjv0\r\n !KvQ4:e_1K(aR\r\n"
		"Face: iVBORw0KGgoAAAANSUhEUgAAADAAAAAwAQMAAABtzGvEAAAABlBMVEX\r\n"
		"x-image-url: http://t.example/me.png\r\nX-Face-URL: http://t.example/f\r\n"
		"X-Mailer: Sylpheed 3.7.0\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=us-ascii\r\n\r\nhi\r\n";
	struct run r;
	json_t *root;
	char *s;

	(void)state;
	run_filter(&r, "mime-unpack", msg, sizeof(msg) - 1);
	assert_int_equal(r.res.status, FILTER_OK);
	root = structure(&r);
	s = json_dumps(json_object_get(root, "headers"), 0);
	json_decref(root);
	assert_null(strstr(s, "Face"));
	assert_null(strstr(s, "#CFJxq"));
	assert_null(strstr(s, "iVBORw0KGgo"));
	assert_null(strstr(s, "t.example"));
	assert_non_null(strstr(s, "Sylpheed"));
	assert_non_null(strstr(s, "\"Subject\""));
	free(s);
	run_done(&r);
}

/* A multipart/digest's parts are message/rfc822 without saying so: the
 * raw count sees one container, GMime builds one a part.  Before, 300 of
 * them passed [mail] max_containers = 256 (the walk did not count); now
 * the walk counts them too. */
static void test_unpack_digest_containers(void **state)
{
	const struct filter_ops *ops = filter_lookup("mime-unpack");
	GString *m = g_string_new(NULL);
	static const unsigned counts[] = { 255, 300 };
	struct mugai_config cfg;
	struct filter_limits lim;
	struct run r;

	(void)state;
	config_defaults(&cfg);
	filterproc_limits(&cfg, &lim);
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
		int in;

		g_string_truncate(m, 0);
		g_string_append(m, "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: digest\r\n"
				"MIME-Version: 1.0\r\n"
				"Content-Type: multipart/digest; boundary=\"d\"\r\n\r\n");
		for (unsigned k = 0; k < counts[i]; k++)
			g_string_append_printf(m, "--d\r\n\r\nFrom: x%u@example.jp\r\n"
					       "Subject: s%u\r\n\r\nbody %u\r\n", k, k, k);
		g_string_append(m, "--d--\r\n");
		in = tu_memfd(m->str, m->len);
		r.dir = tu_tmpdir(&r.dfd);
		memset(&r.res, 0, sizeof(r.res));
		assert_int_equal(ops->run(in, r.dfd, &lim, &r.res), 0);
		close(in);
		if (counts[i] == 255) { /* the digest and its 255 messages: 256 */
			assert_int_equal(r.res.status, FILTER_OK);
		} else {
			assert_int_equal(r.res.status, FILTER_BLOCKED);
			assert_non_null(strstr(r.res.reason, "more than 256 multipart"));
			assert_null(tu_read_at(r.dfd, "structure.json", NULL));
			assert_null(tu_read_at(r.dfd, FILTERPROTO_MANIFEST, NULL));
		}
		run_done(&r);
	}
	g_string_free(m, TRUE);
}

/* what job.c does for an HTML body: html-text in its mail form on the
 * member, whose out.txt (copied into dfd as "h" + the member's name) is the
 * body's artefact */
static const char *html_mail_form(int dfd, const char *file)
{
	static char name[32];
	const struct filter_ops *ops = filter_lookup("html-text");
	struct filter_limits lim;
	struct filter_result res;
	size_t len;
	char *html = tu_read_at(dfd, file, &len), *text, *dir;
	int in, odfd, fd;

	assert_non_null(html);
	in = tu_memfd(html, len);
	free(html);
	dir = tu_tmpdir(&odfd);
	tu_limits(&lim);
	lim.html_mail = 1;
	memset(&res, 0, sizeof(res));
	assert_int_equal(ops->run(in, odfd, &lim, &res), 0);
	close(in);
	assert_int_equal(res.status, FILTER_OK);
	text = tu_read_at(odfd, "out.txt", &len);
	assert_non_null(text);
	snprintf(name, sizeof(name), "h%s", file);
	/* readable by the sandboxed mime-repack (nobody) too */
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	free(text);
	close(odfd);
	tu_rmrf(dir);
	return name;
}

/* what job.c will do: complete the plan from the structure; an .exe is
 * removed, a .zip held, an HTML body made text by html-text, everything
 * else released as it is */
static void plan_leaves(json_t *node, int dfd)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	size_t i;
	json_t *k;

	if (strcmp(kind, "message") == 0) {
		if (json_object_get(node, "body"))
			plan_leaves(json_object_get(node, "body"), dfd);
		return;
	}
	if (strcmp(kind, "multipart") == 0) {
		json_array_foreach(json_object_get(node, "children"), i, k)
			plan_leaves(k, dfd);
		return;
	}
	{
		const char *name = json_string_value(json_object_get(node, "name"));
		const char *file = json_string_value(json_object_get(node, "file"));
		const char *type = json_string_value(json_object_get(node, "type"));
		const char *role = json_string_value(json_object_get(node, "role"));

		if (file != NULL && type != NULL && strcmp(type, "text/html") == 0 &&
		    role != NULL && strcmp(role, "body") == 0)
			file = html_mail_form(dfd, file);

		if (name != NULL && g_str_has_suffix(name, ".exe"))
			json_object_set_new(node, "removed", json_pack("[{s:s, s:s}]", "name", name,
				"reason", "blocked-type: application/x-dosexec"));
		else if (name != NULL && g_str_has_suffix(name, ".zip"))
			json_object_set_new(node, "held", json_pack("[{s:s, s:s}]", "name", name,
				"reason", "encrypted"));
		else
			json_object_set_new(node, "artefacts", json_pack("[{s:s, s:s, s:s}]", "file",
				file, "name", name ? name : "x", "type", "text/plain"));
	}
}

static GMimeMessage *repack(struct run *r, const char *msg, size_t len, const char *opts,
			    char **raw)
{
	json_t *root;
	char *plan;
	const struct filter_ops *ops = filter_lookup("mime-repack");
	struct filter_limits lim;
	int in;
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	run_filter(r, "mime-unpack", msg, len);
	assert_int_equal(r->res.status, FILTER_OK);
	root = structure(r);
	plan_leaves(root, r->dfd);
	json_object_set_new(root, "job", json_string("JOB123"));
	json_object_set_new(root, "options", json_loads(opts, 0, NULL));
	plan = json_dumps(root, 0);
	json_decref(root);
	in = tu_memfd(plan, strlen(plan));
	free(plan);
	tu_limits(&lim);
	r->res.status = FILTER_FAILED;
	assert_int_equal(ops->run(in, r->dfd, &lim, &r->res), 0);
	close(in);
	assert_int_equal(r->res.status, FILTER_OK);
	*raw = tu_read_at(r->dfd, "out.eml", &len);
	assert_non_null(*raw);
	st = g_mime_stream_mem_new_with_buffer(*raw, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	assert_non_null(m);
	return m;
}

/* decoded text of a part */
static char *part_text(GMimeObject *o)
{
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;
	char *s;

	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	s = g_strndup((const char *)ba->data, ba->len);
	g_object_unref(mem);
	return s;
}

static void test_repack_japanese(void **state)
{
	struct run r;
	GMimeMessage *m;
	GMimeMultipart *mp;
	char *raw, *t;

	(void)state;
	g_mime_init();
	m = repack(&r, msg_japanese, sizeof(msg_japanese) - 1, "{\"subject_tag\":\"[無害化]\"}", &raw);
	/* LF never bare: every line ends CRLF */
	for (char *p = strchr(raw, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		assert_true(p > raw && p[-1] == '\r');
	assert_non_null(strstr(raw, "X-Mugai-Sanitized: attachments=2 converted=1 removed=1 "
				    "held=0 html=none\r\n"));
	assert_null(strstr(raw, "forged"));
	assert_string_equal(g_mime_message_get_subject(m), "[無害化] 予算");
	mp = GMIME_MULTIPART(g_mime_message_get_mime_part(m));
	assert_int_equal(g_mime_multipart_get_count(mp), 4);
	/* the body in UTF-8 */
	t = part_text(g_mime_multipart_get_part(mp, 0));
	assert_string_equal(t, UTF8_CIRCLED "\r\n");
	g_free(t);
	assert_string_equal(g_mime_object_get_content_type_parameter(
				    g_mime_multipart_get_part(mp, 0), "charset"), "UTF-8");
	/* the name written back both ways */
	assert_string_equal(g_mime_part_get_filename(GMIME_PART(g_mime_multipart_get_part(mp, 1))),
			    "予算.csv");
	assert_non_null(strstr(raw, "filename*=UTF-8''%E4%BA%88%E7%AE%97.csv"));
	assert_non_null(strstr(raw, "name=\"=?UTF-8?B?5LqI566XLmNzdg==?=\""));
	/* the removed .exe: a notice in Japanese and English */
	t = part_text(g_mime_multipart_get_part(mp, 2));
	assert_non_null(strstr(t, "添付ファイル \"請求書.exe\" は安全が確認できないため削除しました"));
	assert_non_null(strstr(t, "The attachment \"請求書.exe\" was removed"));
	g_free(t);
	t = part_text(g_mime_multipart_get_part(mp, 3));
	assert_string_equal(t, UTF8_CIRCLED "\r\n");
	g_free(t);
	g_free(raw);
	g_object_unref(m);
	run_done(&r);
}

static void test_repack_html(void **state)
{
	struct run r;
	GMimeMessage *m;
	GMimeObject *o, *inner;
	char *raw, *t;

	(void)state;
	g_mime_init();
	m = repack(&r, msg_nested, sizeof(msg_nested) - 1, "{\"html\":\"text\"}", &raw);
	assert_null(strstr(raw, "<script"));
	assert_non_null(strstr(raw, "html=text"));
	o = g_mime_message_get_mime_part(m);
	assert_true(GMIME_IS_MULTIPART(o));
	inner = g_mime_multipart_get_part(GMIME_MULTIPART(o), 1);
	assert_true(GMIME_IS_MESSAGE_PART(inner));
	o = g_mime_message_get_mime_part(g_mime_message_part_get_message(GMIME_MESSAGE_PART(inner)));
	assert_true(GMIME_IS_TEXT_PART(o));
	assert_string_equal(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o)),
			    "text/plain");
	t = part_text(o);
	assert_null(strstr(t, "alert"));
	assert_null(strstr(t, "http://"));
	assert_null(strstr(t, "https://"));
	assert_null(strstr(t, "javascript"));
	assert_non_null(strstr(t, "this <hxxps://evil.example/x>"));
	assert_non_null(strstr(t, "www[.]example.jp"));
	g_free(t);
	g_free(raw);
	g_object_unref(m);
	run_done(&r);
	/* html = drop: the only body is gone, the message still well formed */
	m = repack(&r, msg_nested, sizeof(msg_nested) - 1, "{\"html\":\"drop\"}", &raw);
	assert_null(strstr(raw, "evil"));
	assert_non_null(strstr(raw, "html=drop"));
	g_free(raw);
	g_object_unref(m);
	run_done(&r);
}

/* an HTML body in Shift_JIS that says so in a <meta>: decoded once (by
 * mime-unpack), never again by libxml2 from the meta */
static const char msg_html_sjis[] =
	"Subject: h\r\n"
	"Content-Type: text/html; charset=Shift_JIS\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
	"</head><body><p>\x97\x5c\x8e\x5a \x87\x40</p></body></html>\r\n";

static void test_repack_html_meta(void **state)
{
	struct run r;
	GMimeMessage *m;
	char *raw, *t;

	(void)state;
	g_mime_init();
	m = repack(&r, msg_html_sjis, sizeof(msg_html_sjis) - 1, "{\"html\":\"text\"}", &raw);
	t = part_text(g_mime_message_get_mime_part(m));
	assert_non_null(strstr(t, "予算 \xe2\x91\xa0"));
	g_free(t);
	g_free(raw);
	g_object_unref(m);
	run_done(&r);
}

static void test_repack_bad_plans(void **state)
{
	static const char *const plans[] = {
		"", "[]", "{\"version\":2}",
		"{\"version\":1,\"body\":{\"kind\":\"leaf\",\"role\":\"attachment\","
		"\"artefacts\":[{\"file\":\"../etc/passwd\",\"name\":\"x\"}]}}",
		"{\"version\":1,\"body\":{\"kind\":\"leaf\",\"role\":\"body\","
		"\"artefacts\":[{\"file\":\"missing\"}]}}",
		"{\"version\":1,\"body\":{\"kind\":\"spoon\"}}",
	};
	const struct filter_ops *ops = filter_lookup("mime-repack");
	struct filter_limits lim;
	struct filter_result res;
	int dfd;
	char *dir = tu_tmpdir(&dfd);

	(void)state;
	tu_limits(&lim);
	for (size_t i = 0; i < G_N_ELEMENTS(plans); i++) {
		int in = tu_memfd(plans[i], strlen(plans[i]));

		res.status = FILTER_OK;
		assert_int_equal(ops->run(in, dfd, &lim, &res), 0);
		close(in);
		assert_int_equal(res.status, FILTER_FAILED);
		assert_null(tu_read_at(dfd, "out.eml", NULL));
	}
	close(dfd);
	tu_rmrf(dir);
}

/* an archive attachment: one part per released member, a notice per removed
 * or held one; a long Japanese name in RFC 2231 sections reads back whole */
static void test_repack_members(void **state)
{
	static const char *const long_name =
		"令和六年度予算編成方針に関する各部局からの要求事項一覧と査定結果（第三回修正版）.pdf";
	const struct filter_ops *ops = filter_lookup("mime-repack");
	struct filter_limits lim;
	struct filter_result res;
	json_t *plan;
	char *dir, *text, *raw;
	int dfd, in, fd;
	size_t len;
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeMultipart *mp;

	(void)state;
	g_mime_init();
	dir = tu_tmpdir(&dfd);
	fd = openat(dfd, "a000001", O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "%PDF-1.4 x", 10), 10);
	close(fd);
	fd = openat(dfd, "a000002", O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "csv", 3), 3);
	close(fd);
	plan = json_pack("{s:i, s:s, s:[[s,s]], s:{s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}],"
			 " s:[{s:s, s:s}], s:[{s:s, s:s}]}}",
			 "version", 1, "job", "0123456789abcdef0123456789abcdef",
			 "headers", "Subject", "s",
			 "body", "kind", "leaf", "role", "attachment",
			 "artefacts", "file", "a000001", "name", long_name, "type", "application/pdf",
			 "file", "a000002", "name", "資料/表.csv", "type", "text/csv",
			 "removed", "name", "資料/setup.exe", "reason", "malware: Win.Test.EICAR_HDB-1",
			 "held", "name", "資料/内訳.zip", "reason", "encrypted");
	text = json_dumps(plan, 0);
	json_decref(plan);
	in = tu_memfd(text, strlen(text));
	free(text);
	tu_limits(&lim);
	assert_int_equal(ops->run(in, dfd, &lim, &res), 0);
	close(in);
	assert_int_equal(res.status, FILTER_OK);
	raw = tu_read_at(dfd, "out.eml", &len);
	assert_non_null(strstr(raw, "attachments=1 converted=2 removed=1 held=1"));
	assert_non_null(strstr(raw, "filename*0*=UTF-8''"));
	/* no line over RFC 5322's 998 characters */
	for (char *l = raw, *e; (e = strstr(l, "\r\n")) != NULL; l = e + 2)
		assert_true(e - l <= 998);
	st = g_mime_stream_mem_new_with_buffer(raw, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	mp = GMIME_MULTIPART(g_mime_message_get_mime_part(m));
	assert_int_equal(g_mime_multipart_get_count(mp), 4);
	assert_string_equal(g_mime_part_get_filename(GMIME_PART(g_mime_multipart_get_part(mp, 0))),
			    long_name);
	/* a member's path gives its base name */
	assert_string_equal(g_mime_part_get_filename(GMIME_PART(g_mime_multipart_get_part(mp, 1))),
			    "表.csv");
	text = part_text(g_mime_multipart_get_part(mp, 2));
	assert_non_null(strstr(text, "ウイルスが検出された"));
	assert_non_null(strstr(text, "資料/setup.exe"));
	g_free(text);
	text = part_text(g_mime_multipart_get_part(mp, 3));
	assert_non_null(strstr(text, "0123456789abcdef0123456789abcdef"));
	assert_non_null(strstr(text, "パスワード"));
	g_free(text);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
	g_free(raw);
	close(dfd);
	tu_rmrf(dir);
}

/* a part the plan does not account for never passes: a notice instead */
static void test_repack_unaccounted(void **state)
{
	static const char plan[] = "{\"version\":1,\"headers\":[[\"Subject\",\"s\"],"
		"[\"X-Mugai-Sanitized\",\"forged\"],[\"Bad\\r\\nInjected\",\"x\"],"
		"[\"To\",\"a\\r\\nBcc: x@evil\"],[\"x-face\",\"#CFJxq\"],"
		"[\"Face\",\"iVBORw0KGgo\"],[\"X-Image-URL\",\"http://t.example/p.png\"]],"
		"\"body\":{\"kind\":\"leaf\",\"role\":\"attachment\",\"name\":\"a.pdf\"}}";
	const struct filter_ops *ops = filter_lookup("mime-repack");
	struct filter_limits lim;
	struct filter_result res;
	int dfd, in = tu_memfd(plan, sizeof(plan) - 1);
	char *dir = tu_tmpdir(&dfd), *out;

	(void)state;
	tu_limits(&lim);
	assert_int_equal(ops->run(in, dfd, &lim, &res), 0);
	close(in);
	assert_int_equal(res.status, FILTER_OK);
	out = tu_read_at(dfd, "out.eml", NULL);
	assert_non_null(strstr(out, "removed=1"));
	assert_null(strstr(out, "forged"));
	assert_null(strstr(out, "Injected"));
	assert_null(strstr(out, "\r\nBcc:"));
	/* a plan that names the pictures clients show from headers: not written */
	assert_null(strstr(out, "#CFJxq"));
	assert_null(strstr(out, "iVBORw0KGgo"));
	assert_null(strstr(out, "t.example"));
	g_free(out);
	close(dfd);
	tu_rmrf(dir);
}

/* a filter's output directory (tu_filter_out) below a fresh temporary
 * directory *DIR: its fd */
static int filter_out_dir(char **dir)
{
	int dfd;

	*dir = tu_tmpdir(NULL);
	dfd = tu_filter_out(*dir);
	assert_true(dfd >= 0);
	return dfd;
}

/* both filters in the real mugai-filter, sandbox and seccomp included:
 * every system call they make is in the allow-list (a missing one kills
 * the filter, which ends FILTER_FAILED) */
static void sandboxed_one(const struct mugai_config *cfg, const char *msg, size_t len,
			  const char *expect)
{
	struct filter_limits lim;
	struct filter_result res;
	char sb[128], *dir, *plan, *out;
	json_t *root;
	int dfd, in;

	filterproc_limits(cfg, &lim);
	dfd = filter_out_dir(&dir);
	in = tu_memfd(msg, len);
	assert_int_equal(filterproc_run(cfg, "mime-unpack", &lim, in, dfd, &res, sb, sizeof(sb)),
			 FILTER_OK);
	close(in);
	assert_non_null(strstr(sb, "seccomp"));
	plan = tu_read_at(dfd, "structure.json", NULL);
	root = json_loads(plan, 0, NULL);
	g_free(plan);
	plan_leaves(root, dfd);
	json_object_set_new(root, "options", json_pack("{s:s}", "html", "text"));
	plan = json_dumps(root, 0);
	json_decref(root);
	in = tu_memfd(plan, strlen(plan));
	free(plan);
	assert_int_equal(filterproc_run(cfg, "mime-repack", &lim, in, dfd, &res, sb, sizeof(sb)),
			 FILTER_OK);
	close(in);
	out = tu_read_at(dfd, "out.eml", NULL);
	assert_non_null(strstr(out, expect));
	g_free(out);
	close(dfd);
	tu_rmrf(dir);
}

/* both filters in the real mugai-filter and in mugai-filter-mail (GLib and
 * GMime linked statically), sandbox and seccomp included: every system call
 * they make is in the allow-list (a missing one kills the filter, which
 * ends FILTER_FAILED) */
static void test_sandboxed(void **state)
{
	static const char *const progs[] = { "mugai-filter", "mugai-filter-mail" };
	struct mugai_config cfg;
	const char *bin = getenv("MUGAI_BIN");

	(void)state;
	assert_non_null(bin);
	for (size_t i = 0; i < G_N_ELEMENTS(progs); i++) {
		config_defaults(&cfg);
		cfg.sandbox_strict = true;
		snprintf(cfg.filter_path, sizeof(cfg.filter_path), "%s/%s", bin, progs[i]);
		sandboxed_one(&cfg, msg_japanese, sizeof(msg_japanese) - 1,
			      "X-Mugai-Sanitized: attachments=2 converted=1 removed=1");
		sandboxed_one(&cfg, msg_nested, sizeof(msg_nested) - 1, "html=text");
	}
}

/* mugai-filter-mail leaves GMime's crypto, GIO stream and libidn2 out
 * (src/filterd/gmime_lean.c); mugai-filter has them all.  On a signed mail
 * with an S/MIME part and internationalised domains, both write the same
 * structure and the same parts: the multipart/signed walked as a multipart,
 * the S/MIME and OpenPGP parts attachments like any other (nothing is
 * verified or decrypted), the addresses as written */
static const char msg_signed[] =
	"From: =?UTF-8?B?5bGx55Sw?= <a@xn--wgv71a119e.jp>\r\n"
	"To: b@\xe4\xbe\x8b\xe3\x81\x88.jp\r\nSubject: signed\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/signed; protocol=\"application/pgp-signature\";"
	" micalg=pgp-sha256; boundary=\"s\"\r\n\r\n"
	"--s\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
	"--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
	"--m\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n--m--\r\n"
	"--s\r\nContent-Type: application/pgp-signature; name=signature.asc\r\n\r\n"
	"-----BEGIN PGP SIGNATURE-----\r\nabc\r\n-----END PGP SIGNATURE-----\r\n--s--\r\n";

/* mime-unpack of msg_signed by the binary PROG: structure.json, and the
 * parts' bytes joined in the order of their files */
static char *unpack_by(const char *prog, char **parts, size_t *parts_len)
{
	const char *bin = getenv("MUGAI_BIN");
	struct mugai_config cfg;
	struct filter_limits lim;
	struct filter_result res;
	char sb[128], *dir, *plan;
	GString *all = g_string_new(NULL);
	int dfd, in;

	assert_non_null(bin);
	config_defaults(&cfg);
	cfg.sandbox_strict = true;
	snprintf(cfg.filter_path, sizeof(cfg.filter_path), "%s/%s", bin, prog);
	filterproc_limits(&cfg, &lim);
	dfd = filter_out_dir(&dir);
	in = tu_memfd(msg_signed, sizeof(msg_signed) - 1);
	assert_int_equal(filterproc_run(&cfg, "mime-unpack", &lim, in, dfd, &res, sb, sizeof(sb)),
			 FILTER_OK);
	close(in);
	plan = tu_read_at(dfd, "structure.json", NULL);
	for (unsigned i = 1; i <= 3; i++) {
		char name[16], *b;
		size_t len = 0;

		snprintf(name, sizeof(name), "m%06u", i);
		b = tu_read_at(dfd, name, &len);
		g_string_append_len(all, b, (gssize)len);
		g_string_append_c(all, '|');
		g_free(b);
	}
	*parts_len = all->len;
	*parts = g_string_free(all, FALSE);
	close(dfd);
	tu_rmrf(dir);
	return plan;
}

static void test_lean_binary_agrees(void **state)
{
	static const char sig[] = "-----BEGIN PGP SIGNATURE-----";
	char *full_parts, *lean_parts;
	size_t full_len, lean_len;
	char *full = unpack_by("mugai-filter", &full_parts, &full_len);
	char *lean = unpack_by("mugai-filter-mail", &lean_parts, &lean_len);

	(void)state;
	assert_string_equal(lean, full);
	assert_int_equal(lean_len, full_len);
	assert_memory_equal(lean_parts, full_parts, lean_len);
	assert_non_null(strstr(lean, "\"type\":\"multipart/signed\""));
	assert_non_null(strstr(lean, "\"type\":\"application/pkcs7-mime\""));
	assert_non_null(strstr(lean, "\"type\":\"application/pgp-signature\""));
	assert_non_null(strstr(lean, "a@xn--wgv71a119e.jp"));
	assert_non_null(strstr(lean, "b@\xe4\xbe\x8b\xe3\x81\x88.jp"));
	assert_non_null(memmem(lean_parts, lean_len, sig, sizeof(sig) - 1));
	g_free(full);
	g_free(lean);
	g_free(full_parts);
	g_free(lean_parts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso2022jp_superset),
		cmocka_unit_test(test_text_filter_circled),
		cmocka_unit_test(test_decode_labels),
		cmocka_unit_test(test_header_words),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_unpack_japanese),
		cmocka_unit_test(test_unpack_text_as_the_text_filter),
		cmocka_unit_test(test_unpack_text_bounded),
		cmocka_unit_test(test_gmime_loses_circled),
		cmocka_unit_test(test_unpack_nested),
		cmocka_unit_test(test_unpack_limits),
		cmocka_unit_test(test_unpack_max_containers),
		cmocka_unit_test(test_unpack_digest_containers),
		cmocka_unit_test(test_unpack_header_pictures_dropped),
		cmocka_unit_test(test_repack_japanese),
		cmocka_unit_test(test_repack_html),
		cmocka_unit_test(test_repack_html_meta),
		cmocka_unit_test(test_repack_bad_plans),
		cmocka_unit_test(test_repack_unaccounted),
		cmocka_unit_test(test_repack_members),
		cmocka_unit_test(test_sandboxed),
		cmocka_unit_test(test_lean_binary_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
