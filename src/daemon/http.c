/*
 * http.c - the router of mugaid's HTTP listeners and the roles of a caller
 * (see http.h for the routes).  Bodies are upload.c's and form.c's, the
 * answers reply.c's.
 */
#include "http.h"
#include "httpparse.h"
#include "mugai/numparse.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* who is calling: role bits of the bearer token (-1 when a token was
 * given but is unknown, 0 when none), and the identity that owns the jobs
 * it submits (see http.h) */
struct caller {
	int role;
	char owner[HTTP_OWNER_MAX];
};

static void http_caller(const struct listener *l, struct MHD_Connection *c, struct caller *who)
{
	struct daemon *d = l->d;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_AUTHORIZATION);
	gchar *hex;
	gpointer v;

	who->role = 0;
	who->owner[0] = '\0';
	if (l->kind == LISTEN_ADMIN) {
		who->role = ROLE_ADMIN | ROLE_SUBMIT | ROLE_FETCH | ROLE_METRICS | ROLE_MAIL;
		g_strlcpy(who->owner, HTTP_OWNER_ADMIN, sizeof(who->owner));
		return;
	}
	if (d->open_access) {
		who->role = ROLE_SUBMIT | ROLE_FETCH | ROLE_METRICS | ROLE_MAIL;
		g_strlcpy(who->owner, HTTP_OWNER_OPEN, sizeof(who->owner));
		return;
	}
	/* an empty bearer is no token at all */
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0')
		return;
	hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, auth + 7, -1);
	v = g_hash_table_lookup(d->tokens, hex);
	who->role = v != NULL ? GPOINTER_TO_INT(v) : -1;
	if (v != NULL)
		snprintf(who->owner, sizeof(who->owner), "%s%s", HTTP_OWNER_TOKEN, hex);
	g_free(hex);
}

/* 0 when allowed, else a 401/403 was queued into *ret */
static int http_auth(const struct caller *who, struct MHD_Connection *c, int need,
		     enum MHD_Result *ret)
{
	if (who->role == 0 || who->role == -1) {
		*ret = reply_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				   who->role == 0 ? "a bearer token is required" : "unknown token");
		return -1;
	}
	if ((who->role & need) == 0) {
		*ret = reply_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
				   "this token's role may not do that");
		return -1;
	}
	return 0;
}

/* A job belongs to whoever submitted it: an administrator sees every job,
 * a fetch token may read (never change) any job, the owner its own; to
 * anyone else the job does not exist.  1 when who may, 0 */
static int http_owns(struct daemon *d, const struct caller *who, const char *id, int change)
{
	json_t *meta;
	const char *owner;
	int mine;

	/* no tokens (loopback only): one identity, whoever calls */
	if ((who->role & ROLE_ADMIN) || d->open_access)
		return 1;
	if (!change && (who->role & ROLE_FETCH))
		return 1;
	meta = spool_meta_load(d->spool, id);
	owner = json_string_value(json_object_get(meta, "owner"));
	/* a job without an owner (older, or from elsewhere) is the admin's */
	mine = owner != NULL && who->owner[0] != '\0' && strcmp(owner, who->owner) == 0;
	json_decref(meta);
	return mine;
}

/* differing Content-Length headers (RFC 9110 8.6): 1 */
static enum MHD_Result http_count_length(void *cls, enum MHD_ValueKind kind, const char *key,
					 const char *value)
{
	const char **first = cls;

	(void)kind;
	if (g_ascii_strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
		return MHD_YES;
	if (*first == NULL) {
		*first = value;
		return MHD_YES;
	}
	if (strcmp(*first, value) != 0) {
		*first = "";
		return MHD_NO;
	}
	return MHD_YES;
}

static int http_lengths_differ(struct MHD_Connection *c)
{
	const char *first = NULL;

	MHD_get_connection_values(c, MHD_HEADER_KIND, http_count_length, &first);
	return first != NULL && first[0] == '\0';
}

void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	int *kind = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (kind != NULL && *kind == REQ_UPLOAD)
		upload_completed(*con_cls);
	else if (kind != NULL && *kind == REQ_FORM)
		form_completed(*con_cls);
	*con_cls = NULL;
}

/* the Content-Disposition of artefact n: its name, else "artefact" */
static char *http_artefact_disposition(struct daemon *d, const char *id, size_t n)
{
	char *text = spool_result_load(d->spool, id), *disp;
	json_t *res = text != NULL ? json_loads(text, 0, NULL) : NULL;
	const char *path = json_string_value(json_object_get(
		json_array_get(json_object_get(res, "artefacts"), n), "path"));

	free(text);
	disp = httpparse_attachment(path != NULL ? path : "artefact");
	json_decref(res);
	return disp;
}

/* released bytes only: the spool opens artefact n of a done job */
static enum MHD_Result http_artefact(struct daemon *d, struct MHD_Connection *c, const char *id,
				     const char *nstr)
{
	struct MHD_Response *r;
	struct stat st;
	enum MHD_Result ret;
	uint64_t n;
	int fd = -1;

	if (numparse_whole(nstr, &n, SIZE_MAX) == 0)
		fd = spool_artefact_open(d->spool, id, (size_t)n);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such artefact");
	}
	r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	{
		char *disp = http_artefact_disposition(d, id, (size_t)n);

		MHD_add_response_header(r, "Content-Disposition", disp);
		g_free(disp);
	}
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result http_metrics(struct daemon *d, struct MHD_Connection *c)
{
	struct metrics_gauges g;
	struct engine_ref *er = engine_acquire(d);

	memset(&g, 0, sizeof(g));
	worker_gauges(d, &g.queue_depth, &g.active);
	g.signatures = er ? scan_engine_signatures(er->eng) : 0;
	g.db_version = er ? scan_engine_db_version(er->eng) : 0;
	g.db_age = er ? (long long)(time(NULL) - d->db_mtime) : -1LL;
	engine_release(d, er);
	wait_gauges(&d->wait, &g.waiters, &g.waits_refused);
	return reply_text(c, MHD_HTTP_OK, "text/plain; version=0.0.4",
			  metrics_render(&d->metrics, &g));
}

static enum MHD_Result http_method(struct MHD_Connection *c, const char *want)
{
	char msg[32];

	snprintf(msg, sizeof(msg), "use %s", want);
	return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method", msg);
}

enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version, const char *upload_data,
			     size_t *upload_data_size, void **con_cls)
{
	struct listener *l = cls;
	struct daemon *d = l->d;
	enum MHD_Result ret;
	struct caller who;
	char id[JOBID_LEN + 8];
	const char *n, *te;
	int route, is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	(void)version;
	/* A request without an upload is answered at the second call, when
	 * libmicrohttpd has taken the request whole: a response queued at the
	 * first one (headers only) is "early", and the connection is closed
	 * after it, so a client could never reuse one for a GET. */
	if (*con_cls == NULL && !is_post) {
		static const int headers_seen = REQ_HEADERS;

		*con_cls = (void *)&headers_seen;
		return MHD_YES;
	}
	if (*con_cls != NULL && *(int *)*con_cls == REQ_HEADERS)
		*con_cls = NULL;
	else if (*con_cls != NULL && *(int *)*con_cls == REQ_FORM)
		return form_request(*con_cls, c, upload_data, upload_data_size);
	else if (*con_cls != NULL)
		return upload_request(*con_cls, c, upload_data, upload_data_size);
	/* which body is meant must be unambiguous (request smuggling) */
	if (http_lengths_differ(c))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				   "differing Content-Length headers");
	te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (te != NULL && g_ascii_strcasecmp(te, "chunked") != 0)
		return reply_error(c, MHD_HTTP_NOT_IMPLEMENTED, "not-implemented",
				   "only the chunked Transfer-Encoding is understood");
	http_caller(l, c, &who);
	if (strcmp(url, "/healthz") == 0)
		return reply_text(c, MHD_HTTP_OK, "text/plain", g_strdup("ok\n"));
	if (!l->release_only && strcmp(url, "/readyz") == 0) {
		struct engine_ref *er = engine_acquire(d);
		int ready = er != NULL, audit = !metrics_audit_down(&d->metrics);

		engine_release(d, er);
		return reply_text(c, ready && audit ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
				  "text/plain", g_strdup(!ready ? "no signature database loaded\n" :
							 !audit ? "the audit log cannot be written\n" :
							 "ready\n"));
	}
	if (!l->release_only && strcmp(url, "/metrics") == 0) {
		if (http_auth(&who, c, ROLE_METRICS | ROLE_ADMIN, &ret) != 0)
			return ret;
		return http_metrics(d, c);
	}
	if (strcmp(url, "/v1/jobs") == 0) {
		if (l->kind != LISTEN_INTAKE)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found",
					   l->release_only ? "the release listener accepts no uploads"
							   : "uploads go to the intake listener");
		if (!is_post)
			return http_method(c, "POST");
		if (http_auth(&who, c, ROLE_SUBMIT, &ret) != 0)
			return ret;
		return upload_start(l, c, who.owner, who.role, con_cls);
	}
	if (!l->release_only && strncmp(url, "/v1/admin/", 10) == 0) {
		int list = strcmp(url, "/v1/admin/jobs") == 0;

		if (!list && strcmp(url, "/v1/admin/purge") != 0)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
		if (http_auth(&who, c, ROLE_ADMIN, &ret) != 0)
			return ret;
		if (list) {
			if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
				return http_method(c, "GET");
			return reply_json(c, MHD_HTTP_OK, admin_list(d));
		}
		if (!is_post)
			return http_method(c, "POST");
		return form_start(l, c, FORM_PURGE, "", con_cls);
	}
	if (httpparse_route_job(url, id, sizeof(id), &route, &n) != 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
	if (route == ROUTE_PASSWORD || route == ROUTE_RELEASE_ORIGINAL ||
	    route == ROUTE_PASSWORD_RESET) {
		/* the LGWAN side changes nothing */
		if (l->release_only)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
		if (!is_post)
			return http_method(c, "POST");
		if (http_auth(&who, c, route == ROUTE_PASSWORD ? ROLE_SUBMIT : ROLE_ADMIN, &ret) != 0)
			return ret;
		if (!http_owns(d, &who, id, 1))
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such job");
		if (route == ROUTE_PASSWORD_RESET) {
			char why[256];
			enum spool_err rc = admin_password_reset(d, id, l->kind == LISTEN_ADMIN ?
								 "admin-socket" : "intake",
								 why, sizeof(why));

			if (rc != SPOOL_OK)
				return reply_refusal(c, rc, why);
			return reply_json(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "id", id,
								   "password_tries", "reset"));
		}
		if (route == ROUTE_RELEASE_ORIGINAL && !d->cfg.allow_release_original)
			return reply_error(c, MHD_HTTP_FORBIDDEN, "release-original-disabled",
					   "originals are not released here ([daemon] "
					   "allow_release_original = false)");
		return form_start(l, c, route == ROUTE_PASSWORD ? FORM_PASSWORD :
				       FORM_RELEASE_ORIGINAL, id, con_cls);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return http_method(c, "GET");
	if (http_auth(&who, c, l->release_only ? ROLE_FETCH : (ROLE_SUBMIT | ROLE_FETCH), &ret) != 0)
		return ret;
	if (!http_owns(d, &who, id, 0))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such job");
	if (route == ROUTE_ARTEFACT) {
		if (*n == '\0' || strchr(n, '/') != NULL)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such artefact");
		return http_artefact(d, c, id, n);
	}
	{
		json_t *job = reply_job_json(d, id, l->release_only);

		if (job == NULL)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such job");
		return reply_json(c, MHD_HTTP_OK, job);
	}
}

