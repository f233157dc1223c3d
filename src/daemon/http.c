/*
 * http.c - the intake and release listeners (libmicrohttpd, internal
 * polling thread pool: no thread per connection).
 *
 * intake:  POST /v1/jobs, GET /v1/jobs/{id}, GET /v1/jobs/{id}/artefacts/{n},
 *          /healthz /readyz /metrics
 * release: GET /v1/jobs/{id}, GET /v1/jobs/{id}/artefacts/{n}, /healthz —
 *          released artefacts only, never an original, never an upload.
 * Uploads stream to the spool; a Content-Length over the limit is refused
 * with 413 before the body is read, an upload that grows over it is cut off.
 */
#include "daemon.h"
#include "httpparse.h"
#include "mugai/log.h"
#include "mugai/release.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTP_POOL_THREADS 8
/* ?wait parks a pool thread: at most this many at once, so that status,
 * health checks and new uploads always find a free thread; a request over
 * the cap gets its 202 at once */
#define HTTP_MAX_WAITERS (HTTP_POOL_THREADS - 3)
#define HTTP_CONN_MEMORY (64 * 1024)
#define HTTP_POST_BUFFER (16 * 1024)

struct listener {
	struct daemon *d;
	int release_only;
};

struct upload {
	char id[DAEMON_ID_LEN + 1];
	int fd;                        /* incoming/<id>/original */
	uint64_t size;
	char name[DAEMON_NAME_MAX + 1];
	int mode;
	int wait;
	struct MHD_PostProcessor *pp;
	int multipart;
	int have_file;
	int bad;                       /* malformed multipart */
	int too_large;
	int write_error;
	struct listener *l;
};

static enum MHD_Result http_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result ret;

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result http_error(struct MHD_Connection *c, unsigned status, const char *code,
				  const char *message)
{
	return http_json(c, status, json_pack("{s:{s:s, s:s}}", "error", "code", code,
					      "message", message));
}

static enum MHD_Result http_text(struct MHD_Connection *c, unsigned status, const char *type,
				 char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
								 MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* role bits of the caller's bearer token; -1 when a token was given but is unknown */
static int http_role(struct daemon *d, struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_AUTHORIZATION);
	gchar *hex;
	gpointer v;

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
static int http_auth(struct daemon *d, struct MHD_Connection *c, int need, enum MHD_Result *ret)
{
	int role = http_role(d, c);

	if (role == 0 || role == -1) {
		*ret = http_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				  role == 0 ? "a bearer token is required" : "unknown token");
		return -1;
	}
	if ((role & need) == 0) {
		*ret = http_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
				  "this token's role may not do that");
		return -1;
	}
	return 0;
}

static int http_write(struct upload *u, const char *data, size_t size)
{
	struct daemon *d = u->l->d;

	if (u->size + size > d->cfg.input_max_size) {
		u->too_large = 1;
		return -1;
	}
	while (size > 0) {
		ssize_t n = write(u->fd, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			u->write_error = 1;
			return -1;
		}
		data += n;
		size -= (size_t)n;
		u->size += (uint64_t)n;
	}
	return 0;
}

static enum MHD_Result http_post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *filename, const char *content_type,
				      const char *transfer_encoding, const char *data, uint64_t off,
				      size_t size)
{
	struct upload *u = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (filename == NULL || key == NULL)
		return MHD_YES; /* plain form fields are ignored */
	if (u->have_file == 0) {
		u->have_file = 1;
		if (u->name[0] == '\0')
			g_strlcpy(u->name, filename, sizeof(u->name));
	} else if (u->have_file == 2) {
		return MHD_YES; /* one file per job: the first */
	}
	if (size > 0 && http_write(u, data, size) != 0)
		return MHD_NO;
	return MHD_YES;
}

static void http_upload_free(struct upload *u, int keep)
{
	if (u->pp != NULL)
		MHD_destroy_post_processor(u->pp);
	if (u->fd >= 0)
		close(u->fd);
	if (!keep && u->id[0] != '\0') {
		char path[128];
		int inc = openat(u->l->d->spool_fd, "incoming", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		snprintf(path, sizeof(path), "%s/original", u->id);
		unlinkat(inc, path, 0);
		snprintf(path, sizeof(path), "%s/meta.json", u->id);
		unlinkat(inc, path, 0);
		unlinkat(inc, u->id, AT_REMOVEDIR);
		close(inc);
	}
	free(u);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u != NULL)
		http_upload_free(u, u->fd == -2);
	*con_cls = NULL;
}

/* the job as the API shows it */
static json_t *http_job_json(struct daemon *d, const char *id, int release_only)
{
	const char *state = spool_state(d, id);
	char *text;
	json_t *r, *arts, *a;
	size_t i;

	if (state == NULL)
		return NULL;
	if (strcmp(state, "done") != 0)
		return json_pack("{s:s, s:s, s:n, s:s, s:[], s:[]}", "id", id, "state", state,
				 "verdict", "reason", "", "items", "artefacts");
	text = spool_result(d, id);
	r = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (r == NULL)
		return NULL;
	arts = json_object_get(r, "artefacts");
	json_array_foreach(arts, i, a) {
		char url[160];

		snprintf(url, sizeof(url), "/v1/jobs/%s/artefacts/%zu", id, i);
		json_object_set(a, "name", json_object_get(a, "path"));
		json_object_set_new(a, "url", json_string(url));
	}
	if (release_only) {
		/* the LGWAN side sees verdicts and artefacts, not the findings list
		 * of every member's type detection */
		json_object_del(r, "input");
	}
	return r;
}

static enum MHD_Result http_artefact(struct daemon *d, struct MHD_Connection *c, const char *id,
				     const char *nstr)
{
	json_t *job = http_job_json(d, id, 0), *a;
	char *end, path[RELEASE_PATH_MAX + 128], err[128];
	unsigned long n = strtoul(nstr, &end, 10);
	const char *rel;
	struct MHD_Response *r;
	struct stat st;
	enum MHD_Result ret;
	int fd;

	if (job == NULL || *nstr == '\0' || *end != '\0' ||
	    (a = json_array_get(json_object_get(job, "artefacts"), n)) == NULL) {
		json_decref(job);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such artefact");
	}
	rel = json_string_value(json_object_get(a, "path"));
	if (rel == NULL || release_path_check(rel, err, sizeof(err)) != 0) {
		json_decref(job);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such artefact");
	}
	/* only under done/<id>/out: released bytes, never the original */
	snprintf(path, sizeof(path), "done/%s/out/%s", id, rel);
	fd = openat(d->spool_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	json_decref(job);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such artefact");
	}
	r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result http_metrics(struct daemon *d, struct MHD_Connection *c)
{
	static const char *const v[] = { "released", "blocked", "held", "failed", "other" };
	static const char *const le[] = { "0.05", "0.1", "0.25", "0.5", "1", "2.5", "10", "+Inf" };
	GString *s = g_string_new(NULL);
	struct engine_ref *er = engine_acquire(d);
	uint64_t cum = 0;

	pthread_mutex_lock(&d->mu);
	g_string_append(s, "# HELP mugai_jobs_total Jobs finished, by verdict.\n"
			   "# TYPE mugai_jobs_total counter\n");
	for (int i = 0; i < 5; i++)
		g_string_append_printf(s, "mugai_jobs_total{verdict=\"%s\",source=\"api\"} %llu\n",
				       v[i], (unsigned long long)d->jobs_by_verdict[i]);
	g_string_append_printf(s, "# TYPE mugai_bytes_in_total counter\nmugai_bytes_in_total %llu\n"
			       "# TYPE mugai_bytes_out_total counter\nmugai_bytes_out_total %llu\n"
			       "# TYPE mugai_queue_depth gauge\nmugai_queue_depth %u\n"
			       "# TYPE mugai_jobs_active gauge\nmugai_jobs_active %u\n"
			       "# TYPE mugai_signature_reloads_total counter\n"
			       "mugai_signature_reloads_total{result=\"ok\"} %llu\n"
			       "mugai_signature_reloads_total{result=\"failed\"} %llu\n",
			       (unsigned long long)d->bytes_in, (unsigned long long)d->bytes_out,
			       g_queue_get_length(d->queue), d->active,
			       (unsigned long long)d->reloads_ok,
			       (unsigned long long)d->reloads_failed);
	g_string_append(s, "# HELP mugai_processing_seconds Time from start to verdict.\n"
			   "# TYPE mugai_processing_seconds histogram\n");
	for (int i = 0; i < 8; i++) {
		cum += d->processing_hist[i];
		g_string_append_printf(s, "mugai_processing_seconds_bucket{le=\"%s\"} %llu\n", le[i],
				       (unsigned long long)cum);
	}
	g_string_append_printf(s, "mugai_processing_seconds_sum %.3f\n"
			       "mugai_processing_seconds_count %llu\n",
			       (double)d->processing_ms_sum / 1000.0,
			       (unsigned long long)d->processing_count);
	pthread_mutex_unlock(&d->mu);
	g_string_append_printf(s, "# TYPE mugai_signatures gauge\nmugai_signatures %u\n"
			       "# TYPE mugai_signature_db_age_seconds gauge\n"
			       "mugai_signature_db_age_seconds %lld\n",
			       er ? scan_engine_signatures(er->eng) : 0,
			       er ? (long long)(time(NULL) - d->db_mtime) : -1LL);
	engine_release(d, er);
	return http_text(c, MHD_HTTP_OK, "text/plain; version=0.0.4", g_string_free(s, FALSE));
}

static enum MHD_Result http_finish_upload(struct upload *u, struct MHD_Connection *c)
{
	struct daemon *d = u->l->d;
	json_t *job;
	struct timespec until;

	if (u->bad || (u->multipart && !u->have_file))
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				  u->bad ? "malformed multipart/form-data body"
					 : "multipart body without a file field");
	if (u->write_error || fsync(u->fd) != 0)
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				  "cannot write the upload to the spool");
	close(u->fd);
	u->fd = -2; /* committed: keep */
	if (u->name[0] == '\0')
		g_strlcpy(u->name, "upload.bin", sizeof(u->name));
	if (spool_commit(d, u->id, u->name, u->mode) != 0) {
		u->fd = -1;
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				  "cannot queue the job");
	}
	if (u->wait > 0) {
		static unsigned waiters;
		const char *state;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += u->wait;
		pthread_mutex_lock(&d->mu);
		if (waiters < HTTP_MAX_WAITERS) {
			waiters++;
			while ((state = spool_state(d, u->id)) != NULL && strcmp(state, "done") != 0 &&
			       pthread_cond_timedwait(&d->done_cv, &d->mu, &until) == 0)
				;
			waiters--;
		}
		pthread_mutex_unlock(&d->mu);
		state = spool_state(d, u->id);
		if (state != NULL && strcmp(state, "done") == 0) {
			job = http_job_json(d, u->id, 0);
			if (job != NULL)
				return http_json(c, MHD_HTTP_OK, job);
		}
	}
	return http_json(c, MHD_HTTP_ACCEPTED, json_pack("{s:s, s:s}", "id", u->id, "state",
							 "queued"));
}

static enum MHD_Result http_start_upload(struct listener *l, struct MHD_Connection *c,
					 void **con_cls)
{
	struct daemon *d = l->d;
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *cd = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Disposition");
	const char *fn = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filename");
	const char *mode = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mode");
	const char *wait = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
	struct upload *u;
	enum MHD_Result ret;
	char path[128];
	int inc;

	if (http_auth(d, c, ROLE_SUBMIT, &ret) != 0)
		return ret;
	if (cl != NULL && strtoull(cl, NULL, 10) > d->cfg.input_max_size)
		return http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				  "the upload is larger than [limits] input_max_size");
	if (mode != NULL && config_parse_mode(mode) < 0)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-mode",
				  "mode must be one of " CONFIG_MODES);
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return MHD_NO;
	u->fd = -1;
	u->l = l;
	u->mode = mode == NULL ? 0 : config_parse_mode(mode);
	if (wait != NULL) {
		long w = strtol(wait, NULL, 10);

		u->wait = w < 0 ? 0 : w > DAEMON_WAIT_MAX ? DAEMON_WAIT_MAX : (int)w;
	}
	if (fn != NULL)
		g_strlcpy(u->name, fn, sizeof(u->name));
	else if (cd != NULL)
		httpparse_disposition_name(cd, u->name, sizeof(u->name));
	if (u->name[0] != '\0' && !g_utf8_validate(u->name, -1, NULL)) {
		free(u);
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-name", "the file name is not UTF-8");
	}
	inc = openat(d->spool_fd, "incoming", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spool_new_id(u->id) != 0 || inc < 0 || mkdirat(inc, u->id, 0750) != 0) {
		if (inc >= 0)
			close(inc);
		free(u);
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				  "cannot create the job");
	}
	snprintf(path, sizeof(path), "%s/original", u->id);
	u->fd = openat(inc, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	close(inc);
	if (u->fd < 0) {
		http_upload_free(u, 0);
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				  "cannot create the job");
	}
	if (ct != NULL && g_ascii_strncasecmp(ct, "multipart/form-data", 19) == 0) {
		u->multipart = 1;
		u->pp = MHD_create_post_processor(c, HTTP_POST_BUFFER, http_post_iter, u);
		if (u->pp == NULL) {
			http_upload_free(u, 0);
			return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
					  "malformed multipart/form-data header");
		}
	}
	*con_cls = u;
	return MHD_YES;
}

static enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
				    const char *method, const char *version,
				    const char *upload_data, size_t *upload_data_size,
				    void **con_cls)
{
	struct listener *l = cls;
	struct daemon *d = l->d;
	enum MHD_Result ret;
	char id[DAEMON_ID_LEN + 8];
	const char *n;

	(void)version;
	if (*con_cls != NULL) {
		struct upload *u = *con_cls;

		if (*upload_data_size > 0) {
			if (!u->too_large && !u->bad) {
				if (u->multipart) {
					if (MHD_post_process(u->pp, upload_data, *upload_data_size) != MHD_YES &&
					    !u->too_large)
						u->bad = 1;
				} else {
					http_write(u, upload_data, *upload_data_size);
				}
			}
			*upload_data_size = 0;
			/* over the limit: stop reading, drop the connection */
			return u->too_large ? MHD_NO : MHD_YES;
		}
		return http_finish_upload(u, c);
	}
	if (strcmp(url, "/healthz") == 0)
		return http_text(c, MHD_HTTP_OK, "text/plain", g_strdup("ok\n"));
	if (!l->release_only && strcmp(url, "/readyz") == 0) {
		struct engine_ref *er = engine_acquire(d);
		int ready = er != NULL;

		engine_release(d, er);
		return http_text(c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				 g_strdup(ready ? "ready\n" : "no signature database loaded\n"));
	}
	if (!l->release_only && strcmp(url, "/metrics") == 0)
		return http_metrics(d, c);
	if (strcmp(url, "/v1/jobs") == 0) {
		if (l->release_only)
			return http_error(c, MHD_HTTP_NOT_FOUND, "not-found",
					  "the release listener accepts no uploads");
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method", "use POST");
		return http_start_upload(l, c, con_cls);
	}
	if (httpparse_route_job(url, id, sizeof(id), &n) != 0)
		return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method", "use GET");
	if (http_auth(d, c, l->release_only ? ROLE_FETCH : (ROLE_SUBMIT | ROLE_FETCH), &ret) != 0)
		return ret;
	if (*n != '\0') {
		if (strchr(n, '/') != NULL)
			return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such artefact");
		return http_artefact(d, c, id, n);
	}
	{
		json_t *job = http_job_json(d, id, l->release_only);

		if (job == NULL)
			return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such job");
		return http_json(c, MHD_HTTP_OK, job);
	}
}

static int http_parse_addr(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

struct MHD_Daemon *http_start(struct daemon *d, const char *addr, int release_only,
			      char *err, size_t errlen)
{
	static struct listener ls[2];
	struct listener *l = &ls[release_only ? 1 : 0];
	struct sockaddr_in sa;
	struct MHD_Daemon *m;

	if (http_parse_addr(addr, &sa) != 0) {
		snprintf(err, errlen, "bad listen address '%s' (want IPv4ADDR:PORT)", addr);
		return NULL;
	}
	if (d->open_access && (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "refusing to listen on %s without tokens: configure "
			 "--tokens or listen on 127.0.0.1", addr);
		return NULL;
	}
	l->d = d;
	l->release_only = release_only;
	m = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, http_handler, l,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_POOL_THREADS,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
			     MHD_OPTION_END);
	if (m == NULL)
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
	return m;
}
