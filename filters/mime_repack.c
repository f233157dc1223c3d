/*
 * mime_repack.c - the mime-repack filter: builds the message a recipient
 * gets from mime-unpack's structure and the sanitised artefacts.  It never
 * sees the original message: a part that the plan does not account for is
 * not in the output (a notice is).
 *
 * Interface (what job.c gives it):
 *   in_fd       the plan: mime-unpack's structure.json, each leaf completed by
 *               the core with what became of it:
 *                 "artefacts": [{"file":"a000001","name":"請求書.pdf",
 *                                "type":"application/pdf"}, ...]
 *                     ("charset":"UTF-8" too for text the core converted)
 *                     released files in place of the part (an archive gives
 *                     one per member); for a body: its UTF-8 text (text/html
 *                     bodies: html-text's mail form of it, links shown as
 *                     text; no HTML is parsed here); what
 *                     the pipeline made of a plain body that was not text
 *                     (an image) is attached, a body that is not UTF-8
 *                     after all becomes a notice
 *                 "removed": [{"name":"請求書.exe","reason":"blocked-type: ..."}]
 *                 "held":    [{"name":"見積.zip","reason":"encrypted"}]
 *               and at the top:
 *                 "job": "JOB-ID" (named in the held notices),
 *                 "options": {"html":"text"|"drop", "subject_tag":"[無害化]"}
 *               A leaf with none of the three is removed ("not-processed").
 *   out_dir_fd  holds the artefact files named in the plan (plain names:
 *               [A-Za-z0-9._-], opened O_NOFOLLOW) and receives "out.eml".
 *
 * Output: out.eml, CRLF, every leaf base64 (so no boundary can collide),
 * names as filename*=UTF-8''... (RFC 2231, continued) plus
 * name="=?UTF-8?B?...?=" (what Outlook reads); text/plain bodies UTF-8;
 * text/html bodies as text/plain with the links shown as hxxp:// text
 * ([mail] html = text), or dropped ([mail] html = drop); one Japanese and
 * English notice per removed or held file (a file a body carries in its
 * text, uuencoded or yEnc, is one: its lines go); a multipart/alternative
 * stays one only while it holds texts alone; the kept headers, X-Mugai-*
 * never, and X-Mugai-Sanitized: attachments=N converted=N removed=N held=N
 * html=text|drop|none; the Subject tagged when options.subject_tag is set.
 */
#include "defang.h"
#include "filter.h"
#include "mailhdr.h"
#include "mugai/mailheader.h"
#include "textenc.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIME_REPACK_PLAN_MAX (16 * 1024 * 1024)
#define MIME_REPACK_MAX_DEPTH 32       /* plan nesting (mime-unpack allows 10) */
#define MIME_REPACK_FILE_MAX 64        /* artefact file name length */
#define MIME_REPACK_LINE 76            /* base64 line */
#define MIME_REPACK_CHUNK (57 * 1024)  /* 1024 base64 lines per read */
#define MIME_REPACK_FOLD 76            /* header lines folded near this */
#define MIME_REPACK_TAG_MAX 64         /* subject tag bytes */
#define MIME_REPACK_CHARSET_MAX 32     /* an artefact's charset label */

enum { HTML_TEXT, HTML_DROP };

struct mr_state {
	int out_dir_fd;
	const struct filter_limits *lim;
	struct filter_result *res;
	GString *out;        /* the message being written (flushed to fd) */
	int fd;
	uint64_t written;
	unsigned boundary_n;
	int html;            /* HTML_TEXT or HTML_DROP */
	int html_seen;
	const char *job;
	unsigned attachments, converted, removed, held;
	int failed;
};

struct mr_part {            /* one rendered part, headers + body, in memory or a file */
	GString *head;          /* Content-* header lines, CRLF */
	GString *body;          /* CRLF text (multipart bodies, notices, text) */
	char file[MIME_REPACK_FILE_MAX + 1]; /* artefact to base64 after head, or "" */
	int is_html_text;       /* text that came from an HTML body */
	int is_text_body;
};

static bool mr_accepts(const char *mime)
{
	/* run by the core on a plan, never chosen by a detected type */
	return strcmp(mime, FILTERPROTO_MIME_REPACK_PLAN) == 0;
}

static void mr_part_free(gpointer p)
{
	struct mr_part *mp = p;

	g_string_free(mp->head, TRUE);
	g_string_free(mp->body, TRUE);
	g_free(mp);
}

static struct mr_part *mr_part_new(void)
{
	struct mr_part *p = g_new0(struct mr_part, 1);

	p->head = g_string_new(NULL);
	p->body = g_string_new(NULL);
	return p;
}

static int mr_flush(struct mr_state *st)
{
	if (st->out->len == 0)
		return 0;
	st->written += st->out->len;
	if (st->written > st->lim->max_output_bytes) {
		filter_set(st->res, FILTER_BLOCKED, "output-too-large: the message > %llu bytes",
			   (unsigned long long)st->lim->max_output_bytes);
		return -1;
	}
	if (filter_write_all(st->fd, st->out->str, st->out->len) != 0) {
		filter_set(st->res, FILTER_FAILED, "cannot write the message: %s", strerror(errno));
		return -1;
	}
	g_string_truncate(st->out, 0);
	return 0;
}

static int mr_name_ok(const char *f)
{
	size_t n = strlen(f);

	if (n == 0 || n > MIME_REPACK_FILE_MAX || f[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(f[i]) && f[i] != '.' && f[i] != '_' && f[i] != '-')
			return 0;
	return strcmp(f, FILTERPROTO_OUT_EML) != 0;
}

static int mr_open(struct mr_state *st, const char *file)
{
	int fd;

	if (!mr_name_ok(file)) {
		filter_set(st->res, FILTER_FAILED, "repack-plan: bad artefact file name");
		return -1;
	}
	fd = openat(st->out_dir_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		filter_set(st->res, FILTER_FAILED, "repack-plan: artefact %s: %s", file,
			   strerror(errno));
	return fd;
}

/* a whole (text) artefact, at most max bytes */
static char *mr_read(struct mr_state *st, const char *file, size_t *len)
{
	unsigned char *buf = NULL;
	int fd = mr_open(st, file);

	if (fd < 0)
		return NULL;
	if (filter_read_all(fd, st->lim->max_text_bytes, &buf, len) != 0) {
		filter_set(st->res, errno == EFBIG ? FILTER_BLOCKED : FILTER_FAILED,
			   "text-too-large: a body > %llu bytes ([limits] text_max_bytes)",
			   (unsigned long long)st->lim->max_text_bytes);
		close(fd);
		return NULL;
	}
	close(fd);
	return (char *)buf;
}

/* base64 of bytes, in lines of 76, CRLF */
static void mr_b64(GString *out, const void *data, size_t len)
{
	char *b = g_base64_encode(data, len);
	size_t n = strlen(b);

	for (size_t i = 0; i < n; i += MIME_REPACK_LINE) {
		g_string_append_len(out, b + i, (gssize)MIN((size_t)MIME_REPACK_LINE, n - i));
		g_string_append(out, "\r\n");
	}
	g_free(b);
}

/* base64 of a file straight to the output, chunk by chunk */
static int mr_b64_file(struct mr_state *st, const char *file)
{
	int fd = mr_open(st, file);
	char *buf;
	int rc = 0;

	if (fd < 0)
		return -1;
	buf = g_malloc(MIME_REPACK_CHUNK);
	for (;;) {
		size_t got = 0;

		/* whole chunks (a multiple of 57) keep every line 76 long */
		while (got < MIME_REPACK_CHUNK) {
			ssize_t n = read(fd, buf + got, MIME_REPACK_CHUNK - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				filter_set(st->res, FILTER_FAILED, "cannot read artefact %s: %s", file,
					   strerror(errno));
				rc = -1;
				break;
			}
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (rc != 0 || got == 0)
			break;
		mr_b64(st->out, buf, got);
		if (mr_flush(st) != 0) {
			rc = -1;
			break;
		}
		if (got < MIME_REPACK_CHUNK)
			break;
	}
	g_free(buf);
	close(fd);
	return rc;
}

/* UTF-8 text into CRLF lines */
static void mr_crlf(GString *out, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r')
			continue;
		if (text[i] == '\n')
			g_string_append(out, "\r\n");
		else
			g_string_append_c(out, text[i]);
	}
	if (len > 0 && text[len - 1] != '\n')
		g_string_append(out, "\r\n");
}

/* a header line, folded at white space near MIME_REPACK_FOLD; control
 * characters in the value (CR and LF included: never from mime-unpack)
 * become spaces, so nothing in a header can end it or mark a file */
static void mr_header(GString *out, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	const char *p = value;

	g_string_append_printf(out, "%s: ", name);
	while (*p != '\0') {
		const char *sp = p;
		size_t wl;

		while (*sp == ' ' || *sp == '\t')
			sp++;
		wl = strcspn(sp, " \t");
		if (col + (size_t)(sp - p) + wl > MIME_REPACK_FOLD && col > strlen(name) + 2 &&
		    sp > p) {
			g_string_append(out, "\r\n ");
			col = 1;
			p = sp;
		}
		for (const char *q = p; q < sp + wl; q++)
			g_string_append_c(out, ((unsigned char)*q < 0x20 || *q == 0x7f) ? ' ' : *q);
		col += (size_t)(sp + wl - p);
		p = sp + wl;
	}
	g_string_append(out, "\r\n");
}

/* Content-Type and Content-Disposition for a named file */
static void mr_named(GString *head, const char *type, const char *name)
{
	char *words = mailhdr_encode_words(name);
	char *ext = mailhdr_encode_2231(name);
	GString *ct = g_string_new(type), *cd = g_string_new("attachment");
	size_t n = strlen(ext);
	int ascii = 1;

	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || *p == '"' || *p == '\\')
			ascii = 0;
	if (ascii) {
		g_string_append_printf(ct, "; name=\"%s\"", name);
		g_string_append_printf(cd, "; filename=\"%s\"", name);
	} else {
		/* Outlook reads name=, RFC 2231 readers filename*= (continued in
		 * sections that never split a %XX) */
		g_string_append_printf(ct, "; name=\"%s\"", words);
		if (n <= 60) {
			g_string_append_printf(cd, "; filename*=%s", ext);
		} else {
			unsigned sec = 0;

			for (size_t i = 0; i < n; sec++) {
				size_t take = MIN((size_t)60, n - i);

				while (take < n - i && i + take >= 1 && take >= 2 &&
				       (ext[i + take - 1] == '%' || ext[i + take - 2] == '%'))
					take--;
				g_string_append_printf(cd, "; filename*%u*=%.*s", sec, (int)take, ext + i);
				i += take;
			}
		}
	}
	mr_header(head, "Content-Type", ct->str);
	mr_header(head, "Content-Disposition", cd->str);
	g_string_free(ct, TRUE);
	g_string_free(cd, TRUE);
	g_free(words);
	g_free(ext);
}

static const char *mr_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* a notice in Japanese and English */
static struct mr_part *mr_notice(struct mr_state *st, const char *name, const char *reason,
				 int held)
{
	struct mr_part *p = mr_part_new();
	GString *t = g_string_new(NULL);
	const char *r = reason != NULL && reason[0] ? reason : "unknown";
	int malware = g_str_has_prefix(r, "malware") || g_str_has_prefix(r, "infected") ||
		      strstr(r, "FOUND") != NULL;

	if (held) {
		g_string_append_printf(t,
			"添付ファイル \"%s\" はパスワード付きのため、パスワードが届くまで保留しています"
			"（受付番号: %s）。\n"
			"同じ差出人から同じ宛先に「パスワード: ...」と書いたメールが届くと、"
			"無害化したファイルを別のメールでお送りします。\n\n"
			"The attachment \"%s\" is password-protected and is held until its "
			"password arrives (job %s). When a mail from the same sender to the same "
			"recipients says \"Password: ...\", the sanitised file follows in a "
			"separate mail.\n", name, st->job, name, st->job);
	} else {
		g_string_append_printf(t,
			"添付ファイル \"%s\" は%sため削除しました（理由: %s）。\n\n"
			"The attachment \"%s\" was removed because %s (reason: %s).\n", name,
			malware ? "ウイルスが検出された" : "安全が確認できない", r, name,
			malware ? "malware was found in it" : "it could not be confirmed safe", r);
	}
	mr_header(p->head, "Content-Type", "text/plain; charset=UTF-8");
	mr_header(p->head, "Content-Disposition", "inline");
	mr_header(p->head, "Content-Transfer-Encoding", "base64");
	{
		GString *crlf = g_string_new(NULL);

		mr_crlf(crlf, t->str, t->len);
		mr_b64(p->body, crlf->str, crlf->len);
		g_string_free(crlf, TRUE);
	}
	g_string_free(t, TRUE);
	return p;
}

static struct mr_part *mr_text(const char *text, size_t len)
{
	struct mr_part *p = mr_part_new();
	GString *crlf = g_string_new(NULL);

	mr_header(p->head, "Content-Type", "text/plain; charset=UTF-8");
	mr_header(p->head, "Content-Transfer-Encoding", "base64");
	mr_crlf(crlf, text, len);
	mr_b64(p->body, crlf->str, crlf->len);
	g_string_free(crlf, TRUE);
	p->is_text_body = 1;
	return p;
}

/* uuencode's "begin 644 name" (three or four octal digits); the name in *name */
static int mr_uu_begin(const char *l, size_t len, char **name)
{
	size_t d = 0;

	if (len < 8 || strncmp(l, "begin ", 6) != 0)
		return 0;
	while (6 + d < len && l[6 + d] >= '0' && l[6 + d] <= '7')
		d++;
	if ((d != 3 && d != 4) || 6 + d + 1 >= len || l[6 + d] != ' ')
		return 0;
	*name = g_strndup(l + 7 + d, len - 7 - d);
	return 1;
}

/* a uuencoded line: its first character gives its length */
static int mr_uu_line(const char *l, size_t len)
{
	size_t n, want;

	if (len == 0 || l[0] < 0x20 || l[0] > 0x60)
		return 0;
	n = (size_t)((l[0] - 0x20) & 0x3f);
	want = 1 + (n + 2) / 3 * 4;
	if (len < want || len > want + 2) /* some encoders add a check character */
		return 0;
	for (size_t i = 1; i < len; i++)
		if (l[i] < 0x20 || l[i] > 0x60)
			return 0;
	return 1;
}

/* the line of text at i: its length without CR LF, the offset after it */
static size_t mr_line(const char *text, size_t len, size_t i, size_t *next)
{
	const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
	size_t ll = nl != NULL ? (size_t)(nl - text - i) : len - i;

	*next = i + ll + (nl != NULL);
	return ll > 0 && text[i + ll - 1] == '\r' ? ll - 1 : ll;
}

/*
 * A file a body carries inside its text, as mail clients decode it
 * (uuencode: "begin 644 name" ... "end"; yEnc: "=ybegin ... name=" ...
 * "=yend"): the lines go from the text, a notice each into notices.  A
 * "begin" line that no encoded line follows is text.
 */
static void mr_strip_files(struct mr_state *st, const char *text, size_t len, GString *out,
			   GPtrArray *notices)
{
	size_t i = 0, next, after;

	while (i < len) {
		const char *l = text + i;
		size_t cl = mr_line(text, len, i, &next);
		char *name = NULL;
		int yenc = cl > 8 && strncmp(l, "=ybegin ", 8) == 0;
		int uu = !yenc && mr_uu_begin(l, cl, &name);

		if (uu)
			uu = mr_uu_line(text + next, mr_line(text, len, next, &after));
		if (yenc) {
			const char *nm = g_strstr_len(l, (gssize)cl, " name=");

			yenc = nm != NULL;
			if (yenc)
				name = g_strndup(nm + 6, cl - (size_t)(nm + 6 - l));
		}
		if (!uu && !yenc) {
			g_string_append_len(out, l, (gssize)(next - i));
			g_free(name);
			i = next;
			continue;
		}
		/* the encoded lines up to the end line (or the end of the text) */
		for (i = next; i < len;) {
			const char *e = text + i;
			size_t ecl = mr_line(text, len, i, &i);

			if (uu ? (ecl == 3 && strncmp(e, "end", 3) == 0)
			       : (ecl >= 5 && strncmp(e, "=yend", 5) == 0))
				break;
		}
		{
			char *safe = mailhdr_safe_name(g_strstrip(name));

			st->attachments++;
			st->removed++;
			g_ptr_array_add(notices, mr_notice(st, safe != NULL ? safe : "?",
				uu ? "encoded-in-text: a uuencoded file inside the text"
				   : "encoded-in-text: a yEnc file inside the text", 0));
			g_free(safe);
		}
		g_free(name);
	}
}

/* a body leaf: its text (HTML made text, or dropped) */
static int mr_body(struct mr_state *st, json_t *leaf, json_t *art, GPtrArray *parts)
{
	const char *file = mr_str(art, "file");
	const char *type = mr_str(leaf, "type");
	int html = type != NULL && strcmp(type, "text/html") == 0;
	size_t len = 0;
	char *text;
	struct mr_part *p;

	if (file == NULL) {
		filter_set(st->res, FILTER_FAILED, "repack-plan: an artefact without a file");
		return -1;
	}
	if (html) {
		st->html_seen = 1;
		if (st->html == HTML_DROP)
			return 0;
	}
	text = mr_read(st, file, &len);
	if (text == NULL)
		return -1;
	if (!g_utf8_validate(text, (gssize)len, NULL)) {
		/* not text after all (an HTML body that was a zip): the part
		 * goes, with a notice, and never its bytes */
		g_free(text);
		st->removed++;
		g_ptr_array_add(parts, mr_notice(st, "本文 (body)", "not-text: a body that is not "
						 "UTF-8 text", 0));
		return 0;
	}
	if (html) {
		/* html-text's mail form made it text (job.c): no HTML is parsed
		 * here; its URLs defanged once more in case the body was read as
		 * plain text (an HTML body without a tag libmagic knows) */
		GString *t = g_string_new_len(text, (gssize)len);

		defang_urls(t);
		g_free(text);
		len = t->len;
		text = g_string_free(t, FALSE);
	}
	{
		GString *kept = g_string_new(NULL);
		GPtrArray *notices = g_ptr_array_new_with_free_func(mr_part_free);

		mr_strip_files(st, text, len, kept, notices);
		p = mr_text(kept->str, kept->len);
		p->is_html_text = html;
		g_string_free(kept, TRUE);
		g_ptr_array_add(parts, p);
		while (notices->len > 0)
			g_ptr_array_add(parts, g_ptr_array_steal_index(notices, 0));
		g_ptr_array_free(notices, TRUE);
	}
	g_free(text);
	return 0;
}

static int mr_leaf(struct mr_state *st, json_t *leaf, GPtrArray *parts)
{
	json_t *arts = json_object_get(leaf, "artefacts");
	json_t *rem = json_object_get(leaf, "removed");
	json_t *held = json_object_get(leaf, "held");
	const char *role = mr_str(leaf, "role");
	int body = role != NULL && strcmp(role, "body") == 0;
	int html = mr_str(leaf, "type") != NULL && strcmp(mr_str(leaf, "type"), "text/html") == 0;
	const char *name = mr_str(leaf, "name") ? mr_str(leaf, "name") :
			   body ? "本文 (body)" : mr_str(leaf, "path") ? mr_str(leaf, "path") : "?";
	size_t i;
	json_t *a;

	if (!body)
		st->attachments++;
	if (!json_is_array(arts) && !json_is_array(rem) && !json_is_array(held)) {
		st->removed++;
		g_ptr_array_add(parts, mr_notice(st, name, "not-processed", 0));
		return 0;
	}
	json_array_foreach(arts, i, a) {
		const char *file = mr_str(a, "file");
		const char *aname = mr_str(a, "name");
		const char *atype = mr_str(a, "type");
		const char *charset = mr_str(a, "charset");
		struct mr_part *p;
		char *safe, *ctype;

		/* a body is text; what the pipeline made of a plain body that
		 * was not (an image, a PDF) is attached as the file it is */
		if (body && (html || atype == NULL || strcmp(atype, "text/plain") == 0)) {
			if (mr_body(st, leaf, a, parts) != 0)
				return -1;
			continue;
		}
		if (body)
			st->attachments++;
		if (file == NULL || !mr_name_ok(file)) {
			filter_set(st->res, FILTER_FAILED, "repack-plan: bad artefact file name");
			return -1;
		}
		safe = mailhdr_safe_name(aname ? aname : name);
		p = mr_part_new();
		/* the type is ours (the core's detection of the artefact), still
		 * checked to be one token/token */
		if (atype == NULL || strspn(atype, "abcdefghijklmnopqrstuvwxyz0123456789.+-/") !=
		    strlen(atype) || strchr(atype, '/') == NULL)
			atype = "application/octet-stream";
		/* text the core converted says so (else readers guess ASCII) */
		if (charset != NULL && charset[0] != '\0' && strspn(charset,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
		    strlen(charset) && strlen(charset) <= MIME_REPACK_CHARSET_MAX)
			ctype = g_strdup_printf("%s; charset=%s", atype, charset);
		else
			ctype = g_strdup(atype);
		mr_named(p->head, ctype, safe ? safe : "attachment");
		g_free(ctype);
		mr_header(p->head, "Content-Transfer-Encoding", "base64");
		g_strlcpy(p->file, file, sizeof(p->file));
		g_ptr_array_add(parts, p);
		st->converted++;
		g_free(safe);
	}
	json_array_foreach(rem, i, a) {
		/* an empty body is an empty text, not a removed file */
		if (body && g_str_has_prefix(mr_str(a, "reason") ? mr_str(a, "reason") : "", "empty:")) {
			g_ptr_array_add(parts, mr_text("", 0));
			continue;
		}
		st->removed++;
		g_ptr_array_add(parts, mr_notice(st, mr_str(a, "name") ? mr_str(a, "name") : name,
						 mr_str(a, "reason"), 0));
	}
	json_array_foreach(held, i, a) {
		st->held++;
		g_ptr_array_add(parts, mr_notice(st, mr_str(a, "name") ? mr_str(a, "name") : name,
						 mr_str(a, "reason"), 1));
	}
	return 0;
}

static int mr_node(struct mr_state *st, json_t *node, unsigned depth, GPtrArray *parts);

static char *mr_boundary(struct mr_state *st)
{
	return g_strdup_printf("=_mugai_%u_%08x", ++st->boundary_n,
			       g_random_int()); /* base64 lines never start with "--=" */
}

/* parts under one new multipart of subtype sub (the list is consumed) */
static struct mr_part *mr_multipart(struct mr_state *st, const char *sub, GPtrArray *kids)
{
	struct mr_part *p = mr_part_new();
	char *b = mr_boundary(st);
	char *ct = g_strdup_printf("multipart/%s; boundary=\"%s\"", sub, b);

	mr_header(p->head, "Content-Type", ct);
	g_string_append(p->body, "This is a multi-part message in MIME format.\r\n");
	for (guint i = 0; i < kids->len; i++) {
		struct mr_part *k = g_ptr_array_index(kids, i);

		g_string_append_printf(p->body, "\r\n--%s\r\n", b);
		g_string_append_len(p->body, k->head->str, (gssize)k->head->len);
		g_string_append(p->body, "\r\n");
		if (k->file[0] != '\0') {
			/* a file part is written when the message is: the body keeps a
			 * marker line that no base64 or CRLF text can contain */
			g_string_append_printf(p->body, "\x01%s\x01\r\n", k->file);
		}
		g_string_append_len(p->body, k->body->str, (gssize)k->body->len);
	}
	g_string_append_printf(p->body, "\r\n--%s--\r\n", b);
	g_free(ct);
	g_free(b);
	g_ptr_array_free(kids, TRUE);
	return p;
}

static int mr_headers_out(GString *out, json_t *headers, const char *subject_tag,
			  const char *subject)
{
	size_t i;
	json_t *h;

	json_array_foreach(headers, i, h) {
		const char *name = json_string_value(json_array_get(h, 0));
		const char *value = json_string_value(json_array_get(h, 1));

		if (name == NULL || value == NULL || name[0] == '\0' ||
		    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
			    strlen(name))
			continue;
		if (mailheader_dropped(name))
			continue;
		if (subject_tag != NULL && g_ascii_strcasecmp(name, "Subject") == 0) {
			char *t = g_strdup_printf("%s %s", subject_tag, subject ? subject : "");
			char *w = mailhdr_encode_words(t);

			mr_header(out, "Subject", w);
			g_free(w);
			g_free(t);
			subject_tag = NULL;
			continue;
		}
		mr_header(out, name, value);
	}
	if (subject_tag != NULL) {
		char *w = mailhdr_encode_words(subject_tag);

		mr_header(out, "Subject", w);
		g_free(w);
	}
	return 0;
}

/* a message node (the top one or a nested message/rfc822): headers + body */
static struct mr_part *mr_message(struct mr_state *st, json_t *node, unsigned depth,
				  const char *subject_tag, int top)
{
	json_t *body = json_object_get(node, "body");
	GPtrArray *kids = g_ptr_array_new_with_free_func(mr_part_free);
	struct mr_part *inner, *p = mr_part_new();

	if (json_is_object(body) && mr_node(st, body, depth + 1, kids) != 0) {
		g_ptr_array_free(kids, TRUE);
		mr_part_free(p);
		return NULL;
	}
	if (kids->len == 0)
		g_ptr_array_add(kids, mr_text("", 0));
	if (kids->len == 1) {
		inner = g_ptr_array_steal_index(kids, 0);
		g_ptr_array_free(kids, TRUE);
	} else {
		inner = mr_multipart(st, "mixed", kids);
	}
	if (!top) {
		mr_header(p->head, "Content-Type", "message/rfc822");
		mr_header(p->head, "Content-Disposition", "attachment");
	}
	mr_headers_out(p->body, json_object_get(node, "headers"), subject_tag,
		       mr_str(node, "subject"));
	g_string_append(p->body, "MIME-Version: 1.0\r\n");
	g_string_append_len(p->body, inner->head->str, (gssize)inner->head->len);
	if (top) {
		/* the counters are known only now: the header goes last */
		g_string_append(p->body, "\x02\r\n");
	}
	g_string_append(p->body, "\r\n");
	if (inner->file[0] != '\0')
		g_string_append_printf(p->body, "\x01%s\x01\r\n", inner->file);
	g_string_append_len(p->body, inner->body->str, (gssize)inner->body->len);
	mr_part_free(inner);
	return p;
}

static int mr_node(struct mr_state *st, json_t *node, unsigned depth, GPtrArray *parts)
{
	const char *kind = mr_str(node, "kind");

	if (depth > MIME_REPACK_MAX_DEPTH || kind == NULL) {
		filter_set(st->res, FILTER_FAILED, "repack-plan: %s",
			   kind == NULL ? "a node without a kind" : "nested too deep");
		return -1;
	}
	if (strcmp(kind, "leaf") == 0)
		return mr_leaf(st, node, parts);
	if (strcmp(kind, "message") == 0) {
		struct mr_part *m = mr_message(st, node, depth, NULL, 0);

		if (m == NULL)
			return -1;
		g_ptr_array_add(parts, m);
		return 0;
	}
	if (strcmp(kind, "multipart") == 0) {
		const char *type = mr_str(node, "type");
		int alt = type != NULL && g_ascii_strcasecmp(type, "multipart/alternative") == 0;
		json_t *kids = json_object_get(node, "children");
		GPtrArray *sub = g_ptr_array_new_with_free_func(mr_part_free);
		size_t i;
		json_t *k;
		int have_text = 0;

		json_array_foreach(kids, i, k)
			if (mr_node(st, k, depth + 1, sub) != 0) {
				g_ptr_array_free(sub, TRUE);
				return -1;
			}
		/* an alternative keeps one text: the plain one when there is one */
		if (alt) {
			for (guint j = 0; j < sub->len; j++) {
				struct mr_part *p = g_ptr_array_index(sub, j);

				have_text |= p->is_text_body && !p->is_html_text;
			}
			for (guint j = 0; have_text && j < sub->len;) {
				struct mr_part *p = g_ptr_array_index(sub, j);

				if (p->is_html_text)
					g_ptr_array_remove_index(sub, j);
				else
					j++;
			}
		}
		if (sub->len == 0) {
			g_ptr_array_free(sub, TRUE);
			return 0;
		}
		if (sub->len == 1) {
			g_ptr_array_add(parts, g_ptr_array_steal_index(sub, 0));
			g_ptr_array_free(sub, TRUE);
			return 0;
		}
		/* related and signed make no sense once HTML is text and a part
		 * is rebuilt: mixed, except a pure alternative (texts only: a
		 * notice or a file as an alternative would hide the text, or be
		 * the one part a client shows) */
		for (guint j = 0; alt && j < sub->len; j++)
			alt = ((struct mr_part *)g_ptr_array_index(sub, j))->is_text_body;
		g_ptr_array_add(parts, mr_multipart(st, alt ? "alternative" : "mixed", sub));
		return 0;
	}
	filter_set(st->res, FILTER_FAILED, "repack-plan: unknown node kind");
	return -1;
}

/* write the message: text as is, "\x01file\x01" lines as base64 of the
 * file, "\x02" as the X-Mugai-Sanitized header */
static int mr_emit(struct mr_state *st, const GString *msg)
{
	const char *p = msg->str, *end = msg->str + msg->len;

	while (p < end) {
		const char *m = memchr(p, '\x01', (size_t)(end - p));
		const char *s = memchr(p, '\x02', (size_t)(end - p));
		const char *next = m != NULL && (s == NULL || m < s) ? m : s;

		if (next == NULL)
			next = end;
		g_string_append_len(st->out, p, (gssize)(next - p));
		if (mr_flush(st) != 0)
			return -1;
		if (next == end)
			break;
		if (*next == '\x02') {
			char *v = g_strdup_printf("attachments=%u converted=%u removed=%u held=%u "
						  "html=%s", st->attachments, st->converted,
						  st->removed, st->held,
						  !st->html_seen ? "none" :
						  st->html == HTML_DROP ? "drop" : "text");

			g_string_append_printf(st->out, "X-Mugai-Sanitized: %s", v);
			g_free(v);
			p = next + 1;
			continue;
		}
		{
			const char *close_m = memchr(next + 1, '\x01', (size_t)(end - next - 1));
			char file[MIME_REPACK_FILE_MAX + 1];
			size_t fl;

			if (close_m == NULL || (fl = (size_t)(close_m - next - 1)) > MIME_REPACK_FILE_MAX) {
				filter_set(st->res, FILTER_FAILED, "repack: bad file marker");
				return -1;
			}
			memcpy(file, next + 1, fl);
			file[fl] = '\0';
			if (mr_b64_file(st, file) != 0)
				return -1;
			p = close_m + 1;
			if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
				p += 2;
		}
	}
	return mr_flush(st);
}

static int mr_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		  struct filter_result *res)
{
	struct mr_state st;
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *plan, *opts;
	json_error_t jerr;
	struct mr_part *msg;
	const char *html, *tag;
	char *tagc = NULL;

	memset(&st, 0, sizeof(st));
	st.out_dir_fd = out_dir_fd;
	st.lim = lim;
	st.res = res;
	st.fd = -1;
	if (filter_read_all(in_fd, MIME_REPACK_PLAN_MAX, &buf, &len) != 0) {
		filter_set(res, FILTER_FAILED, "repack-plan: cannot read (at most %d bytes)",
			   MIME_REPACK_PLAN_MAX);
		return 0;
	}
	plan = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!json_is_object(plan) || !json_is_integer(json_object_get(plan, "version")) ||
	    json_integer_value(json_object_get(plan, "version")) != 1) {
		json_decref(plan);
		filter_set(res, FILTER_FAILED, "repack-plan: not a version 1 plan");
		return 0;
	}
	opts = json_object_get(plan, "options");
	html = mr_str(opts, "html");
	tag = mr_str(opts, "subject_tag");
	st.html = html != NULL && strcmp(html, "drop") == 0 ? HTML_DROP : HTML_TEXT;
	st.job = mr_str(plan, "job") ? mr_str(plan, "job") : "-";
	if (tag != NULL && tag[0] != '\0' && strlen(tag) <= MIME_REPACK_TAG_MAX &&
	    g_utf8_validate(tag, -1, NULL))
		tagc = g_strdup(tag);
	st.out = g_string_new(NULL);
	msg = mr_message(&st, plan, 0, tagc, 1);
	if (msg != NULL) {
		st.fd = filter_create(out_dir_fd, FILTERPROTO_OUT_EML);
		if (st.fd < 0) {
			filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		} else {
			int ok = mr_emit(&st, msg->body) == 0;

			if (close(st.fd) != 0 && ok) {
				filter_set(res, FILTER_FAILED, "cannot write the message: %s",
					   strerror(errno));
				ok = 0;
			}
			if (ok)
				filter_output(res, FILTERPROTO_OUT_EML);
			if (ok)
				filter_set(res, FILTER_OK, "message rebuilt: attachments=%u "
					   "converted=%u removed=%u held=%u", st.attachments,
					   st.converted, st.removed, st.held);
			else
				unlinkat(out_dir_fd, FILTERPROTO_OUT_EML, 0);
		}
		mr_part_free(msg);
	}
	g_string_free(st.out, TRUE);
	g_free(tagc);
	json_decref(plan);
	return 0;
}

const struct filter_ops filter_mime_repack = { "mime-repack", mr_accepts, mr_run, 0 };
