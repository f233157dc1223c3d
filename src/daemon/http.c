/*
 * http.c - the intake and release listeners (libmicrohttpd, internal
 * polling thread pool: no thread per connection).
 *
 * intake:  POST /v1/jobs, GET /v1/jobs/{id}, GET /v1/jobs/{id}/artefacts/{n},
 *          POST /v1/jobs/{id}/password (submit token),
 *          POST /v1/jobs/{id}/release-original, GET /v1/admin/jobs,
 *          POST /v1/admin/purge (admin token), /healthz /readyz /metrics
 * release: GET /v1/jobs/{id}, GET /v1/jobs/{id}/artefacts/{n}, /healthz —
 *          released artefacts only, never an original, never an upload.
 * admin:   a unix socket (mode 0660); whoever can connect is an
 *          administrator: the intake routes but the upload, no token.
 * Uploads stream to the spool; a Content-Length over the limit is refused
 * with 413 before the body is read, an upload that grows over it is cut off.
 * ?wait=SECONDS suspends the connection (MHD_suspend_connection) until the
 * job is done or the deadline passes: no pool thread is held while waiting.
 */
#include "mugai/clock.h"
#include "daemon.h"
#include "httpparse.h"
#include "mugai/log.h"
#include "mugai/numparse.h"
#include "mugai/release.h"
#include "filter.h"

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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HTTP_POOL_THREADS 8
/* connections beside the parked ?wait requests ([daemon] max_waiters) */
#define HTTP_CONN_HEADROOM 256
/* how often the deadlines of parked ?wait requests are checked */
#define HTTP_WAIT_TICK_MS 100
/* at stop, how long resumed ?wait requests may take to get their answer */
#define HTTP_STOP_GRACE_MS 2000
#define HTTP_CONN_MEMORY (64 * 1024)
#define HTTP_POST_BUFFER (16 * 1024)
#define HTTP_ADMIN_THREADS 2
#define HTTP_ADMIN_BACKLOG 16
/* a PEM certificate chain or private key file */
#define HTTP_PEM_MAX (1024 * 1024)
/* GnuTLS priorities of the TLS listeners: TLS 1.2 and 1.3 only */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* body of a password, release-original or purge call */
#define HTTP_FORM_BODY_MAX (16 * 1024)

struct listener {
	struct daemon *d;
	enum listener_kind kind;
	int release_only;
};

enum { REQ_UPLOAD = 1, REQ_FORM };
enum { WAIT_NONE = 0, WAIT_PARKED, WAIT_RESUMED };

/* A request parked on ?wait: its connection is suspended (no pool thread
 * held) until its job is done or its deadline passes, then resumed; MHD
 * calls the handler again, which answers 200 with the job or 202.
 * Linked in d->waiters under d->wmu while WAIT_PARKED. */
struct http_waiter {
	struct http_waiter *prev, *next;
	struct MHD_Connection *c;
	char id[JOBID_LEN + 1];
	int64_t deadline_ms;           /* CLOCK_MONOTONIC */
	int phase;                     /* WAIT_* (under d->wmu) */
};
enum { FORM_PASSWORD, FORM_RELEASE_ORIGINAL, FORM_PURGE };

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
	struct http_waiter w;
};

struct upload {
	int kind;                      /* REQ_UPLOAD */
	char id[JOBID_LEN + 1];
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
	struct http_waiter w;
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
		int inc = openat(u->l->d->spool_fd, "incoming", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (inc >= 0) {
			release_remove_tree(inc, u->id, DAEMON_RM_DEPTH);
			close(inc);
		}
	}
	free(u);
}

static void http_form_free(struct form *f)
{
	if (f->pp != NULL)
		MHD_destroy_post_processor(f->pp);
	/* a password never outlives its request in our memory */
	explicit_bzero(f, sizeof(*f));
	free(f);
}

/* under d->wmu: take a parked waiter off the list */
static void http_wait_unlink_locked(struct daemon *d, struct http_waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		d->waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	d->nwaiters--;
}

/* under d->wmu: unlink a parked waiter and resume its connection */
static void http_wait_wake_locked(struct daemon *d, struct http_waiter *w)
{
	http_wait_unlink_locked(d, w);
	w->phase = WAIT_RESUMED;
	d->wanswering++;
	MHD_resume_connection(w->c);
}

/* a connection that ends while parked (only at shutdown) leaves the list */
static void http_wait_forget(struct daemon *d, struct http_waiter *w)
{
	pthread_mutex_lock(&d->wmu);
	if (w->phase == WAIT_PARKED) {
		http_wait_unlink_locked(d, w);
		w->phase = WAIT_NONE;
	} else if (w->phase == WAIT_RESUMED) {
		/* answered (or gone): http_wait_stop() may be counting */
		w->phase = WAIT_NONE;
		d->wanswering--;
		pthread_cond_broadcast(&d->wcv);
	}
	pthread_mutex_unlock(&d->wmu);
}

void http_job_done(struct daemon *d, const char *id)
{
	struct http_waiter *w, *next;

	pthread_mutex_lock(&d->wmu);
	for (w = d->waiters; w != NULL; w = next) {
		next = w->next;
		if (strcmp(w->id, id) == 0)
			http_wait_wake_locked(d, w);
	}
	pthread_mutex_unlock(&d->wmu);
}

/* wait on wcv (wmu held) for a signal or one tick, whichever comes first */
static void http_wait_tick_locked(struct daemon *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += HTTP_WAIT_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&d->wcv, &d->wmu, &ts);
}

/* resumes the waiters whose deadline passed, every HTTP_WAIT_TICK_MS while
 * there are any */
static void *http_wait_thread(void *arg)
{
	struct daemon *d = arg;

	pthread_mutex_lock(&d->wmu);
	while (!d->wstopping) {
		struct http_waiter *w, *next;
		int64_t now;

		if (d->waiters == NULL)
			pthread_cond_wait(&d->wcv, &d->wmu);
		else
			http_wait_tick_locked(d);
		now = mugai_now_ms();
		for (w = d->waiters; w != NULL; w = next) {
			next = w->next;
			if (now >= w->deadline_ms)
				http_wait_wake_locked(d, w);
		}
	}
	pthread_mutex_unlock(&d->wmu);
	return NULL;
}

int http_wait_start(struct daemon *d)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&d->wmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->wcv, &ca);
	pthread_condattr_destroy(&ca);
	d->waiters = NULL;
	d->nwaiters = 0;
	d->wanswering = 0;
	d->wstopping = 0;
	return pthread_create(&d->wthread, NULL, http_wait_thread, d) == 0 ? 0 : -1;
}

void http_wait_stop(struct daemon *d)
{
	int64_t until = mugai_now_ms() + HTTP_STOP_GRACE_MS;

	pthread_mutex_lock(&d->wmu);
	d->wstopping = 1;
	while (d->waiters != NULL)
		http_wait_wake_locked(d, d->waiters);
	pthread_cond_broadcast(&d->wcv);
	pthread_mutex_unlock(&d->wmu);
	pthread_join(d->wthread, NULL);
	/* the resumed requests get their 202 before the listeners close */
	pthread_mutex_lock(&d->wmu);
	while (d->wanswering > 0 && mugai_now_ms() < until)
		http_wait_tick_locked(d);
	pthread_mutex_unlock(&d->wmu);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			   enum MHD_RequestTerminationCode toe)
{
	int *kind = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (kind != NULL && *kind == REQ_UPLOAD) {
		struct upload *u = *con_cls;

		http_wait_forget(u->l->d, &u->w);
		http_upload_free(u, u->fd == -2);
	} else if (kind != NULL) {
		struct form *f = *con_cls;

		http_wait_forget(f->l->d, &f->w);
		http_form_free(f);
	}
	*con_cls = NULL;
}

/* the job as the API shows it */
static json_t *http_job_json(struct daemon *d, const char *id, int release_only)
{
	const char *state;
	char *text;
	json_t *r, *arts, *a;
	size_t i;

	/* a job shown is a job whose "received" audit line is on disk */
	if (audit_sync(d->audit) != 0)
		log_warn("cannot sync the audit log");
	state = spool_state(d, id);
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
	char path[RELEASE_PATH_MAX + 128], err[128];
	uint64_t n;
	const char *rel;
	struct MHD_Response *r;
	struct stat st;
	enum MHD_Result ret;
	int fd;

	if (job == NULL || numparse_whole(nstr, &n, SIZE_MAX) != 0 ||
	    (a = json_array_get(json_object_get(job, "artefacts"), (size_t)n)) == NULL) {
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
	g_string_append(s, "# HELP mugai_filter_failures_total Items a filter process failed on "
			   "(nothing of them released), by reason.\n"
			   "# TYPE mugai_filter_failures_total counter\n");
	for (size_t i = 0; i < DAEMON_FILTER_FAILURE_KINDS; i++)
		g_string_append_printf(s, "mugai_filter_failures_total{reason=\"%s\"} %llu\n",
				       spool_filter_failures[i],
				       (unsigned long long)d->filter_failures[i]);
	pthread_mutex_unlock(&d->mu);
	g_string_append_printf(s, "# TYPE mugai_signatures gauge\nmugai_signatures %u\n"
			       "# HELP mugai_signature_db_version The database version (daily.cvd's "
			       "when loaded; 0 for local signatures only).\n"
			       "# TYPE mugai_signature_db_version gauge\n"
			       "mugai_signature_db_version %u\n"
			       "# TYPE mugai_signature_db_age_seconds gauge\n"
			       "mugai_signature_db_age_seconds %lld\n",
			       er ? scan_engine_signatures(er->eng) : 0,
			       er ? scan_engine_db_version(er->eng) : 0,
			       er ? (long long)(time(NULL) - d->db_mtime) : -1LL);
	engine_release(d, er);
	pthread_mutex_lock(&d->wmu);
	g_string_append_printf(s, "# HELP mugai_http_waiters Requests parked on ?wait.\n"
			       "# TYPE mugai_http_waiters gauge\nmugai_http_waiters %u\n"
			       "# HELP mugai_http_waits_refused_total ?wait requests answered 202 at once "
			       "(over [daemon] max_waiters).\n"
			       "# TYPE mugai_http_waits_refused_total counter\n"
			       "mugai_http_waits_refused_total %llu\n",
			       d->nwaiters, (unsigned long long)d->waits_refused);
	pthread_mutex_unlock(&d->wmu);
	return http_text(c, MHD_HTTP_OK, "text/plain; version=0.0.4", g_string_free(s, FALSE));
}

/* 200 with the job once it is done, within wait seconds; else 202 with
 * its state.  A job not done yet parks the request: its connection is
 * suspended (MHD_YES, no answer yet) until http_job_done() or the deadline
 * resumes it, and MHD calls the handler again, which lands here with
 * w->phase WAIT_RESUMED and answers.  Over [daemon] max_waiters, or while
 * stopping, the 202 comes at once. */
static enum MHD_Result http_wait_answer(struct daemon *d, struct MHD_Connection *c,
					struct http_waiter *w, const char *id, int wait)
{
	const char *state;
	json_t *job;

	if (wait > 0 && w->phase == WAIT_NONE) {
		int parked = 0;

		pthread_mutex_lock(&d->wmu);
		/* checked under wmu: a job finishing now resumes us after this */
		state = spool_state(d, id);
		if (state != NULL && strcmp(state, "done") != 0 && !d->wstopping) {
			if (d->nwaiters < d->cfg.max_waiters) {
				g_strlcpy(w->id, id, sizeof(w->id));
				w->c = c;
				w->deadline_ms = mugai_now_ms() + (int64_t)wait * 1000;
				w->prev = NULL;
				w->next = d->waiters;
				if (d->waiters != NULL)
					d->waiters->prev = w;
				d->waiters = w;
				d->nwaiters++;
				w->phase = WAIT_PARKED;
				/* under wmu, so no resume can come before it */
				MHD_suspend_connection(c);
				pthread_cond_signal(&d->wcv);
				parked = 1;
			} else {
				d->waits_refused++;
			}
		}
		pthread_mutex_unlock(&d->wmu);
		/* parked: no answer yet.  This handler runs again on resume */
		if (parked)
			return MHD_YES;
	}
	/* the "received" audit line is written lazily: durable before anyone
	 * hears of the job, here before a 202 (http_job_json for a 200; a
	 * finished job's verdict line synced it already) */
	if (audit_sync(d->audit) != 0)
		log_warn("cannot sync the audit log");
	state = spool_state(d, id);
	if (state != NULL && strcmp(state, "done") == 0) {
		job = http_job_json(d, id, 0);
		if (job != NULL)
			return http_json(c, MHD_HTTP_OK, job);
	}
	return http_json(c, MHD_HTTP_ACCEPTED, json_pack("{s:s, s:s}", "id", id, "state",
							 state != NULL ? state : "queued"));
}

/* ?wait=SECONDS, at most DAEMON_WAIT_MAX (more is that much): 0 with
 * *wait (0 when not given), -1 when it is not a number */
static int http_parse_wait(struct MHD_Connection *c, int *wait)
{
	const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
	uint64_t w;

	*wait = 0;
	if (s == NULL)
		return 0;
	if (numparse_whole(s, &w, UINT64_MAX) != 0)
		return -1;
	*wait = w > DAEMON_WAIT_MAX ? DAEMON_WAIT_MAX : (int)w;
	return 0;
}

/* a Content-Length over max (one that does not parse is MHD's to refuse) */
static int http_length_over(const char *cl, uint64_t max)
{
	uint64_t n;

	return cl != NULL && numparse_whole(cl, &n, UINT64_MAX) == 0 && n > max;
}

static enum MHD_Result http_bad_wait(struct MHD_Connection *c)
{
	return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
			  "wait must be a whole number of seconds");
}

static enum MHD_Result http_finish_upload(struct upload *u, struct MHD_Connection *c)
{
	struct daemon *d = u->l->d;
	int rc;

	if (u->bad || (u->multipart && !u->have_file))
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				  u->bad ? "malformed multipart/form-data body"
					 : "multipart body without a file field");
	if (u->write_error)
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				  "cannot write the upload to the spool");
	if (u->name[0] == '\0')
		g_strlcpy(u->name, "upload.bin", sizeof(u->name));
	rc = spool_commit(d, u->id, u->name, u->mode, u->fd);
	close(u->fd);
	u->fd = -2; /* the spool's now: queued, or removed by spool_commit */
	if (rc != 0)
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				  "cannot queue the job");
	return http_wait_answer(d, c, &u->w, u->id, u->wait);
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
	struct upload *u;
	enum MHD_Result ret;
	char path[128];
	int inc, wait;

	if (http_auth(l, c, ROLE_SUBMIT, &ret) != 0)
		return ret;
	if (http_length_over(cl, d->cfg.input_max_size))
		return http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				  "the upload is larger than [limits] input_max_size");
	if (mode != NULL && config_parse_mode(mode) < 0)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-mode",
				  "mode must be one of " CONFIG_MODES);
	if (http_parse_wait(c, &wait) != 0)
		return http_bad_wait(c);
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return MHD_NO;
	u->kind = REQ_UPLOAD;
	u->fd = -1;
	u->l = l;
	u->mode = mode == NULL ? 0 : config_parse_mode(mode);
	u->wait = wait;
	if (fn != NULL)
		g_strlcpy(u->name, fn, sizeof(u->name));
	else if (cd != NULL)
		httpparse_disposition_name(cd, u->name, sizeof(u->name));
	if (u->name[0] != '\0' && !g_utf8_validate(u->name, -1, NULL)) {
		free(u);
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-name", "the file name is not UTF-8");
	}
	inc = openat(d->spool_fd, "incoming", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jobid_new(u->id) != 0 || inc < 0 || mkdirat(inc, u->id, 0750) != 0) {
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

static void http_field_init(struct field *f, char *buf, size_t cap)
{
	f->v = buf;
	f->cap = cap;
	f->len = 0;
	f->v[0] = '\0';
}

static void http_field_append(struct field *f, const char *data, size_t size)
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

static struct field *http_form_field(struct form *f, const char *key)
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

static enum MHD_Result http_form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *filename, const char *content_type,
				      const char *transfer_encoding, const char *data, uint64_t off,
				      size_t size)
{
	struct field *fl = http_form_field(cls, key);

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (fl != NULL)
		http_field_append(fl, data, size);
	return MHD_YES;
}

/* the JSON body's string members into the fields; -1 when it is no object
 * of strings */
static int http_form_json(struct form *f)
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
		struct field *fl = http_form_field(f, key);

		if (fl == NULL)
			continue;
		if (!json_is_string(v)) {
			json_decref(j);
			return -1;
		}
		http_field_append(fl, json_string_value(v), json_string_length(v));
	}
	/* the copy of the password in jansson's memory */
	v = json_object_get(j, "password");
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
	json_decref(j);
	return 0;
}

/* a=1&b=2 into the fields; -1 when malformed */
static int http_form_urlencoded(struct form *f)
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
		else if ((fl = http_form_field(f, key)) != NULL)
			http_field_append(fl, val, strlen(val));
		if (val != NULL)
			explicit_bzero(val, strlen(val));
		g_free(key);
		g_free(val);
		explicit_bzero(pairs[i], strlen(pairs[i]));
	}
	g_strfreev(pairs);
	return rc;
}

static enum MHD_Result http_start_form(struct listener *l, struct MHD_Connection *c,
				       int action, const char *id, void **con_cls)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct form *f;
	int wait;

	if (http_length_over(cl, HTTP_FORM_BODY_MAX))
		return http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				  "the request body is too large");
	if (http_parse_wait(c, &wait) != 0)
		return http_bad_wait(c);
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MHD_NO;
	f->kind = REQ_FORM;
	f->action = action;
	f->l = l;
	f->wait = wait;
	g_strlcpy(f->id, id, sizeof(f->id));
	http_field_init(&f->password, f->password_buf, sizeof(f->password_buf));
	http_field_init(&f->approver, f->approver_buf, sizeof(f->approver_buf));
	http_field_init(&f->reason, f->reason_buf, sizeof(f->reason_buf));
	f->urlencoded = ct != NULL &&
			g_ascii_strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
	if (ct != NULL && g_ascii_strncasecmp(ct, "multipart/form-data", 19) == 0) {
		f->pp = MHD_create_post_processor(c, HTTP_POST_BUFFER, http_form_iter, f);
		if (f->pp == NULL) {
			http_form_free(f);
			return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
					  "malformed form header");
		}
	}
	*con_cls = f;
	return MHD_YES;
}

/* a field given, not too long, without NUL, and (unless bytes) UTF-8 */
static const char *http_field_check(struct field *fl, const char *name, int utf8, char *why,
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

static enum MHD_Result http_refusal(struct MHD_Connection *c, int status, const char *why)
{
	const char *code = status == 404 ? "not-found" : status == 409 ? "conflict" :
			   status == 400 ? "bad-request" : "unavailable";

	return http_error(c, (unsigned)status, code, why);
}

static enum MHD_Result http_finish_form(struct form *f, struct MHD_Connection *c)
{
	struct daemon *d = f->l->d;
	const char *via = f->l->kind == LISTEN_ADMIN ? "admin-socket" : "intake";
	const char *pw, *approver, *reason;
	char why[512];
	int rc;

	if (f->too_large)
		return http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				  "the request body is too large");
	if (!f->bad && f->pp == NULL) {
		size_t sp = 0;

		while (sp < f->len && g_ascii_isspace(f->body[sp]))
			sp++;
		/* curl -d sends JSON as a form: a form never starts with '{' */
		if (f->urlencoded && (sp == f->len || f->body[sp] != '{'))
			f->bad = http_form_urlencoded(f) != 0;
		else
			f->bad = http_form_json(f) != 0;
		explicit_bzero(f->body, sizeof(f->body));
	}
	if (f->bad)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				  "the body must be a JSON object of strings or form fields");
	switch (f->action) {
	case FORM_PASSWORD:
		pw = http_field_check(&f->password, "password", 0, why, sizeof(why));
		if (pw == NULL)
			return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
		rc = spool_password(d, f->id, pw, via, why, sizeof(why));
		explicit_bzero(f->password_buf, sizeof(f->password_buf));
		if (rc != 0)
			return http_refusal(c, rc, why);
		return http_wait_answer(d, c, &f->w, f->id, f->wait);
	case FORM_RELEASE_ORIGINAL:
		approver = http_field_check(&f->approver, "approver", 1, why, sizeof(why));
		if (approver == NULL)
			return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
		reason = http_field_check(&f->reason, "reason", 1, why, sizeof(why));
		if (reason == NULL)
			return http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
		rc = spool_release_original(d, f->id, approver, reason, via, why, sizeof(why));
		if (rc != 0)
			return http_refusal(c, rc, why);
		{
			json_t *job = http_job_json(d, f->id, 0);

			if (job == NULL)
				return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such job");
			return http_json(c, MHD_HTTP_OK, job);
		}
	default: {
		unsigned n = 0;

		if (spool_purge(d, d->cfg.retention_days, via, &n) != 0)
			return http_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					 json_pack("{s:{s:s, s:s}, s:I}", "error", "code", "spool-error",
						   "message", "some jobs could not be purged",
						   "purged", (json_int_t)n));
		return http_json(c, MHD_HTTP_OK, json_pack("{s:I, s:I}", "purged", (json_int_t)n,
							   "retention_days",
							   (json_int_t)d->cfg.retention_days));
	}
	}
}

/* body bytes of a form request */
static void http_form_data(struct form *f, const char *data, size_t size)
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

static enum MHD_Result http_method(struct MHD_Connection *c, const char *want)
{
	char msg[32];

	snprintf(msg, sizeof(msg), "use %s", want);
	return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method", msg);
}

static enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
				    const char *method, const char *version,
				    const char *upload_data, size_t *upload_data_size,
				    void **con_cls)
{
	struct listener *l = cls;
	struct daemon *d = l->d;
	enum MHD_Result ret;
	char id[JOBID_LEN + 8];
	const char *n;
	int route, is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	(void)version;
	if (*con_cls != NULL && *(int *)*con_cls == REQ_FORM) {
		struct form *f = *con_cls;

		if (f->w.phase != WAIT_NONE) /* resumed after a ?wait */
			return http_wait_answer(d, c, &f->w, f->id, 0);
		if (*upload_data_size > 0) {
			http_form_data(f, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return f->too_large ? MHD_NO : MHD_YES;
		}
		return http_finish_form(f, c);
	}
	if (*con_cls != NULL) {
		struct upload *u = *con_cls;

		if (u->w.phase != WAIT_NONE) /* resumed after a ?wait */
			return http_wait_answer(d, c, &u->w, u->id, 0);
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
		if (l->kind != LISTEN_INTAKE)
			return http_error(c, MHD_HTTP_NOT_FOUND, "not-found",
					  l->release_only ? "the release listener accepts no uploads"
							  : "uploads go to the intake listener");
		if (!is_post)
			return http_method(c, "POST");
		return http_start_upload(l, c, con_cls);
	}
	if (!l->release_only && strncmp(url, "/v1/admin/", 10) == 0) {
		int list = strcmp(url, "/v1/admin/jobs") == 0;

		if (!list && strcmp(url, "/v1/admin/purge") != 0)
			return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
		if (http_auth(l, c, ROLE_ADMIN, &ret) != 0)
			return ret;
		if (list) {
			if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
				return http_method(c, "GET");
			return http_json(c, MHD_HTTP_OK, spool_list(d));
		}
		if (!is_post)
			return http_method(c, "POST");
		return http_start_form(l, c, FORM_PURGE, "", con_cls);
	}
	if (httpparse_route_job(url, id, sizeof(id), &route, &n) != 0)
		return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
	if (route == ROUTE_PASSWORD || route == ROUTE_RELEASE_ORIGINAL) {
		/* the LGWAN side changes nothing */
		if (l->release_only)
			return http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "no such resource");
		if (!is_post)
			return http_method(c, "POST");
		if (http_auth(l, c, route == ROUTE_PASSWORD ? ROLE_SUBMIT : ROLE_ADMIN, &ret) != 0)
			return ret;
		if (route == ROUTE_RELEASE_ORIGINAL && !d->cfg.allow_release_original)
			return http_error(c, MHD_HTTP_FORBIDDEN, "release-original-disabled",
					  "originals are not released here ([daemon] "
					  "allow_release_original = false)");
		return http_start_form(l, c, route == ROUTE_PASSWORD ? FORM_PASSWORD :
				       FORM_RELEASE_ORIGINAL, id, con_cls);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return http_method(c, "GET");
	if (http_auth(l, c, l->release_only ? ROLE_FETCH : (ROLE_SUBMIT | ROLE_FETCH), &ret) != 0)
		return ret;
	if (route == ROUTE_ARTEFACT) {
		if (*n == '\0' || strchr(n, '/') != NULL)
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
	uint64_t port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	if (numparse_whole(colon + 1, &port, 65535) != 0 || port == 0)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* The admin socket: a stale socket (nobody answers) is replaced, a live one
 * or anything that is not a socket is refused.  Mode 0660 is set before
 * listen(), so nobody connects through a wider mode. */
int http_admin_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "admin socket '%s': want a path shorter than %zu bytes",
			 path, sizeof(sa.sun_path));
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "admin socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "admin socket %s: exists and is not a socket", path);
			close(fd);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			snprintf(err, errlen, "admin socket %s: another mugaid is listening", path);
			close(fd);
			return -1;
		}
		close(fd);
		unlink(path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "admin socket: %s", strerror(errno));
			return -1;
		}
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0660) != 0 ||
	    listen(fd, HTTP_ADMIN_BACKLOG) != 0) {
		snprintf(err, errlen, "admin socket %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* a PEM file into memory (at most HTTP_PEM_MAX bytes); NULL + err */
static char *http_read_pem(const char *key, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "[daemon] %s %s: %s", key, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 1 || st.st_size > HTTP_PEM_MAX) {
		snprintf(err, errlen, "[daemon] %s %s: want a PEM file of 1 to %d bytes", key, path,
			 HTTP_PEM_MAX);
		close(fd);
		return NULL;
	}
	buf = calloc(1, (size_t)st.st_size + 1);
	if (buf == NULL || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size ||
	    strstr(buf, "-----BEGIN ") == NULL) {
		snprintf(err, errlen, "[daemon] %s %s: cannot read a PEM file", key, path);
		if (buf != NULL)
			explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

int http_tls_paths(const struct daemon *d, enum listener_kind kind, const char **cert,
		   const char **key, char *err, size_t errlen)
{
	const struct mugai_config *cfg = &d->cfg;

	*cert = *key = NULL;
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0') ||
	    (cfg->release_tls_cert[0] == '\0') != (cfg->release_tls_key[0] == '\0')) {
		snprintf(err, errlen, "[daemon] tls_cert and tls_key (and release_tls_cert and "
			 "release_tls_key) go together: set both or neither");
		return -1;
	}
	if (kind == LISTEN_RELEASE && cfg->release_tls_cert[0] != '\0') {
		*cert = cfg->release_tls_cert;
		*key = cfg->release_tls_key;
	} else if (kind != LISTEN_ADMIN && cfg->tls_cert[0] != '\0') {
		*cert = cfg->tls_cert;
		*key = cfg->tls_key;
	}
	return 0;
}

struct MHD_Daemon *http_start(struct daemon *d, const char *addr, enum listener_kind kind,
			      int fd, char *err, size_t errlen)
{
	static struct listener ls[3];
	struct listener *l = &ls[kind];
	struct sockaddr_in sa;
	struct MHD_Daemon *m;
	const char *cert_path, *key_path;
	char *cert = NULL, *key = NULL;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
	};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;

	l->d = d;
	l->kind = kind;
	l->release_only = kind == LISTEN_RELEASE;
	if (kind == LISTEN_ADMIN) {
		m = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
				     http_handler, l,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_ADMIN_THREADS,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				     MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
				     MHD_OPTION_END);
		if (m == NULL) {
			snprintf(err, errlen, "cannot serve the admin socket %s", addr);
			close(fd);
			unlink(addr);
		}
		return m;
	}
	if (http_parse_addr(addr, &sa) != 0) {
		snprintf(err, errlen, "bad listen address '%s' (want IPv4ADDR:PORT)", addr);
		return NULL;
	}
	if (d->open_access && (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "refusing to listen on %s without tokens: configure "
			 "--tokens or listen on 127.0.0.1", addr);
		return NULL;
	}
	if (http_tls_paths(d, kind, &cert_path, &key_path, err, errlen) != 0)
		return NULL;
	if (cert_path != NULL) {
		/* fail closed: never fall back to plain HTTP */
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "[daemon] tls_cert is set but this libmicrohttpd has "
				 "no TLS support (MHD_FEATURE_TLS)");
			return NULL;
		}
		cert = http_read_pem(kind == LISTEN_RELEASE && d->cfg.release_tls_cert[0] ?
				     "release_tls_cert" : "tls_cert", cert_path, err, errlen);
		key = cert == NULL ? NULL :
		      http_read_pem(kind == LISTEN_RELEASE && d->cfg.release_tls_key[0] ?
				    "release_tls_key" : "tls_key", key_path, err, errlen);
		if (key == NULL) {
			free(cert);
			return NULL;
		}
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						  (void *)HTTP_TLS_PRIORITIES };
	}
	/* parked ?wait requests hold their connection: room for them all
	 * beside HTTP_CONN_HEADROOM others */
	m = MHD_start_daemon(flags, 0, NULL, NULL, http_handler, l,
			     MHD_OPTION_ARRAY, tls,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_POOL_THREADS,
			     MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned)(d->cfg.max_waiters + HTTP_CONN_HEADROOM),
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
			     MHD_OPTION_END);
	if (m == NULL && cert != NULL)
		snprintf(err, errlen, "cannot listen on %s with TLS: check the certificate %s and "
			 "the key %s (PEM, matching)", addr, cert_path, key_path);
	else if (m == NULL)
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
	/* GnuTLS holds its own copy once the daemon started */
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	return m;
}
