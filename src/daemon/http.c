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

/* role bits of the caller's bearer token; -1 when a token was given but is
 * unknown.  The admin socket is the admin role: its file mode decides. */
static int http_role(const struct listener *l, struct MHD_Connection *c)
{
	struct daemon *d = l->d;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_AUTHORIZATION);
	gchar *hex;
	gpointer v;

	if (l->kind == LISTEN_ADMIN)
		return ROLE_ADMIN | ROLE_SUBMIT | ROLE_FETCH;
	if (d->open_access)
		return ROLE_SUBMIT | ROLE_FETCH;
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
		return 0;
	hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, auth + 7, -1);
	v = g_hash_table_lookup(d->tokens, hex);
	g_free(hex);
	return v != NULL ? GPOINTER_TO_INT(v) : -1;
}

/* 0 when allowed, else a 401/403 was queued into *ret */
static int http_auth(const struct listener *l, struct MHD_Connection *c, int need,
		     enum MHD_Result *ret)
{
	int role = http_role(l, c);

	if (role == 0 || role == -1) {
		*ret = reply_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				   role == 0 ? "a bearer token is required" : "unknown token");
		return -1;
	}
	if ((role & need) == 0) {
		*ret = reply_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
				   "this token's role may not do that");
		return -1;
	}
	return 0;
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
	else if (kind != NULL)
		form_completed(*con_cls);
	*con_cls = NULL;
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
	char id[JOBID_LEN + 8];
	const char *n;
	int route, is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	(void)version;
	if (*con_cls != NULL && *(int *)*con_cls == REQ_FORM)
		return form_request(*con_cls, c, upload_data, upload_data_size);
	if (*con_cls != NULL)
		return upload_request(*con_cls, c, upload_data, upload_data_size);
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
	if (!l->release_only && strcmp(url, "/metrics") == 0)
		return http_metrics(d, c);
	if (strcmp(url, "/v1/jobs") == 0) {
		if (l->kind != LISTEN_INTAKE)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found",
					   l->release_only ? "the release listener accepts no uploads"
							   : "uploads go to the intake listener");
		if (!is_post)
			return http_method(c, "POST");
		if (http_auth(l, c, ROLE_SUBMIT, &ret) != 0)
			return ret;
		return upload_start(l, c, con_cls);
	}
	if (!l->release_only && strncmp(url, "/v1/admin/", 10) == 0) {
		int list = strcmp(url, "/v1/admin/jobs") == 0;

		if (!list && strcmp(url, "/v1/admin/purge") != 0)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
		if (http_auth(l, c, ROLE_ADMIN, &ret) != 0)
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
	if (route == ROUTE_PASSWORD || route == ROUTE_RELEASE_ORIGINAL) {
		/* the LGWAN side changes nothing */
		if (l->release_only)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
		if (!is_post)
			return http_method(c, "POST");
		if (http_auth(l, c, route == ROUTE_PASSWORD ? ROLE_SUBMIT : ROLE_ADMIN, &ret) != 0)
			return ret;
		if (route == ROUTE_RELEASE_ORIGINAL && !d->cfg.allow_release_original)
			return reply_error(c, MHD_HTTP_FORBIDDEN, "release-original-disabled",
					   "originals are not released here ([daemon] "
					   "allow_release_original = false)");
		return form_start(l, c, route == ROUTE_PASSWORD ? FORM_PASSWORD :
				       FORM_RELEASE_ORIGINAL, id, con_cls);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return http_method(c, "GET");
	if (http_auth(l, c, l->release_only ? ROLE_FETCH : (ROLE_SUBMIT | ROLE_FETCH), &ret) != 0)
		return ret;
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

