/*
 * mclient.c - mugai-milter's HTTP client of mugaid (libcurl, multi
 * interface in the calling milter thread, so that it can tell the MTA it is
 * still alive while it waits).  Bodies go from a file and into a file:
 * nothing of a message is held in memory.
 *
 * Connections are kept for the next message ([milter] keepalive seconds):
 * a pool per listener (intake, release) of multi+easy pairs, each holding at
 * most one connection (CURLMOPT_MAXCONNECTS 1) and used by one thread at a
 * time; libcurl's shared connection cache is not for concurrent threads.
 * A pair is made only when none is idle, and the in-flight limit bounds the
 * pairs in use, so a milter holds at most [milter] max_inflight connections
 * to each listener, as without the pool.  A transfer that did not end with
 * an HTTP answer (transport error, timeout) drops its pair: its connection
 * is never used again.  A kept connection mugaid has closed is found dead
 * by libcurl before it is used, and a request on one that dies before an
 * answer is sent again on a new connection (the body is rewound), so the
 * pool adds no tempfail.
 */
#include "milter.h"
#include "mugai/config.h"
#include "mugai/jobid.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MCLIENT_JSON_MAX (1024 * 1024)  /* a job's JSON answer */
#define MCLIENT_POLL_MS 1000            /* between GET /v1/jobs/{id} while waiting */
#define MCLIENT_WAIT_MAX 600            /* mugaid's largest ?wait= */
#define MCLIENT_ADDR_MAX (CONFIG_MAIL_ADDRESS_BYTES_MAX + 32) /* an envelope header line */

struct mclient_sink {
	GString *json;      /* the answer, when not to a file */
	int fd;             /* else the file it goes to */
	uint64_t written, max;
	GChecksum *sha;
	int over;
};

enum mclient_kind { MCLIENT_INTAKE, MCLIENT_RELEASE, MCLIENT_KINDS };

/* a multi handle (its connection cache: the kept connection) and the easy
 * handle it runs */
struct mclient_conn {
	CURLM *m;
	CURL *h;
};

static pthread_mutex_t mclient_mu = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray *mclient_idle[MCLIENT_KINDS]; /* struct mclient_conn *, idle */

static void mclient_conn_free(struct mclient_conn *c)
{
	if (c == NULL)
		return;
	if (c->m != NULL)
		curl_multi_cleanup(c->m);
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	free(c);
}

/* an idle pair for kind, or a new one; NULL when out of memory */
static struct mclient_conn *mclient_take(const struct milter_conf *mc, enum mclient_kind kind)
{
	struct mclient_conn *c = NULL;

	pthread_mutex_lock(&mclient_mu);
	if (mclient_idle[kind] != NULL && mclient_idle[kind]->len > 0)
		c = g_ptr_array_steal_index_fast(mclient_idle[kind], mclient_idle[kind]->len - 1);
	pthread_mutex_unlock(&mclient_mu);
	if (c != NULL) {
		curl_easy_reset(c->h); /* options go, the connection stays */
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->m = curl_multi_init()) == NULL || (c->h = curl_easy_init()) == NULL) {
		mclient_conn_free(c);
		return NULL;
	}
	curl_multi_setopt(c->m, CURLMOPT_MAXCONNECTS, 1L);
	return c;
}

/* done with c: kept for the next message when its transfer ended with an
 * HTTP answer (reusable) and keepalive is on, else closed */
static void mclient_give(const struct milter_conf *mc, enum mclient_kind kind,
			 struct mclient_conn *c, int reusable)
{
	if (c == NULL)
		return;
	if (reusable && mc->keepalive > 0) {
		pthread_mutex_lock(&mclient_mu);
		if (mclient_idle[kind] == NULL)
			mclient_idle[kind] = g_ptr_array_new();
		/* never more than in flight at once: see the top */
		if (mclient_idle[kind]->len < mc->max_inflight) {
			g_ptr_array_add(mclient_idle[kind], c);
			c = NULL;
		}
		pthread_mutex_unlock(&mclient_mu);
	}
	mclient_conn_free(c);
}

void mclient_cleanup(void)
{
	pthread_mutex_lock(&mclient_mu);
	for (int k = 0; k < MCLIENT_KINDS; k++) {
		for (guint i = 0; mclient_idle[k] != NULL && i < mclient_idle[k]->len; i++)
			mclient_conn_free(g_ptr_array_index(mclient_idle[k], i));
		if (mclient_idle[k] != NULL)
			g_ptr_array_free(mclient_idle[k], TRUE);
		mclient_idle[k] = NULL;
	}
	pthread_mutex_unlock(&mclient_mu);
}

static size_t mclient_write(char *p, size_t size, size_t n, void *userdata)
{
	struct mclient_sink *s = userdata;
	size_t len = size * n;

	if (s->written + len > s->max) {
		s->over = 1;
		return 0;
	}
	s->written += len;
	if (s->fd >= 0) {
		size_t off = 0;

		while (off < len) {
			ssize_t w = write(s->fd, p + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return 0;
			off += (size_t)w;
		}
		if (s->sha != NULL)
			g_checksum_update(s->sha, (const guchar *)p, (gssize)len);
	} else {
		g_string_append_len(s->json, p, (gssize)len);
	}
	return len;
}

static double mclient_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* perform c's transfer, calling progress() every interval seconds; the HTTP
 * status, or -1 (transport error, deadline) */
static long mclient_perform(const struct milter_conf *mc, struct mclient_conn *c, double deadline,
			    void (*progress)(void *), void *arg)
{
	CURLM *m = c->m;
	CURL *h = c->h;
	double last = mclient_now();
	long status = -1;
	int running = 1;

	if (curl_multi_add_handle(m, h) != CURLM_OK)
		return -1;
	while (running) {
		double now;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		curl_multi_poll(m, NULL, 0, 200, NULL);
		now = mclient_now();
		if (now > deadline)
			break;
		if (progress != NULL && now - last >= mc->progress_interval) {
			progress(arg);
			last = now;
		}
	}
	if (!running) {
		CURLMsg *msg;
		int left;

		while ((msg = curl_multi_info_read(m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->data.result == CURLE_OK)
				curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	}
	curl_multi_remove_handle(m, h);
	return status;
}

/* c's easy handle set up for url (NULL when c is) */
static CURL *mclient_easy(const struct milter_conf *mc, struct mclient_conn *c, const char *url,
			  struct curl_slist **hdrs, struct mclient_sink *sink)
{
	CURL *h = c != NULL ? c->h : NULL;

	*hdrs = NULL;
	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (mc->keepalive > 0)
		curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, (long)mc->keepalive);
	else
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mclient_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)mc->connect_timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (mc->token[0] != '\0') {
		char *auth = g_strdup_printf("Authorization: Bearer %s", mc->token);

		*hdrs = curl_slist_append(*hdrs, auth);
		explicit_bzero(auth, strlen(auth));
		g_free(auth);
	}
	return h;
}

static json_t *mclient_json(GString *s)
{
	return json_loadb(s->str, s->len, 0, NULL);
}

/* GET a job's JSON over c (reset first) */
static json_t *mclient_get_job(const struct milter_conf *mc, struct mclient_conn *c,
			       const char *id, double deadline, long *status,
			       void (*progress)(void *), void *arg)
{
	struct mclient_sink sink = { g_string_new(NULL), -1, 0, MCLIENT_JSON_MAX, NULL, 0 };
	struct curl_slist *hdrs;
	char *url = g_strdup_printf("%s/v1/jobs/%s", mc->intake_url, id);
	CURL *h;
	json_t *j = NULL;

	curl_easy_reset(c->h);
	h = mclient_easy(mc, c, url, &hdrs, &sink);
	*status = -1;
	if (h != NULL) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		*status = mclient_perform(mc, c, deadline, progress, arg);
		if (*status == 200)
			j = mclient_json(sink.json);
	}
	curl_slist_free_all(hdrs);
	g_free(url);
	g_string_free(sink.json, TRUE);
	return j;
}

/* a request header with an envelope address: control characters dropped,
 * so that nothing from SMTP can end the header */
static struct curl_slist *mclient_header(struct curl_slist *h, const char *name, const char *v)
{
	GString *s = g_string_new(name);

	g_string_append(s, ": ");
	for (const char *p = v; *p != '\0' && s->len < MCLIENT_ADDR_MAX; p++)
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			g_string_append_c(s, *p);
	h = curl_slist_append(h, s->str);
	g_string_free(s, TRUE);
	return h;
}

int mclient_submit(const struct milter_conf *mc, FILE *msg, uint64_t size,
		   const struct milter_envelope *env, struct milter_job *job,
		   void (*progress)(void *), void *arg)
{
	struct mclient_sink sink = { g_string_new(NULL), -1, 0, MCLIENT_JSON_MAX, NULL, 0 };
	double deadline = mclient_now() + mc->job_timeout;
	unsigned wait = mc->job_timeout < MCLIENT_WAIT_MAX ? mc->job_timeout : MCLIENT_WAIT_MAX;
	struct curl_slist *hdrs;
	char *url = g_strdup_printf("%s/v1/jobs?mode=mail&filename=message.eml&wait=%u",
				    mc->intake_url, wait);
	struct mclient_conn *c = mclient_take(mc, MCLIENT_INTAKE);
	CURL *h = mclient_easy(mc, c, url, &hdrs, &sink);
	json_t *j = NULL;
	long status = -1;
	const char *id, *state;

	memset(job, 0, sizeof(*job));
	g_strlcpy(job->why, "mugaid unreachable", sizeof(job->why));
	if (h == NULL)
		goto out;
	/* the envelope travels beside the message (PPAP follow-up mails need
	 * it); mugaid ignores these headers until it uses them */
	if (env->sender != NULL)
		hdrs = mclient_header(hdrs, "X-Mugai-Envelope-From", env->sender);
	for (guint i = 0; env->rcpts != NULL && i < env->rcpts->len; i++)
		hdrs = mclient_header(hdrs, "X-Mugai-Envelope-To", g_ptr_array_index(env->rcpts, i));
	hdrs = curl_slist_append(hdrs, "Content-Type: message/rfc822");
	hdrs = curl_slist_append(hdrs, "Expect:");
	rewind(msg);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READDATA, msg);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	status = mclient_perform(mc, c, deadline, progress, arg);
	if (status == 200 || status == 202)
		j = mclient_json(sink.json);
	if (j == NULL) {
		if (status > 0)
			snprintf(job->why, sizeof(job->why), "mugaid answered %ld", status);
		if (status == 413)
			job->too_large = 1;
		else if (status <= 0 && mclient_now() > deadline) {
			g_strlcpy(job->why, "timeout", sizeof(job->why));
			job->timed_out = 1;
		}
		goto out;
	}
	id = json_string_value(json_object_get(j, "id"));
	if (!jobid_valid(id)) {
		g_strlcpy(job->why, "mugaid answered without a job id", sizeof(job->why));
		goto out;
	}
	g_strlcpy(job->id, id, sizeof(job->id));
	/* not done within ?wait: ask again, telling the MTA we are alive */
	while ((state = json_string_value(json_object_get(j, "state"))) == NULL ||
	       strcmp(state, "done") != 0) {
		double until = mclient_now() + MCLIENT_POLL_MS / 1000.0;

		json_decref(j);
		j = NULL;
		while (mclient_now() < until) {
			if (mclient_now() > deadline)
				break;
			usleep(100 * 1000);
		}
		if (mclient_now() > deadline) {
			g_strlcpy(job->why, "timeout", sizeof(job->why));
			job->timed_out = 1;
			goto out;
		}
		if (progress != NULL)
			progress(arg);
		j = mclient_get_job(mc, c, job->id, deadline, &status, progress, arg);
		if (j == NULL) {
			snprintf(job->why, sizeof(job->why), "job status: HTTP %ld", status);
			goto out;
		}
	}
	{
		const char *v = json_string_value(json_object_get(j, "verdict"));
		const char *r = json_string_value(json_object_get(j, "reason"));
		json_t *a = json_array_get(json_object_get(j, "artefacts"), 0);

		g_strlcpy(job->verdict, v ? v : "", sizeof(job->verdict));
		g_strlcpy(job->why, r ? r : "", sizeof(job->why));
		if (a != NULL) {
			const char *u = json_string_value(json_object_get(a, "url"));
			const char *sha = json_string_value(json_object_get(a, "sha256"));

			if (u != NULL && u[0] == '/' && strlen(u) < sizeof(job->artefact_url) &&
			    strspn(u, "/abcdefghijklmnopqrstuvwxyz0123456789") == strlen(u))
				g_strlcpy(job->artefact_url, u, sizeof(job->artefact_url));
			if (sha != NULL && strlen(sha) == 64)
				g_strlcpy(job->sha256, sha, sizeof(job->sha256));
		}
		job->done = 1;
	}
out:
	/* status: the last request's, -1 when it got no answer */
	mclient_give(mc, MCLIENT_INTAKE, c, status > 0);
	json_decref(j);
	curl_slist_free_all(hdrs);
	g_free(url);
	g_string_free(sink.json, TRUE);
	return job->done ? 0 : -1;
}

int mclient_fetch(const struct milter_conf *mc, const struct milter_job *job, int fd,
		  void (*progress)(void *), void *arg)
{
	struct mclient_sink sink = { NULL, fd, 0, mc->message_max_size * 2,
				     g_checksum_new(G_CHECKSUM_SHA256), 0 };
	const char *base = mc->release_url[0] ? mc->release_url : mc->intake_url;
	char *url = g_strdup_printf("%s%s", base, job->artefact_url);
	struct curl_slist *hdrs;
	struct mclient_conn *c = mclient_take(mc, MCLIENT_RELEASE);
	CURL *h = mclient_easy(mc, c, url, &hdrs, &sink);
	long status = -1;
	int rc = -1;

	if (h != NULL) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		status = mclient_perform(mc, c, mclient_now() + mc->job_timeout, progress, arg);
	}
	/* an answer cut short by the size cap ends the transfer early */
	mclient_give(mc, MCLIENT_RELEASE, c, status > 0 && !sink.over);
	/* never hand on bytes that are not what the gateway released */
	if (status == 200 && !sink.over && job->sha256[0] != '\0' &&
	    strcmp(g_checksum_get_string(sink.sha), job->sha256) == 0)
		rc = 0;
	curl_slist_free_all(hdrs);
	g_checksum_free(sink.sha);
	g_free(url);
	return rc;
}
