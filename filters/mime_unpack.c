/*
 * mime_unpack.c - the mime-unpack filter: one RFC 5322 message (GMime 3)
 * split into its bodies and attachments, like unpack splits an archive.
 *
 * Output (in the output directory):
 *   m000001, m000002, ...  one file per leaf part, its transfer encoding
 *                          undone; text/plain and text/html bodies are
 *                          UTF-8 (their charset decoded with textenc, so
 *                          ISO-2022-JP keeps its NEC/IBM characters and
 *                          Shift_JIS is read as CP932); attachments are the
 *                          bytes as sent
 *   t000001, ...           a text part's text as the text filter makes it
 *                          (mu_text), beside its member
 *   manifest.jsonl         one line per member, as unpack writes it:
 *                          {"file":"m000001","path":"予算.csv","size":N,"part":"1.2"}
 *                          (and "text":"t000001","text_from":"CP932")
 *   structure.json         the message for mime-repack: the headers to keep
 *                          (every header but Content-*, MIME-Version and
 *                          X-Mugai-*, raw), the decoded Subject, and the part
 *                          tree in order: {"kind":"multipart","type":...,
 *                          "children":[...]}, {"kind":"message","headers":...,
 *                          "subject":...,"body":{...}} (message/rfc822, nested),
 *                          {"kind":"leaf","part":"1.2","role":"body"|"attachment",
 *                          "type":...,"charset":...,"decoded_from":...,
 *                          "transfer_encoding":...,"disposition":...,"name":...,
 *                          "file":"m000002","size":N}
 *
 * Limits: parts (containers included) <= [limits] archive_max_members,
 * nesting <= [mail] max_depth (filter_limits.max_depth), each decoded part
 * <= [limits] archive_max_member_size, all of them <= archive_max_total_size,
 * a body's text <= [limits] text_max_bytes.  Before GMime parses anything
 * the containers declared in the raw bytes are counted, so a message with
 * more than [mail] max_containers (filter_limits.max_containers, never more
 * than FILTERPROTO_MAIL_CONTAINERS_MAX) never reaches GMime's recursive
 * parser; the walk counts them again, with the parts of a multipart/digest,
 * which are messages without declaring it.  Over a limit: blocked, nothing
 * kept.
 */
#include "filter.h"
#include "mailhdr.h"
#include "mugai/mailheader.h"
#include "textenc.h"
#include "mugai/mimetype.h"

#include <errno.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIME_UNPACK_BLOCK (64 * 1024)
#define MIME_UNPACK_SCAN_MAX (256 * 1024 * 1024) /* bytes pre-scanned for containers */
#define MIME_UNPACK_HEADERS_MAX 1000    /* headers kept per message (Postfix's
					 * header_size_limit allows far fewer) */

struct mu_state {
	int out_dir_fd;
	const struct filter_limits *lim;
	json_t *members;   /* manifest.jsonl lines */
	GHashTable *names; /* member paths taken */
	unsigned n_files;
	unsigned n_parts;
	unsigned n_containers; /* multipart and message/rfc822 parts walked */
	unsigned max_containers; /* [mail] max_containers, clamped */
	uint64_t total;
	uint64_t text_total; /* bytes of converted text written (mu_text) */
	struct filter_result *res;
};

/* A message is text/plain to libmagic when its first header is not one
 * libmagic knows (Message-ID, DKIM-Signature, Subject...: Postfix gives a
 * milter the message without its own Received: line); policy runs this
 * filter on text or unknown bytes only for a job submitted as a mail
 * (mode=mail). */
static bool mu_accepts(const char *mime)
{
	/* and what policy gives it under mode=mail: text libmagic did not
	 * take for a mail (a DKIM-Signature or MIME-Version first), unknown */
	return strcmp(mime, "message/rfc822") == 0 || strncmp(mime, "text/", 5) == 0 ||
	       strcmp(mime, "application/octet-stream") == 0;
}

/* [mail] max_containers exceeded, by the raw count or by the walk */
static void mu_too_many_containers(struct filter_result *res, unsigned max)
{
	filter_set(res, FILTER_BLOCKED, "mail-too-many-parts: more than %u multipart or "
		   "message/rfc822 containers ([mail] max_containers)", max);
}

/* Count "multipart/" and "message/rfc822" in the raw bytes (any case): an
 * upper bound of the containers GMime would build, read in blocks. */
static int mu_prescan(int fd, unsigned max, struct filter_result *res)
{
	static const char *const pat[] = { "multipart/", "message/rfc822" };
	unsigned char *buf = malloc(MIME_UNPACK_BLOCK + 16);
	size_t keep = 0;
	uint64_t seen = 0;
	unsigned count = 0;
	off_t off = 0;

	if (buf == NULL) {
		filter_set(res, FILTER_FAILED, "out of memory");
		return -1;
	}
	for (;;) {
		ssize_t n = pread(fd, buf + keep, MIME_UNPACK_BLOCK, off);
		size_t len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			filter_set(res, FILTER_FAILED, "cannot read the input: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		off += n;
		seen += (uint64_t)n;
		len = keep + (size_t)n;
		for (size_t i = 0; i < len; i++)
			for (size_t k = 0; k < G_N_ELEMENTS(pat); k++) {
				size_t pl = strlen(pat[k]);

				if (i + pl <= len && (buf[i] | 0x20) == pat[k][0] &&
				    g_ascii_strncasecmp((const char *)buf + i, pat[k], pl) == 0 &&
				    i + pl > keep) /* else counted in the block before */
					count++;
			}
		if (count > max) {
			free(buf);
			mu_too_many_containers(res, max);
			return -1;
		}
		/* the last 15 bytes again in front: a pattern split between blocks */
		keep = len < 15 ? len : 15;
		memmove(buf, buf + len - keep, keep);
		if (seen > MIME_UNPACK_SCAN_MAX)
			break;
	}
	free(buf);
	return 0;
}

static const char *mu_header_raw(GMimeObject *o, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	GMimeHeader *h = hl != NULL ? g_mime_header_list_get_header(hl, name) : NULL;

	return h != NULL ? g_mime_header_get_raw_value(h) : NULL;
}

/* the headers a rebuilt message keeps, raw; Subject decoded into *subject */
static json_t *mu_headers(GMimeObject *o, char **subject)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	json_t *arr = json_array();
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;

	*subject = NULL;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_raw_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		char *v, *vv;

		if (name == NULL || raw == NULL)
			continue;
		if (mailheader_dropped(name))
			continue;
		if (strlen(raw) > MAILHDR_VALUE_MAX || json_array_size(arr) >= MIME_UNPACK_HEADERS_MAX)
			continue; /* a header no client shows: dropped */
		v = mailhdr_unfold(raw);
		if (g_ascii_strcasecmp(name, "Subject") == 0 && *subject == NULL)
			*subject = mailhdr_decode_words(v);
		/* raw 8-bit header text is kept only as valid UTF-8 */
		vv = g_utf8_validate(v, -1, NULL) ? v : mailhdr_decode_words(v);
		json_array_append_new(arr, json_pack("[s,s]", name, vv));
		if (vv != v)
			g_free(vv);
		g_free(v);
	}
	return arr;
}

/* "a.csv" taken -> "a (2).csv" */
static char *mu_unique(struct mu_state *st, char *path)
{
	for (unsigned k = 2; g_hash_table_contains(st->names, path) && k < 100000; k++) {
		const char *dot = strrchr(path, '.');
		char *n = (dot == NULL || dot == path)
				  ? g_strdup_printf("%s (%u)", path, k)
				  : g_strdup_printf("%.*s (%u)%s", (int)(dot - path), path, k, dot);

		if (!g_hash_table_contains(st->names, n)) {
			g_free(path);
			path = n;
			break;
		}
		g_free(n);
	}
	g_hash_table_add(st->names, g_strdup(path));
	return path;
}

/* the decoded content of a part into fd (or into text when text != NULL,
 * bounded by max_text_bytes); 0, or -1 with st->res set */
static int mu_content(struct mu_state *st, GMimePart *part, int fd, GString *text,
		      uint64_t *size)
{
	const struct filter_limits *lim = st->lim;
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *src, *fs;
	GMimeFilter *dec;
	char *buf;
	int rc = 0;

	*size = 0;
	if (w == NULL)
		return 0;
	src = g_mime_data_wrapper_get_stream(w);
	if (src == NULL)
		return 0;
	g_mime_stream_reset(src);
	fs = g_mime_stream_filter_new(src);
	dec = g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(w), FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), dec);
	g_object_unref(dec);
	buf = g_malloc(MIME_UNPACK_BLOCK);
	for (;;) {
		ssize_t n = g_mime_stream_read(fs, buf, MIME_UNPACK_BLOCK);

		if (n < 0) {
			filter_set(st->res, FILTER_FAILED, "mail-unreadable: a part cannot be read");
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		*size += (uint64_t)n;
		st->total += (uint64_t)n;
		if (*size > lim->max_member_bytes) {
			filter_set(st->res, FILTER_BLOCKED, "mail-part-too-large: > %llu bytes "
				   "([limits] archive_max_member_size)",
				   (unsigned long long)lim->max_member_bytes);
			rc = -1;
			break;
		}
		if (st->total > lim->max_total_bytes) {
			filter_set(st->res, FILTER_BLOCKED, "mail-too-large: parts > %llu bytes "
				   "([limits] archive_max_total_size)",
				   (unsigned long long)lim->max_total_bytes);
			rc = -1;
			break;
		}
		if (text != NULL) {
			if (*size > lim->max_text_bytes) {
				filter_set(st->res, FILTER_BLOCKED, "text-too-large: a body > %llu "
					   "bytes ([limits] text_max_bytes)",
					   (unsigned long long)lim->max_text_bytes);
				rc = -1;
				break;
			}
			g_string_append_len(text, buf, n);
		} else if (filter_write_all(fd, buf, (size_t)n) != 0) {
			filter_set(st->res, FILTER_FAILED, "cannot write a part: %s", strerror(errno));
			rc = -1;
			break;
		}
	}
	g_free(buf);
	g_object_unref(fs);
	return rc;
}

static int mu_new_member(struct mu_state *st, char *file, size_t filelen)
{
	int fd;

	snprintf(file, filelen, "m%06u", st->n_files + 1);
	fd = filter_create(st->out_dir_fd, file);
	if (fd < 0) {
		filter_set(st->res, FILTER_FAILED, "cannot create a member file: %s",
			   strerror(errno));
		return -1;
	}
	st->n_files++;
	return fd;
}

/*
 * The text filter's work on a text part, done here while the part is at
 * hand: t000001 beside m000001 and named in the part's manifest line, so
 * that mugaid need not start a text filter for it (one process fewer per
 * text part: starting one costs more than converting a mail's text).
 * Only parts declared text (text/ but HTML, CSV), of at most
 * [limits] text_max_bytes, all such texts at most archive_max_total_size;
 * buf is the part's content when the caller holds it, else it is read
 * back from the member.  What cannot be converted here gets no text:
 * mugaid then runs the text filter on the member, which says why.  mugaid
 * uses the text only where it would run the text filter on the member (its
 * own detection and policy decide) and only when it is clean text
 * (mugai/textcheck.h).
 */
static void mu_text(struct mu_state *st, json_t *line, const char *file, const char *type,
		    const char *buf, size_t len)
{
	const struct filter_limits *lim = st->lim;
	unsigned char *own = NULL;
	struct filter_result tr;
	const char *enc = NULL;
	char tname[16];
	struct stat sb;

	if (!mimetype_is_plain_text(type))
		return;
	if (buf == NULL) {
		int fd = openat(st->out_dir_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return;
		if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size > lim->max_text_bytes ||
		    filter_read_all(fd, lim->max_text_bytes, &own, &len) != 0) {
			close(fd);
			free(own);
			return;
		}
		close(fd);
		buf = (const char *)own;
	}
	if ((uint64_t)len <= lim->max_text_bytes && st->text_total + len <= lim->max_total_bytes) {
		memset(&tr, 0, sizeof(tr));
		snprintf(tname, sizeof(tname), FILTERPROTO_TEXT_FMT, st->n_files);
		if (text_convert((const unsigned char *)buf, len, st->out_dir_fd, tname, lim, &tr,
				 &enc) && tr.status == FILTER_OK) {
			if (fstatat(st->out_dir_fd, tname, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    st->text_total + (uint64_t)sb.st_size <= lim->max_total_bytes) {
				st->text_total += (uint64_t)sb.st_size;
				filterproto_manifest_text(line, tname, enc);
			} else {
				unlinkat(st->out_dir_fd, tname, 0);
			}
		}
	}
	free(own);
}

static json_t *mu_leaf(struct mu_state *st, GMimePart *part, const char *id)
{
	GMimeObject *o = GMIME_OBJECT(part);
	const char *ct_raw = mu_header_raw(o, "Content-Type");
	const char *cd_raw = mu_header_raw(o, "Content-Disposition");
	char *ct = ct_raw ? mailhdr_unfold(ct_raw) : g_strdup("text/plain");
	char *cd = cd_raw ? mailhdr_unfold(cd_raw) : NULL;
	char *type = NULL, *disp = NULL, *charset, *name = NULL, *safe, *path;
	const char *cte = g_mime_content_encoding_to_string(g_mime_part_get_content_encoding(part));
	json_t *node = json_object();
	GString *text = NULL;
	const char *body_text = NULL; /* a body's UTF-8 (or raw) text, for mu_text */
	size_t body_len = 0;
	char file[16];
	uint64_t size = 0;
	int body, fd, rc;

	charset = mailhdr_param(ct, "charset", &type);
	if (type == NULL || strchr(type, '/') == NULL) {
		g_free(type);
		type = g_strdup("text/plain"); /* RFC 2045's default for a broken type */
	}
	if (cd != NULL)
		name = mailhdr_param(cd, "filename", &disp);
	if (name == NULL)
		name = mailhdr_param(ct, "name", NULL);
	safe = name != NULL ? mailhdr_safe_name(name) : NULL;
	body = safe == NULL && (disp == NULL || strcmp(disp, "attachment") != 0) &&
	       (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0);
	if (body)
		path = g_strdup_printf("body-%s.%s", id, strcmp(type, "text/html") == 0 ? "html" : "txt");
	else if (safe != NULL)
		path = g_strdup(safe);
	else
		path = g_strdup_printf("attachment-%s", id);
	path = mu_unique(st, path);

	json_object_set_new(node, "kind", json_string("leaf"));
	json_object_set_new(node, "part", json_string(id));
	json_object_set_new(node, "role", json_string(body ? "body" : "attachment"));
	json_object_set_new(node, "type", json_string(type));
	if (charset != NULL)
		json_object_set_new(node, "charset", json_string(charset));
	if (cte != NULL)
		json_object_set_new(node, "transfer_encoding", json_string(cte));
	if (disp != NULL)
		json_object_set_new(node, "disposition", json_string(disp));
	if (safe != NULL)
		json_object_set_new(node, "name", json_string(safe));
	json_object_set_new(node, "path", json_string(path));

	fd = mu_new_member(st, file, sizeof(file));
	if (fd < 0) {
		rc = -1;
	} else if (body) {
		text = g_string_new(NULL);
		rc = mu_content(st, part, -1, text, &size);
		if (rc == 0) {
			const char *used = NULL;
			char *u = textenc_decode_label(charset, (const unsigned char *)text->str,
						       text->len, &used);

			/* undecodable: the bytes as they are, for the text filter to judge */
			if (u != NULL) {
				json_object_set_new(node, "decoded_from", json_string(used));
				size = strlen(u);
				rc = filter_write_all(fd, u, size);
				g_string_assign(text, u);
			} else {
				json_object_set_new(node, "decoded_from", json_null());
				rc = filter_write_all(fd, text->str, text->len);
			}
			g_free(u);
			if (rc != 0)
				filter_set(st->res, FILTER_FAILED, "cannot write a part: %s",
					   strerror(errno));
			body_text = text->str;
			body_len = text->len;
		}
	} else {
		rc = mu_content(st, part, fd, NULL, &size);
	}
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		filter_set(st->res, FILTER_FAILED, "cannot write a part: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		/* filterproto's writer, plus the part id (the reader ignores it) */
		json_t *line = filterproto_manifest_member(file, path, size);

		json_object_set_new(node, "file", json_string(file));
		json_object_set_new(node, "size", json_integer((json_int_t)size));
		json_object_set_new(line, "part", json_string(id));
		mu_text(st, line, file, type, body_text, body_len);
		json_array_append_new(st->members, line);
	}
	if (text != NULL)
		g_string_free(text, TRUE);
	g_free(ct);
	g_free(cd);
	g_free(type);
	g_free(disp);
	g_free(charset);
	g_free(name);
	g_free(safe);
	g_free(path);
	if (rc != 0) {
		json_decref(node);
		return NULL;
	}
	return node;
}

static json_t *mu_walk(struct mu_state *st, GMimeObject *o, const char *id, unsigned depth);

static json_t *mu_message(struct mu_state *st, GMimeMessage *m, const char *id, unsigned depth)
{
	json_t *node = json_object();
	GMimeObject *body = g_mime_message_get_mime_part(m);
	char *subject = NULL;

	json_object_set_new(node, "kind", json_string("message"));
	json_object_set_new(node, "part", json_string(id));
	json_object_set_new(node, "headers", mu_headers(GMIME_OBJECT(m), &subject));
	if (subject != NULL)
		json_object_set_new(node, "subject", json_string(subject));
	g_free(subject);
	if (body != NULL) {
		char *cid = id[0] ? g_strdup_printf("%s.1", id) : g_strdup("1");
		json_t *b = mu_walk(st, body, cid, depth + 1);

		g_free(cid);
		if (b == NULL) {
			json_decref(node);
			return NULL;
		}
		json_object_set_new(node, "body", b);
	}
	return node;
}

static json_t *mu_walk(struct mu_state *st, GMimeObject *o, const char *id, unsigned depth)
{
	if (++st->n_parts > st->lim->max_members) {
		filter_set(st->res, FILTER_BLOCKED, "mail-too-many-parts: > %u ([limits] "
			   "archive_max_members)", st->lim->max_members);
		return NULL;
	}
	if (depth > st->lim->max_depth) {
		filter_set(st->res, FILTER_BLOCKED, "mail-too-deep: nesting > %u ([mail] max_depth)",
			   st->lim->max_depth);
		return NULL;
	}
	/* the raw count (mu_prescan) sees what a message declares; a
	 * multipart/digest's parts are message/rfc822 without saying so */
	if ((GMIME_IS_MULTIPART(o) || GMIME_IS_MESSAGE_PART(o)) &&
	    ++st->n_containers > st->max_containers) {
		mu_too_many_containers(st->res, st->max_containers);
		return NULL;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		char *type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
		json_t *node = json_object(), *kids = json_array();
		int n = g_mime_multipart_get_count(mp);

		json_object_set_new(node, "kind", json_string("multipart"));
		json_object_set_new(node, "part", json_string(id));
		json_object_set_new(node, "type", json_string(type ? type : "multipart/mixed"));
		g_free(type);
		json_object_set_new(node, "children", kids);
		for (int i = 0; i < n; i++) {
			char *cid = g_strdup_printf("%s.%d", id, i + 1);
			json_t *k = mu_walk(st, g_mime_multipart_get_part(mp, i), cid, depth + 1);

			g_free(cid);
			if (k == NULL) {
				json_decref(node);
				return NULL;
			}
			json_array_append_new(kids, k);
		}
		return node;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (m != NULL)
			return mu_message(st, m, id, depth);
		/* an empty or unreadable message/rfc822: a part without content,
		 * which mime-repack replaces by a notice */
		return json_pack("{s:s, s:s, s:s, s:s}", "kind", "leaf", "part", id, "role",
				 "attachment", "type", "message/rfc822");
	}
	if (GMIME_IS_PART(o))
		return mu_leaf(st, GMIME_PART(o), id);
	filter_set(st->res, FILTER_FAILED, "mail-unreadable: unknown part kind");
	return NULL;
}

static int mu_write_json(struct mu_state *st, const char *name, json_t *v, int lines)
{
	int fd = filter_create(st->out_dir_fd, name);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (lines) {
		rc = filter_write_json_lines(fd, v);
	} else {
		char *s = json_dumps(v, JSON_COMPACT);

		if (s == NULL || filter_write_all(fd, s, strlen(s)) != 0)
			rc = -1;
		free(s);
	}
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

static void mu_rollback(struct mu_state *st)
{
	char tname[16];

	for (unsigned i = 1; i <= st->n_files; i++) {
		snprintf(tname, sizeof(tname), FILTERPROTO_TEXT_FMT, i);
		unlinkat(st->out_dir_fd, tname, 0);
	}
	filterproto_members_remove(st->out_dir_fd, st->n_files);
	unlinkat(st->out_dir_fd, FILTERPROTO_MAIL_STRUCTURE, 0);
}

static int mu_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		  struct filter_result *res)
{
	static int inited;
	struct mu_state st;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	GMimeMessage *msg;
	json_t *root = NULL;
	int fd;

	memset(&st, 0, sizeof(st));
	st.out_dir_fd = out_dir_fd;
	st.lim = lim;
	st.res = res;
	st.max_containers = lim->max_containers < FILTERPROTO_MAIL_CONTAINERS_MAX
			    ? lim->max_containers : FILTERPROTO_MAIL_CONTAINERS_MAX;
	if (mu_prescan(in_fd, st.max_containers, res) != 0)
		return 0;
	if (!inited) {
		g_mime_init();
		inited = 1;
	}
	fd = dup(in_fd);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		if (fd >= 0)
			close(fd);
		filter_set(res, FILTER_FAILED, "cannot read the input: %s", strerror(errno));
		return 0;
	}
	stream = g_mime_stream_fs_new(fd);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_persist_stream(parser, TRUE);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	msg = g_mime_parser_construct_message(parser, opts);
	if (msg == NULL) {
		filter_set(res, FILTER_FAILED, "mail-unreadable: not an RFC 5322 message");
		goto out;
	}
	st.members = json_array();
	st.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	root = mu_message(&st, msg, "", 0);
	if (root != NULL) {
		json_object_set_new(root, "version", json_integer(1));
		if (mu_write_json(&st, FILTERPROTO_MANIFEST, st.members, 1) != 0 ||
		    mu_write_json(&st, FILTERPROTO_MAIL_STRUCTURE, root, 0) != 0) {
			filter_set(res, FILTER_FAILED, "cannot write the manifest: %s",
				   strerror(errno));
			mu_rollback(&st);
		} else {
			filter_output(res, FILTERPROTO_MANIFEST);
			filter_set(res, FILTER_OK, "%u part(s), %u member(s), %llu bytes",
				   st.n_parts, st.n_files, (unsigned long long)st.total);
		}
	} else {
		mu_rollback(&st);
	}
	json_decref(root);
	json_decref(st.members);
	g_hash_table_destroy(st.names);
	g_object_unref(msg);
out:
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	return 0;
}

const struct filter_ops filter_mime_unpack = { "mime-unpack", mu_accepts, mu_run, 0 };
