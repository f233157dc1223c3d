/*
 * form.c - the small request bodies: a held job's password, an original's
 * release (approver, reason), a purge.  A JSON object of strings, or form
 * fields (urlencoded or multipart), at most HTTP_FORM_BODY_MAX bytes; a
 * password never outlives its request in our memory.
 */
#include "http.h"
#include "mugai/filterproto.h"

#include <stdlib.h>
#include <string.h>

/* body of a password, release-original or purge call */
#define HTTP_FORM_BODY_MAX (16 * 1024)

struct field {
	char *v;
	size_t cap;                    /* bytes of v, the NUL included */
	size_t len;
	int too_long;
	int bad;                       /* holds a NUL */
};

/* a small POST body: JSON, or form fields (urlencoded or multipart) */
struct form {
	int kind;                      /* REQ_FORM */
	int action;
	char id[JOBID_LEN + 1];
	int wait;
	char body[HTTP_FORM_BODY_MAX + 1];
	size_t len;
	int too_large;
	int bad;
	int urlencoded;
	struct MHD_PostProcessor *pp;  /* multipart/form-data */
	char password_buf[FILTER_PASSWORD_MAX];
	char approver_buf[DAEMON_APPROVER_MAX + 1];
	char reason_buf[DAEMON_NOTE_MAX + 1];
	struct field password, approver, reason;
	struct listener *l;
	struct waiter w;
};

static void form_free(struct form *f)
{
	if (f->pp != NULL)
		MHD_destroy_post_processor(f->pp);
	/* a password never outlives its request in our memory */
	explicit_bzero(f, sizeof(*f));
	free(f);
}

void form_completed(struct form *f)
{
	wait_forget(&f->l->d->wait, &f->w);
	form_free(f);
}

static void form_field_init(struct field *f, char *buf, size_t cap)
{
	f->v = buf;
	f->cap = cap;
	f->len = 0;
	f->v[0] = '\0';
}

static void form_field_append(struct field *f, const char *data, size_t size)
{
	if (f->too_long || size == 0)
		return;
	if (memchr(data, '\0', size) != NULL)
		f->bad = 1;
	if (f->len + size >= f->cap) {
		f->too_long = 1;
		return;
	}
	memcpy(f->v + f->len, data, size);
	f->len += size;
	f->v[f->len] = '\0';
}

static struct field *form_field(struct form *f, const char *key)
{
	if (key == NULL)
		return NULL;
	if (strcmp(key, "password") == 0)
		return &f->password;
	if (strcmp(key, "approver") == 0)
		return &f->approver;
	if (strcmp(key, "reason") == 0)
		return &f->reason;
	return NULL; /* other fields are ignored */
}

static enum MHD_Result form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *filename, const char *content_type,
				      const char *transfer_encoding, const char *data, uint64_t off,
				      size_t size)
{
	struct field *fl = form_field(cls, key);

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (fl != NULL)
		form_field_append(fl, data, size);
	return MHD_YES;
}

/* the JSON body's string members into the fields; -1 when it is no object
 * of strings */
static int form_json(struct form *f)
{
	json_error_t jerr;
	json_t *j, *v;
	const char *key;

	if (f->len == 0)
		return 0;
	j = json_loadb(f->body, f->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	json_object_foreach(j, key, v) {
		struct field *fl = form_field(f, key);

		if (fl == NULL)
			continue;
		if (!json_is_string(v)) {
			json_decref(j);
			return -1;
		}
		form_field_append(fl, json_string_value(v), json_string_length(v));
	}
	/* the copy of the password in jansson's memory */
	v = json_object_get(j, "password");
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
	json_decref(j);
	return 0;
}

/* a=1&b=2 into the fields; -1 when malformed */
static int form_urlencoded(struct form *f)
{
	gchar **pairs;
	int rc = 0;

	f->body[f->len] = '\0';
	if (memchr(f->body, '\0', f->len) != NULL)
		return -1;
	pairs = g_strsplit(f->body, "&", -1);
	for (size_t i = 0; pairs[i] != NULL && rc == 0; i++) {
		char *eq = strchr(pairs[i], '=');
		gchar *key, *val;
		struct field *fl;

		if (pairs[i][0] == '\0')
			continue;
		for (char *p = pairs[i]; *p != '\0'; p++)
			if (*p == '+')
				*p = ' ';
		if (eq != NULL)
			*eq = '\0';
		key = g_uri_unescape_string(pairs[i], NULL);
		val = g_uri_unescape_string(eq != NULL ? eq + 1 : "", NULL);
		/* NULL: a bad escape or an escaped NUL */
		if (key == NULL || val == NULL)
			rc = -1;
		else if ((fl = form_field(f, key)) != NULL)
			form_field_append(fl, val, strlen(val));
		if (val != NULL)
			explicit_bzero(val, strlen(val));
		g_free(key);
		g_free(val);
		explicit_bzero(pairs[i], strlen(pairs[i]));
	}
	g_strfreev(pairs);
	return rc;
}

enum MHD_Result form_start(struct listener *l, struct MHD_Connection *c, int action,
			   const char *id, void **con_cls)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	struct form *f;
	enum MHD_Result ret;
	int wait;

	if (reply_length_over(c, HTTP_FORM_BODY_MAX))
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				   "the request body is too large");
	if (reply_parse_wait(c, &wait, &ret) != 0)
		return ret;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MHD_NO;
	f->kind = REQ_FORM;
	f->action = action;
	f->l = l;
	f->wait = wait;
	g_strlcpy(f->id, id, sizeof(f->id));
	form_field_init(&f->password, f->password_buf, sizeof(f->password_buf));
	form_field_init(&f->approver, f->approver_buf, sizeof(f->approver_buf));
	form_field_init(&f->reason, f->reason_buf, sizeof(f->reason_buf));
	f->urlencoded = ct != NULL &&
			g_ascii_strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
	if (ct != NULL && g_ascii_strncasecmp(ct, "multipart/form-data", 19) == 0) {
		f->pp = MHD_create_post_processor(c, HTTP_POST_BUFFER, form_iter, f);
		if (f->pp == NULL) {
			form_free(f);
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
					   "malformed form header");
		}
	}
	*con_cls = f;
	return MHD_YES;
}

/* a field given, not too long, without NUL, and (unless bytes) UTF-8 */
static const char *form_field_check(struct field *fl, const char *name, int utf8, char *why,
				    size_t whylen)
{
	if (fl->too_long)
		snprintf(why, whylen, "%s: longer than %zu bytes", name, fl->cap - 1);
	else if (fl->bad)
		snprintf(why, whylen, "%s: holds a NUL byte", name);
	else if (utf8 && !g_utf8_validate(fl->v, (gssize)fl->len, NULL))
		snprintf(why, whylen, "%s: not UTF-8", name);
	else if (fl->len == 0 || (utf8 && *g_strstrip(fl->v) == '\0'))
		snprintf(why, whylen, "%s is required", name);
	else
		return fl->v;
	return NULL;
}

static enum MHD_Result form_finish(struct form *f, struct MHD_Connection *c)
{
	struct daemon *d = f->l->d;
	const char *via = f->l->kind == LISTEN_ADMIN ? "admin-socket" : "intake";
	const char *pw, *approver, *reason;
	char why[512];
	enum spool_err rc;

	if (f->too_large)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				   "the request body is too large");
	if (!f->bad && f->pp == NULL) {
		size_t sp = 0;

		while (sp < f->len && g_ascii_isspace(f->body[sp]))
			sp++;
		/* curl -d sends JSON as a form: a form never starts with '{' */
		if (f->urlencoded && (sp == f->len || f->body[sp] != '{'))
			f->bad = form_urlencoded(f) != 0;
		else
			f->bad = form_json(f) != 0;
		explicit_bzero(f->body, sizeof(f->body));
	}
	if (f->bad)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				   "the body must be a JSON object of strings or form fields");
	switch (f->action) {
	case FORM_PASSWORD:
		pw = form_field_check(&f->password, "password", 0, why, sizeof(why));
		if (pw == NULL)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
		rc = admin_password(d, f->id, pw, via, why, sizeof(why));
		explicit_bzero(f->password_buf, sizeof(f->password_buf));
		if (rc != SPOOL_OK)
			return reply_refusal(c, rc, why);
		return reply_wait_answer(d, c, &f->w, f->id, f->wait);
	case FORM_RELEASE_ORIGINAL:
		approver = form_field_check(&f->approver, "approver", 1, why, sizeof(why));
		if (approver == NULL)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
		reason = form_field_check(&f->reason, "reason", 1, why, sizeof(why));
		if (reason == NULL)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
		rc = admin_release_original(d, f->id, approver, reason, via, why, sizeof(why));
		if (rc != SPOOL_OK)
			return reply_refusal(c, rc, why);
		{
			json_t *job = reply_job_json(d, f->id, 0);

			if (job == NULL)
				return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such job");
			return reply_json(c, MHD_HTTP_OK, job);
		}
	default: {
		unsigned n = 0;

		if (admin_purge(d, d->cfg.retention_days, via, &n) != 0)
			return reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  json_pack("{s:{s:s, s:s}, s:I}", "error", "code", "spool-error",
						   "message", "some jobs could not be purged",
						   "purged", (json_int_t)n));
		return reply_json(c, MHD_HTTP_OK, json_pack("{s:I, s:I}", "purged", (json_int_t)n,
							   "retention_days",
							   (json_int_t)d->cfg.retention_days));
	}
	}
}

/* body bytes of a form request */
static void form_data(struct form *f, const char *data, size_t size)
{
	if (f->too_large || f->bad)
		return;
	if (f->len + size > HTTP_FORM_BODY_MAX) {
		f->too_large = 1;
		return;
	}
	if (f->pp != NULL) {
		f->len += size;
		if (MHD_post_process(f->pp, data, size) != MHD_YES)
			f->bad = 1;
		return;
	}
	memcpy(f->body + f->len, data, size);
	f->len += size;
}


enum MHD_Result form_request(struct form *f, struct MHD_Connection *c, const char *data,
			     size_t *size)
{
	if (f->w.phase != WAIT_NONE) /* resumed after a ?wait */
		return reply_wait_answer(f->l->d, c, &f->w, f->id, 0);
	if (*size > 0) {
		form_data(f, data, *size);
		*size = 0;
		return f->too_large ? MHD_NO : MHD_YES;
	}
	return form_finish(f, c);
}
